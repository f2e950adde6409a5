import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ensurePrivateDir, ensurePrivateFile, makeFilePrivate } from '../../src-main/core/private-files';

const root = fs.mkdtempSync(path.join(os.tmpdir(), 'strata-private-'));
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
const mode = (p: string) => fs.statSync(p).mode & 0o777;

describe.skipIf(process.platform === 'win32')('owner-only files and folders (POSIX modes)', () => {
  it('creates a folder 0700 whatever the umask, and tightens one that exists looser', () => {
    const fresh = path.join(root, 'a', 'b', 'fresh');
    ensurePrivateDir(fresh);
    expect(mode(fresh)).toBe(0o700);
    const loose = path.join(root, 'loose');
    fs.mkdirSync(loose);
    fs.chmodSync(loose, 0o777);
    ensurePrivateDir(loose);
    expect(mode(loose)).toBe(0o700);
  });

  it('takes permissions away and never adds any', () => {
    const shared = path.join(root, 'shared.db');
    fs.writeFileSync(shared, 'x');
    fs.chmodSync(shared, 0o666);
    makeFilePrivate(shared);
    expect(mode(shared)).toBe(0o600);
    const readOnly = path.join(root, 'read-only.db');
    fs.writeFileSync(readOnly, 'x');
    fs.chmodSync(readOnly, 0o444);
    makeFilePrivate(readOnly);
    expect(mode(readOnly)).toBe(0o400);
    // A file it may only read is tightened, not opened for writing.
    ensurePrivateFile(readOnly);
    expect(fs.readFileSync(readOnly, 'utf8')).toBe('x');
    makeFilePrivate(path.join(root, 'missing'));
    expect(fs.existsSync(path.join(root, 'missing'))).toBe(false);
  });

  it('creates a missing file empty and owner-only, and keeps an existing one as it is', () => {
    const file = path.join(root, 'new.db');
    ensurePrivateFile(file);
    expect(mode(file)).toBe(0o600);
    expect(fs.statSync(file).size).toBe(0);
    fs.writeFileSync(file, 'content');
    fs.chmodSync(file, 0o644);
    ensurePrivateFile(file);
    expect(fs.readFileSync(file, 'utf8')).toBe('content');
    expect(mode(file)).toBe(0o600);
  });
});
