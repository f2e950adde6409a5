import { it } from 'vitest';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
import { readDatabasePages } from '../../src-main/page-store';
it('measure', async () => {
  const db = '/tmp/h5big/strata.db';
  console.log('size MiB', fs.statSync(db).size / 1048576, 'wal', fs.existsSync(db + '-wal') ? fs.statSync(db + '-wal').size : 'none');
  for (let rep = 0; rep < 2; rep++) for (const method of ['direct', 'backup'] as const) {
    const t = process.hrtime.bigint();
    const src = await readDatabasePages(db, { method, scratchDir: '/tmp/h5scratch' });
    const t1 = process.hrtime.bigint();
    let n = 0; for (let p = 1; p <= src.pageCount; p++) n += src.readPage(p).length;
    src.close();
    const t2 = process.hrtime.bigint();
    console.log(method, 'open', Number(t1 - t) / 1e6, 'ms, read all pages', Number(t2 - t1) / 1e6, 'ms total', Number(t2 - t) / 1e6, n);
  }
  let t = Date.now(); execFileSync('sqlite3', [db, '.backup /tmp/h5scratch/cli.db']); console.log('sqlite3 .backup', Date.now() - t);
}, 120000);
