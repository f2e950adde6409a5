import { EVENT_NAMES, parseEvent, type StrataEventMessage } from './events';
import { ContractError, decodeError, describeZodError, toErrorCode } from './errors';
import { OPERATIONS, OPERATION_NAMES, type OperationName } from './operations';
import { transferIdSchema, transferSchema } from './schemas';
import type { FilesApi, ImportKind, Input, Output, StrataBridge, Transfer } from './types';

/**
 * The renderer's typed client. It validates inputs before they leave and outputs when they
 * arrive, so a screen only ever sees data that matches the contract. Transports carry the
 * calls: Electron's preload bridge or the headless host's HTTP API.
 */
export interface Transport {
  invoke(name: OperationName, input: unknown): Promise<unknown>;
  subscribe(cb: (event: { name: string; payload: unknown }) => void): () => void;
  files?: FilesApi;
}

export type OpsApi = { [N in OperationName]: (input: Input<N>) => Promise<Output<N>> };

export interface StrataClient {
  ops: OpsApi;
  call<N extends OperationName>(name: N, input: Input<N>): Promise<Output<N>>;
  /** Validated events; malformed ones are dropped. Returns an unsubscribe function. */
  onEvent(cb: (event: StrataEventMessage) => void): () => void;
  files: FilesApi;
}

export { ContractError };

const noFiles: FilesApi = {
  chooseImport: () => Promise.reject(new ContractError('unsupported', 'Files are not available here.')),
  upload: () => Promise.reject(new ContractError('unsupported', 'Files are not available here.')),
  save: () => Promise.reject(new ContractError('unsupported', 'Files are not available here.')),
};

export function createClient(transport: Transport): StrataClient {
  async function call<N extends OperationName>(name: N, input: Input<N>): Promise<Output<N>> {
    const def = OPERATIONS[name];
    const parsedIn = def.input.safeParse(input ?? {});
    if (!parsedIn.success) throw new ContractError('invalid_input', describeZodError(parsedIn.error));
    let raw: unknown;
    try {
      // Send what the caller gave (not the parsed form): the other side validates it again.
      raw = await transport.invoke(name, input ?? {});
    } catch (e) {
      throw decodeError(e);
    }
    const parsedOut = def.output.safeParse(raw);
    if (!parsedOut.success) {
      throw new ContractError('bad_response', `Unexpected reply to ${name}: ${describeZodError(parsedOut.error)}`);
    }
    return parsedOut.data as Output<N>;
  }

  const ops = {} as Record<OperationName, (input: unknown) => Promise<unknown>>;
  for (const name of OPERATION_NAMES) ops[name] = (input: unknown) => call(name, input as never);

  return {
    ops: ops as unknown as OpsApi,
    call,
    onEvent(cb) {
      return transport.subscribe((e) => {
        const ev = parseEvent(e.name, e.payload);
        if (ev) cb(ev);
      });
    },
    files: transport.files ?? noFiles,
  };
}

// ---- Electron: window.strata from the preload -----------------------------------------------

export function createElectronTransport(bridge: StrataBridge): Transport {
  return {
    invoke(name, input) {
      const fn = bridge.ops[name] as ((i: unknown) => Promise<unknown>) | undefined;
      if (typeof fn !== 'function')
        return Promise.reject(new ContractError('unsupported', `Unknown operation ${name}`));
      return fn(input).catch((e: unknown) => {
        throw decodeError(e);
      });
    },
    subscribe: (cb) => bridge.onEvent(cb),
    files: {
      chooseImport: (kind) => bridge.files.chooseImport(kind).catch((e: unknown) => Promise.reject(decodeError(e))),
      upload: (fileName, bytes) =>
        bridge.files.upload(fileName, bytes).catch((e: unknown) => Promise.reject(decodeError(e))),
      save: (transferId) => bridge.files.save(transferId).catch((e: unknown) => Promise.reject(decodeError(e))),
    },
  };
}

// ---- Browser against `strata serve` ---------------------------------------------------------

export interface HttpTransportOptions {
  token: string;
  /** Origin of the host; '' means the page's own origin. */
  baseUrl?: string;
  fetch?: typeof fetch;
  EventSource?: typeof EventSource;
}

async function readReply(res: Response): Promise<unknown> {
  let body: unknown;
  try {
    body = await res.json();
  } catch {
    throw new ContractError('bad_response', `The host replied ${res.status} without a readable body.`);
  }
  const b = body as { ok?: unknown; result?: unknown; error?: { code?: unknown; message?: unknown } };
  if (b && b.ok === true) return b.result;
  if (b && b.ok === false && b.error && typeof b.error.code === 'string' && typeof b.error.message === 'string') {
    throw new ContractError(toErrorCode(b.error.code), b.error.message);
  }
  throw new ContractError('bad_response', `The host replied ${res.status} in an unexpected form.`);
}

