import fs from 'node:fs';
import path from 'node:path';
import { app as electronApp, dialog, ipcMain, type BrowserWindow, type IpcMainInvokeEvent } from 'electron';
import { z } from 'zod';
import { StrataError, toRendererErrorPayload } from '../core/errors';
import type { Handlers, OperationReply } from '../operations/handlers';
import { LIMITS, OPERATION_NAMES } from '../contract/operations';
import { fileNameSchema } from '../contract/schemas';

/** Channel names shared with the preload (which imports this module's constants only via its own copy). */
export const OP_CHANNEL_PREFIX = 'strata:op:';
export const FILES_CHANNELS = {
  chooseImport: 'strata:files:chooseImport',
  upload: 'strata:files:upload',
  save: 'strata:files:save',
} as const;
export const EVENT_CHANNEL = 'strata:event';

export interface IpcOptions {
  handlers: Handlers;
  /** The one window whose renderer may call us. */
  window: () => BrowserWindow | null;
  /** Origin of our renderer, such as app://strata. */
  rendererOrigin: string;
}

const importKindSchema = z.enum(['archive', 'settings']);

const IMPORT_FILTERS: Record<z.infer<typeof importKindSchema>, Electron.FileFilter[]> = {
  archive: [
    { name: 'Strata session archives', extensions: ['json', 'gz', 'strata'] },
    { name: 'All files', extensions: ['*'] },
  ],
  settings: [
    { name: 'Strata settings', extensions: ['json'] },
    { name: 'All files', extensions: ['*'] },
  ],
};

/**
 * Only our own window's top frame, showing our own renderer, may call into main. Anything
 * else (a subframe, a navigated page, another window) is refused before input is looked at.
 */
function senderAllowed(event: IpcMainInvokeEvent, opts: IpcOptions): boolean {
  const win = opts.window();
  if (!win || win.isDestroyed() || event.sender !== win.webContents) return false;
  const frame = event.senderFrame;
  if (!frame || frame !== event.sender.mainFrame) return false;
  try {
    // URL.origin is "null" for custom schemes such as app://, so compare scheme and host.
    const u = new URL(frame.url);
    return `${u.protocol}//${u.host}` === opts.rendererOrigin;
  } catch {
    return false;
  }
}

const refused: OperationReply = {
  ok: false,
  error: { code: 'forbidden', message: 'This request did not come from the Strata window.' },
};

async function guarded(
  event: IpcMainInvokeEvent,
  opts: IpcOptions,
  fn: () => Promise<unknown>,
): Promise<OperationReply> {
  if (!senderAllowed(event, opts)) return refused;
  try {
    return { ok: true, result: await fn() };
  } catch (e) {
    return { ok: false, error: toRendererErrorPayload(e) };
  }
}

export function registerIpc(opts: IpcOptions): () => void {
  const { handlers } = opts;
  const channels: string[] = [];
  const handle = (channel: string, fn: (event: IpcMainInvokeEvent, ...args: unknown[]) => Promise<OperationReply>) => {
    ipcMain.handle(channel, fn);
    channels.push(channel);
  };

  for (const name of OPERATION_NAMES) {
    // handlers.run validates the input with the operation's zod schema before anything runs.
    handle(OP_CHANNEL_PREFIX + name, async (event, input) => {
      if (!senderAllowed(event, opts)) return refused;
      return handlers.run(name, input);
    });
  }

  handle(FILES_CHANNELS.chooseImport, (event, kindRaw) =>
    guarded(event, opts, async () => {
      const kind = importKindSchema.safeParse(kindRaw);
      if (!kind.success) throw new StrataError('invalid_input', "kind must be 'archive' or 'settings'");
      const win = opts.window();
      const picked = await dialog.showOpenDialog(win!, {
        title: kind.data === 'archive' ? 'Import archive' : 'Import settings',
        properties: ['openFile'],
        filters: IMPORT_FILTERS[kind.data],
      });
      const file = picked.filePaths[0];
      if (picked.canceled || !file) return null;
      const stat = await fs.promises.stat(file);
      if (!stat.isFile()) throw new StrataError('invalid_input', 'Choose a regular file.');
      // Copied through the streaming size limit: the file may grow after the stat.
      const entry = await handlers.transfers.adoptCopy(file, LIMITS.maxUploadBytes);
      return { transferId: entry.id, fileName: entry.fileName };
    }),
  );

  handle(FILES_CHANNELS.upload, (event, fileNameRaw, bytesRaw) =>
    guarded(event, opts, async () => {
      const fileName = fileNameSchema.safeParse(fileNameRaw);
      if (!fileName.success) throw new StrataError('invalid_input', 'The file needs a plain name.');
      let bytes: Uint8Array;
      const size = bytesRaw instanceof ArrayBuffer || bytesRaw instanceof Uint8Array ? bytesRaw.byteLength : 0;
      if (size > LIMITS.maxDroppedFileBytes) {
        throw new StrataError(
          'too_large',
          'This file is too big to drop here. Use Import archive to choose it instead.',
        );
      }
      if (bytesRaw instanceof ArrayBuffer) bytes = new Uint8Array(bytesRaw);
      else if (bytesRaw instanceof Uint8Array) bytes = bytesRaw;
      else throw new StrataError('invalid_input', 'The file contents must be bytes.');
      const entry = await handlers.transfers.storeBytes(fileName.data, bytes, LIMITS.maxUploadBytes);
      return { transferId: entry.id, fileName: entry.fileName, bytes: entry.bytes };
    }),
  );

  handle(FILES_CHANNELS.save, (event, transferId) =>
    guarded(event, opts, async () => {
      const entry = handlers.transfers.resolve(transferId);
      const win = opts.window();
      const picked = await dialog.showSaveDialog(win!, {
        title: 'Save export',
        defaultPath: path.join(electronApp.getPath('downloads'), entry.fileName),
      });
      if (picked.canceled || !picked.filePath) return { saved: false };
      await handlers.transfers.saveTo(entry.id, picked.filePath);
      return { saved: true };
    }),
  );

  return () => {
    for (const c of channels) ipcMain.removeHandler(c);
  };
}
