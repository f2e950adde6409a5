import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  app,
  BrowserWindow,
  dialog,
  net,
  Notification,
  powerMonitor,
  protocol,
  session,
  type WebContents,
} from 'electron';
import { StrataApp } from '../app/strata-app';
import { toErrorPayload } from '../core/errors';
import { resolveRendererPath } from '../core/safe-path';
import { stderrLogger } from '../core/logger';
import { RENDERER_CSP } from '../contract/csp';
import { EVENT_NAMES } from '../contract/events';
import { createHandlers, type Handlers } from '../operations/handlers';
import { TransferRegistry } from '../operations/transfer-registry';
import { EVENT_CHANNEL, registerIpc } from './ipc';
import { applyCodeOverrides, resolveCodeOverrides } from './code-overrides';

/**
 * The desktop shell: one locked-down window showing the renderer from app://strata, the
 * services (database, scheduler, snapshots) in this process, and a clean, bounded quit.
 */
const SCHEME = 'app';
const HOST = 'strata';
const RENDERER_ORIGIN = `${SCHEME}://${HOST}`;
const QUIT_WAIT_MS = 20_000;

const appRoot = app.getAppPath();
const rendererDir = path.join(appRoot, 'dist-renderer');
const logger = stderrLogger(process.env.STRATA_LOG_LEVEL === 'debug' ? 'debug' : 'warn');

// better-sqlite3 built for Electron's ABI (scripts/electron-native.mjs); Node keeps its own build.
// A packaged app takes neither this nor any code path from the environment.
const electronBinding = path.join(appRoot, '.electron-native', 'better_sqlite3.node');
const codeOverrides = resolveCodeOverrides({
  isPackaged: app.isPackaged,
  env: process.env,
  devSqliteBinding: fs.existsSync(electronBinding) ? electronBinding : null,
});
applyCodeOverrides(process.env, codeOverrides);
if (codeOverrides.ignored.length) {
  logger.warn('the packaged app ignores these environment variables', { names: codeOverrides.ignored });
}

function dataDirFromArgs(argv: string[]): string | null {
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--data-dir' && argv[i + 1]) return path.resolve(argv[i + 1]!);
    if (a.startsWith('--data-dir=')) return path.resolve(a.slice('--data-dir='.length));
  }
  return process.env.STRATA_DATA_DIR ? path.resolve(process.env.STRATA_DATA_DIR) : null;
}

const overrideDir = dataDirFromArgs(process.argv);
// Another data folder is another instance: keep its browser profile (and the single-instance lock) apart.
if (overrideDir) app.setPath('userData', path.join(overrideDir, 'electron-profile'));
const dataDir = overrideDir ?? app.getPath('userData');

protocol.registerSchemesAsPrivileged([
  { scheme: SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } },
]);

let mainWindow: BrowserWindow | null = null;
let strata: StrataApp | null = null;
let handlers: Handlers | null = null;
let quitting: 'no' | 'closing' | 'done' = 'no';

function withSecurityHeaders(res: Response): Response {
  const headers = new Headers(res.headers);
  headers.set('Content-Security-Policy', RENDERER_CSP);
  headers.set('X-Content-Type-Options', 'nosniff');
  return new Response(res.body, { status: res.status, statusText: res.statusText, headers });
}

/** Serves dist-renderer/ on app://strata/, never a file outside it. */
function serveRenderer(request: Request): Promise<Response> | Response {
  const url = new URL(request.url);
  if (url.host !== HOST) return new Response('Not found', { status: 404 });
  const resolved = resolveRendererPath(rendererDir, url.pathname);
  if (!resolved.ok)
    return new Response(resolved.status === 400 ? 'Bad request' : 'Not found', { status: resolved.status });
  let { file } = resolved;
  const { rel } = resolved;
  if (file === rendererDir || (!fs.existsSync(file) && path.extname(rel) === ''))
    file = path.join(rendererDir, 'index.html');
  return net.fetch(pathToFileURL(file).toString()).then(withSecurityHeaders);
}