const unreachable = () =>
  new ContractError('unreachable', 'Strata is not reachable. Check that `strata serve` is still running.');

export function createHttpTransport(opts: HttpTransportOptions): Transport {
  const base = (opts.baseUrl ?? '').replace(/\/$/, '');
  const doFetch = opts.fetch ?? ((...a: Parameters<typeof fetch>) => globalThis.fetch(...a));
  const ES = opts.EventSource ?? globalThis.EventSource;
  const token = encodeURIComponent(opts.token);
  const auth = { Authorization: `Bearer ${opts.token}` };

  const listeners = new Set<(event: { name: string; payload: unknown }) => void>();
  let source: EventSource | null = null;

  function openSource() {
    if (source || !ES) return;
    const s = new ES(`${base}/api/events?token=${token}`);
    for (const name of EVENT_NAMES) {
      s.addEventListener(name, (e) => {
        let payload: unknown;
        try {
          payload = JSON.parse((e as MessageEvent<string>).data);
        } catch {
          return;
        }
        for (const l of [...listeners]) l({ name, payload });
      });
    }
    source = s;
  }

  async function upload(fileName: string, bytes: ArrayBuffer | Blob): Promise<Transfer> {
    let res: Response;
    try {
      res = await doFetch(`${base}/api/upload?name=${encodeURIComponent(fileName)}`, {
        method: 'POST',
        headers: { ...auth, 'Content-Type': 'application/octet-stream' },
        body: bytes,
      });
    } catch {
      throw unreachable();
    }
    const r = transferSchema.safeParse(await readReply(res));
    if (!r.success) throw new ContractError('bad_response', 'Unexpected reply to an upload.');
    return r.data;
  }

  const files: FilesApi = {
    upload,
    chooseImport(kind: ImportKind) {
      if (typeof document === 'undefined')
        return Promise.reject(new ContractError('unsupported', 'No file picker here.'));
      return new Promise((resolve, reject) => {
        const picker = document.createElement('input');
        picker.type = 'file';
        picker.accept = kind === 'settings' ? '.json,application/json' : '';
        picker.style.display = 'none';
        const done = () => picker.remove();
        picker.addEventListener('cancel', () => {
          done();
          resolve(null);
        });
        picker.addEventListener('change', () => {
          const file = picker.files?.[0];
          done();
          if (!file) return resolve(null);
          upload(file.name, file).then((t) => resolve({ transferId: t.transferId, fileName: t.fileName }), reject);
        });
        document.body.appendChild(picker);
        picker.click();
      });
    },
    async save(transferId: string) {
      if (!transferIdSchema.safeParse(transferId).success) {
        throw new ContractError('invalid_input', 'transfer id must be the 32-character id handed out by the app');
      }
      if (typeof document === 'undefined') throw new ContractError('unsupported', 'No downloads here.');
      const a = document.createElement('a');
      a.href = `${base}/api/download/${transferId}?token=${token}`;
      a.download = '';
      a.rel = 'noopener';
      document.body.appendChild(a);
      a.click();
      a.remove();
      return { saved: true };
    },
  };

  return {
    async invoke(name, input) {
      let res: Response;
      try {
        res = await doFetch(`${base}/api/op/${name}`, {
          method: 'POST',
          headers: { ...auth, 'Content-Type': 'application/json' },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw unreachable();
      }
      return readReply(res);
    },
    subscribe(cb) {
      listeners.add(cb);
      openSource();
      return () => {
        listeners.delete(cb);
        if (listeners.size === 0 && source) {
          source.close();
          source = null;
        }
      };
    },
    files,
  };
}

// ---- picking a transport in the renderer ----------------------------------------------------

const TOKEN_KEY = 'strata.hostToken';

/**
 * The host prints `http://127.0.0.1:PORT/?token=...`. Keep the token for this tab only and
 * take it out of the address bar so it does not land in history or screenshots.
 */
export function takeHostToken(win: Window = window): string | null {
  const url = new URL(win.location.href);
  const fromUrl = url.searchParams.get('token');
  if (fromUrl) {
    try {
      win.sessionStorage.setItem(TOKEN_KEY, fromUrl);
    } catch {
      // Storage can be disabled; the token still works for this page load.
    }
    url.searchParams.delete('token');
    win.history.replaceState(win.history.state, '', url.pathname + url.search + url.hash);
    return fromUrl;
  }
  try {
    return win.sessionStorage.getItem(TOKEN_KEY);
  } catch {
    return null;
  }
}

/** window.strata in Electron, the HTTP host otherwise; null when neither is available. */
export function createDefaultClient(win: Window = window): StrataClient | null {
  const bridge = (win as unknown as { strata?: StrataBridge }).strata;
  if (bridge && typeof bridge === 'object' && bridge.ops) return createClient(createElectronTransport(bridge));
  const token = takeHostToken(win);
  return token ? createClient(createHttpTransport({ token })) : null;
}
