import { z } from 'zod';
import { child, childrenNamed, parseXml, textOf } from './xml';

/** The PROPFIND body: only the three properties a listing needs. */
export const PROPFIND_BODY =
  '<?xml version="1.0" encoding="utf-8"?>' +
  '<d:propfind xmlns:d="DAV:"><d:prop><d:resourcetype/><d:getcontentlength/><d:getlastmodified/></d:prop></d:propfind>';

const Entry = z.object({
  /** The decoded path of the member, from its `href`. */
  path: z.string().min(1).max(4096),
  collection: z.boolean(),
  size: z.number().int().nonnegative().nullable(),
  modifiedAt: z.date().nullable(),
});
export type DavEntry = z.infer<typeof Entry>;

/**
 * A 207 Multi-Status reply to PROPFIND, as entries checked by zod. Only properties reported with
 * a 2xx status count (servers list the ones they lack under a 404 propstat). An `href` may be an
 * absolute URL or an absolute path; both become a decoded path.
 */
export function parseMultistatus(xml: string): DavEntry[] {
  const root = parseXml(xml);
  if (root.name !== 'multistatus') throw new Error(`expected a DAV multistatus, got <${root.name}>`);
  return childrenNamed(root, 'response').map((r) => {
    const href = textOf(r, 'href');
    if (!href) throw new Error('a multistatus response without an href');
    const props = childrenNamed(r, 'propstat')
      .filter((ps) => /^HTTP\/\d(\.\d)? 2\d\d/.test(textOf(ps, 'status') ?? ''))
      .map((ps) => child(ps, 'prop'));
    const find = (name: string) => props.map((p) => child(p, name)).find((x) => x !== undefined);
    const length = find('getcontentlength')?.text.trim();
    const modified = find('getlastmodified')?.text.trim();
    const d = modified ? new Date(modified) : null;
    return Entry.parse({
      path: decodeURIComponent(href.startsWith('/') ? href : new URL(href).pathname),
      collection: child(find('resourcetype'), 'collection') !== undefined,
      size: length !== undefined && /^\d+$/.test(length) ? Number(length) : null,
      modifiedAt: d && Number.isFinite(d.getTime()) ? d : null,
    });
  });
}
