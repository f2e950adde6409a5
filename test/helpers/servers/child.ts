import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';
import net from 'node:net';

/** A server process started by a test, and how to wait for it to end. */
export interface RunningChild {
  child: ChildProcess;
  /** Everything it printed so far (stdout and stderr), for error messages. */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts a server process and resolves once `ready` matches what it printed (or, with no
 * pattern, at once). Fails with its output when it exits first or `deadlineMs` passes.
 */
export function startChild(
  cmd: string,
  args: string[],
  options: SpawnOptions,
  ready: RegExp | null,
  deadlineMs = 30_000,
): Promise<{ running: RunningChild; match: RegExpMatchArray | null }> {
  const child = spawn(cmd, args, { ...options, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running: RunningChild = {
    child,
    output: () => out,
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
    },
  };
  return new Promise((resolve, reject) => {
    let done = false;
    const finish = (err: Error | null, match: RegExpMatchArray | null) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      if (err) {
        void running.stop().then(() => reject(err));
      } else resolve({ running, match });
    };
    const timer = setTimeout(
      () => finish(new Error(`${cmd} did not become ready in ${deadlineMs} ms:\n${out}`), null),
      deadlineMs,
    );
    const onData = (chunk: Buffer) => {
      out += chunk.toString('utf8');
      if (ready) {
        const m = out.match(ready);
        if (m) finish(null, m);
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('error', (e) => finish(e, null));
    child.once('exit', (code, signal) =>
      finish(new Error(`${cmd} exited (${code ?? signal}) before it was ready:\n${out}`), null),
    );
    if (!ready) finish(null, null);
  });
}

/** A port that was free a moment ago (for servers that cannot listen on port 0). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as net.AddressInfo).port;
      srv.close(() => resolve(port));
    });
  });
}

/** Polls until a TCP connection to the port succeeds. */
export async function waitForPort(port: number, deadlineMs = 30_000): Promise<void> {
  const until = Date.now() + deadlineMs;
  for (;;) {
    const ok = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (ok) return;
    if (Date.now() > until) throw new Error(`nothing listens on 127.0.0.1:${port} after ${deadlineMs} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