function lockDown(contents: WebContents) {
  contents.on('will-navigate', (event, url) => {
    if (!url.startsWith(RENDERER_ORIGIN + '/')) event.preventDefault();
  });
  contents.on('will-redirect', (event, url) => {
    if (!url.startsWith(RENDERER_ORIGIN + '/')) event.preventDefault();
  });
  contents.on('will-attach-webview', (event) => event.preventDefault());
  contents.setWindowOpenHandler(({ url }) => {
    // Strata has no external links; nothing opens, inside Strata or out.
    logger.warn('blocked a window.open', { url: url.slice(0, 200) });
    return { action: 'deny' };
  });
}

function createWindow(): BrowserWindow {
  const win = new BrowserWindow({
    width: 1200,
    height: 800,
    minWidth: 720,
    minHeight: 480,
    title: 'Strata',
    show: false,
    backgroundColor: '#101418',
    autoHideMenuBar: true,
    webPreferences: {
      preload: path.join(__dirname, 'preload.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: !app.isPackaged,
    },
  });
  win.once('ready-to-show', () => win.show());
  win.on('closed', () => {
    if (mainWindow === win) mainWindow = null;
  });
  void win.loadURL(`${RENDERER_ORIGIN}/index.html`);
  return win;
}

function focusWindow() {
  if (!mainWindow) {
    if (app.isReady() && strata) mainWindow = createWindow();
    return;
  }
  if (mainWindow.isMinimized()) mainWindow.restore();
  mainWindow.show();
  mainWindow.focus();
}

function forwardEvents(s: StrataApp, h: Handlers) {
  for (const name of EVENT_NAMES) {
    s.events.on(name, (payload: unknown) => {
      const ev = h.toEvent(name, payload);
      if (!ev) return;
      if (mainWindow && !mainWindow.isDestroyed()) mainWindow.webContents.send(EVENT_CHANNEL, ev);
      if (ev.name === 'alert' && Notification.isSupported()) {
        new Notification({ title: ev.payload.title, body: ev.payload.message, urgency: 'normal' }).show();
      }
    });
  }
}

async function start() {
  session.defaultSession.setPermissionRequestHandler((_wc, _permission, callback) => callback(false));
  session.defaultSession.setPermissionCheckHandler(() => false);
  session.defaultSession.webRequest.onHeadersReceived((details, callback) => {
    callback({ responseHeaders: { ...details.responseHeaders, 'Content-Security-Policy': [RENDERER_CSP] } });
  });
  protocol.handle(SCHEME, serveRenderer);
  app.on('web-contents-created', (_e, contents) => lockDown(contents));

  try {
    strata = await StrataApp.open({ dataDir, owner: 'app', startBackgroundJobs: true, logger });
  } catch (e) {
    const err = toErrorPayload(e);
    dialog.showErrorBox('Strata cannot start', `${err.message}\n\nData folder: ${dataDir}`);
    quitting = 'done';
    app.quit();
    return;
  }
  handlers = createHandlers(strata, { transfers: TransferRegistry.open(strata.paths.transfers) });
  registerIpc({ handlers, window: () => mainWindow, rendererOrigin: RENDERER_ORIGIN });
  forwardEvents(strata, handlers);

  powerMonitor.on('suspend', () => strata?.suspend());
  powerMonitor.on('resume', () => strata?.resume());

  mainWindow = createWindow();
}

if (!app.requestSingleInstanceLock()) {
  quitting = 'done';
  app.quit();
} else {
  app.on('second-instance', focusWindow);
  app.on('activate', focusWindow);
  app.on('window-all-closed', () => {
    if (process.platform !== 'darwin') app.quit();
  });

  // Quit waits (bounded) for running work, checkpoints and closes the database.
  app.on('before-quit', (event) => {
    if (quitting === 'done') return;
    event.preventDefault();
    if (quitting === 'closing') return;
    quitting = 'closing';
    const timeout = new Promise<void>((resolve) => setTimeout(resolve, QUIT_WAIT_MS));
    const close = (async () => {
      handlers?.transfers.clear();
      await strata?.close();
    })().catch((e: unknown) => logger.error('clean shutdown failed', { error: toErrorPayload(e) }));
    void Promise.race([close, timeout]).finally(() => {
      quitting = 'done';
      app.quit();
    });
  });

  app.whenReady().then(start, (e: unknown) => {
    logger.error('startup failed', { error: toErrorPayload(e) });
    app.exit(1);
  });
}
