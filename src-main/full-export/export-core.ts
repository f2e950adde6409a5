import crypto from 'node:crypto';
import { readSchemaVersion } from '../db/migrator';
import { countRows, iterateTableRows, listTables } from '../db/repositories/transfer';
import { writeExportFile } from '../archives/export-file';
import type { Progress } from '../core/worker-rpc';
import { FULL_EXPORT_FORMAT, FULL_EXPORT_VERSION, toExportValue } from './format';

export interface ExportAllJob {
  kind: 'export-all';
  dbFile: string;
  outFile: string;
  appVersion: string;
  exportedAt: number;
}

export interface ExportAllResult {
  outFile: string;
  bytes: number;
  schemaVersion: number;
  counts: Record<string, number>;
  sha256: string;
}

/**
 * Every table, row by row, inside one read transaction (a consistent copy while the app
 * writes); gzip runs on other threads and memory holds a few batches at most.
 */
export async function exportAll(job: ExportAllJob, progress: Progress): Promise<ExportAllResult> {
  const { result, bytes } = await writeExportFile(job.dbFile, job.outFile, 'gzip', async (db, sink) => {
    const schemaVersion = readSchemaVersion(db);
    const tables = listTables(db);
    const totalRows = tables.reduce((n, t) => n + countRows(db, t.name), 0);
    const hash = crypto.createHash('sha256');
    sink.write(
      `{"format":${JSON.stringify(FULL_EXPORT_FORMAT)},"version":${FULL_EXPORT_VERSION},` +
        `"exported_at":${JSON.stringify(new Date(job.exportedAt).toISOString())},` +
        `"app_version":${JSON.stringify(job.appVersion)},"schema_version":${schemaVersion},\n"tables":[`,
    );
    const counts: Record<string, number> = {};
    let done = 0;
    for (const [ti, t] of tables.entries()) {
      const name = JSON.stringify(t.name);
      const columns = JSON.stringify(t.columns);
      hash.update(`${name}\n${columns}\n`);
      sink.write(`${ti === 0 ? '\n' : ',\n'}{"name":${name},"columns":${columns},"rows":[`);
      let n = 0;
      for (const raw of iterateTableRows(db, t)) {
        const line = JSON.stringify(raw.map(toExportValue));
        hash.update(line);
        hash.update('\n');
        sink.write(n === 0 ? '\n' + line : ',\n' + line);
        n++;
        done++;
        if (n % 64 === 0) await sink.drain();
        if (done % 2000 === 0) progress('export', done, totalRows);
      }
      sink.write(n === 0 ? ']}' : '\n]}');
      counts[t.name] = n;
    }
    const sha256 = hash.digest('hex');
    sink.write(`\n],\n"metadata":${JSON.stringify({ tables: counts, content_sha256: sha256 })}}\n`);
    return { schemaVersion, counts, sha256, done, totalRows };
  });
  progress('export', result.done, result.totalRows);
  return {
    outFile: job.outFile,
    bytes,
    schemaVersion: result.schemaVersion,
    counts: result.counts,
    sha256: result.sha256,
  };
}
