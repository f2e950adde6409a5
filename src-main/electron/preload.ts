import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron';
import { OPERATION_NAME_LIST } from '../contract/operation-names';
import { encodeErrorMessage } from '../contract/errors';

/**
 * The sandboxed preload: exposes `window.strata` with one function per operation, the event
 * subscription and file helpers. It never exposes ipcRenderer itself, and it only requires
 * 'electron' at run time (everything else is bundled in), as a sandboxed preload must.
 * Channel names must match src-main/electron/ipc.ts.
 */
const OP_CHANNEL_PREFIX = 'strata:op:';
const EVENT_CHANNEL = 'strata:event';

type Reply = { ok: true; result: unknown } | { ok: false; error: { code: string; message: string } };

async function call(channel: string, ...args: unknown[]): Promise<unknown> {
  const reply = (await ipcRenderer.invoke(channel, ...args)) as Reply;
  if (reply && reply.ok === true) return reply.result;
  const error = reply && reply.ok === false ? reply.error : { code: 'internal', message: 'No reply from Strata.' };
  // contextBridge copies only an Error's message, so the code rides along as a prefix.
  throw new Error(encodeErrorMessage(error));
}

const ops: Record<string, (input: unknown) => Promise<unknown>> = {};
for (const name of OPERATION_NAME_LIST) {
  ops[name] = (input: unknown) => call(OP_CHANNEL_PREFIX + name, input ?? {});
}

contextBridge.exposeInMainWorld('strata', {
  ops,
  onEvent(cb: (event: { name: string; payload: unknown }) => void): () => void {
    if (typeof cb !== 'function') throw new Error('onEvent needs a function');
    const listener = (_e: IpcRendererEvent, message: { name: string; payload: unknown }) => cb(message);
    ipcRenderer.on(EVENT_CHANNEL, listener);
    return () => {
      ipcRenderer.removeListener(EVENT_CHANNEL, listener);
    };
  },
  files: {
    chooseImport: (kind: 'archive' | 'settings') => call('strata:files:chooseImport', kind),
    upload: (fileName: string, bytes: ArrayBuffer) => call('strata:files:upload', fileName, bytes),
    save: (transferId: string) => call('strata:files:save', transferId),
  },
});
