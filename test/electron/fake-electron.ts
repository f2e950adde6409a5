import fs from 'node:fs';
import path from 'node:path';
import Module from 'node:module';

/**
 * A recording stand-in for the 'electron' module, so the built main bundle (dist/electron/main.cjs)
 * can be loaded and driven in plain Node on machines without the Electron binary.
 */
export type Listener = (...args: any[]) => any; // eslint-disable-line @typescript-eslint/no-explicit-any

export async function waitFor(check: () => boolean, timeoutMs = 20_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 25));
  }
}

function recorder() {
  const on: Record<string, Listener[]> = {};
  return {
    on,
    add(name: string, fn: Listener) {
      (on[name] ??= []).push(fn);
    },
  };
}

export function fakeElectron(appRoot: string, opts: { isPackaged?: boolean } = {}) {
  const appEvents = recorder();
  const ipc = new Map<string, Listener>();
  const windows: FakeWindow[] = [];
  const protocols = new Map<string, Listener>();
  const state = {
    permissionRequest: null as Listener | null,
    permissionCheck: null as Listener | null,
    privileged: [] as unknown[],
    quitCalls: 0,
    errorBoxes: [] as string[],
    userData: path.join(appRoot, 'default-user-data'),
    powerMonitor: recorder(),
  };

  class FakeWebContents {
    events = recorder();
    openHandler: Listener | null = null;
    sent: unknown[] = [];
    mainFrame = { url: 'app://strata/index.html' };
    on(name: string, fn: Listener) {
      this.events.add(name, fn);
      return this;
    }
    setWindowOpenHandler(fn: Listener) {
      this.openHandler = fn;
    }
    send(channel: string, msg: unknown) {
      this.sent.push({ channel, msg });
    }
  }
  class FakeWindow {
    webContents = new FakeWebContents();
    loaded: string | null = null;
    constructor(readonly options: { webPreferences: Record<string, unknown> } & Record<string, unknown>) {
      windows.push(this);
      for (const fn of appEvents.on['web-contents-created'] ?? []) fn({}, this.webContents);
    }
    once() {}
    on() {}
    loadURL(url: string) {
      this.loaded = url;
      return Promise.resolve();
    }
    isDestroyed() {
      return false;
    }
    isMinimized() {
      return false;
    }
    show() {}
    focus() {}
    restore() {}
  }

  const electron = {
    app: {
      getAppPath: () => appRoot,
      getPath: (name: string) => (name === 'userData' ? state.userData : path.join(appRoot, name)),
      setPath: (name: string, p: string) => {
        if (name === 'userData') state.userData = p;
      },
      requestSingleInstanceLock: () => true,
      on: (name: string, fn: Listener) => appEvents.add(name, fn),
      whenReady: () => Promise.resolve(),
      isReady: () => true,
      isPackaged: opts.isPackaged ?? false,
      quit: () => {
        state.quitCalls++;
      },
      exit: () => {},
    },
    BrowserWindow: FakeWindow,
    ipcMain: {
      handle: (channel: string, fn: Listener) => ipc.set(channel, fn),
      removeHandler: (channel: string) => ipc.delete(channel),
    },
    protocol: {
      registerSchemesAsPrivileged: (s: unknown[]) => state.privileged.push(...s),
      handle: (scheme: string, fn: Listener) => protocols.set(scheme, fn),
    },
    net: {
      fetch: async (url: string) => {
        const file = new URL(url);
        try {
          return new Response(fs.readFileSync(file), { status: 200 });
        } catch {
          return new Response('missing', { status: 404 });
        }
      },
    },
    session: {
      defaultSession: {
        setPermissionRequestHandler: (fn: Listener) => (state.permissionRequest = fn),
        setPermissionCheckHandler: (fn: Listener) => (state.permissionCheck = fn),
        webRequest: { onHeadersReceived: () => {} },
      },
    },
    dialog: {
      showErrorBox: (title: string, message: string) => state.errorBoxes.push(`${title}: ${message}`),
      showOpenDialog: async () => ({ canceled: true, filePaths: [] }),
    },
    Notification: Object.assign(
      class {
        show() {}
      },
      { isSupported: () => false },
    ),
    powerMonitor: { on: (name: string, fn: Listener) => state.powerMonitor.add(name, fn) },
    shell: { openExternal: async () => {} },
  };
  return { electron, appEvents, ipc, windows, protocols, state };
}

export type FakeElectron = ReturnType<typeof fakeElectron>;

/** Loads the main bundle with `electron` resolved to the stand-in; returns the undo. */
export function loadMainWith(mainBundle: string, fake: FakeElectron): () => void {
  const loader = Module as unknown as { _load: Listener };
  const originalLoad = loader._load;
  loader._load = function (request: string, ...rest: unknown[]) {
    if (request === 'electron') return fake.electron;
    return originalLoad.call(this, request, ...rest);
  };
  const load = Module.createRequire(__filename);
  delete load.cache[mainBundle];
  load(mainBundle);
  return () => {
    loader._load = originalLoad;
  };
}

/** Runs the app's before-quit handlers as Electron would and waits until the data folder is released. */
export async function quitAndWait(fake: FakeElectron, dataDir: string): Promise<void> {
  for (const fn of fake.appEvents.on['before-quit'] ?? []) fn({ preventDefault() {} });
  await waitFor(() => !fs.existsSync(path.join(dataDir, 'strata.lock')));
}
