import path from 'node:path';

export type RendererPath = { ok: true; file: string; rel: string } | { ok: false; status: 400 | 404 };

/**
 * The file inside `rootDir` that a request's URL path names. Both the headless host and the
 * Electron shell serve the built renderer this way, so a path that decodes badly, carries a
 * NUL, or climbs out of the folder (`..`, `%2e%2e`, `..%2f`) is refused in one place.
 * `rootDir` must be absolute and already resolved.
 */
export function resolveRendererPath(rootDir: string, urlPathname: string): RendererPath {
  let rel: string;
  try {
    rel = decodeURIComponent(urlPathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (rel.includes('\0')) return { ok: false, status: 400 };
  // Normalising as an absolute POSIX path first removes every `..` before it meets the disk.
  const file = path.resolve(rootDir, '.' + path.posix.normalize('/' + rel));
  if (file !== rootDir && !file.startsWith(rootDir + path.sep)) return { ok: false, status: 404 };
  return { ok: true, file, rel };
}
