import { spawn, type ChildProcess } from 'node:child_process';
import net from 'node:net';
import path from 'node:path';
import { ROOT } from './templates.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface Proc {
  child: ChildProcess;
  output: () => string;
  stop(): Promise<void>;
}

function track(child: ChildProcess): Proc {
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  return {
    child,
    output: () => out,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 10_000).unref();
      }),
  };
}

/**
 * A real server process (`tsx server/src/main.ts`), resolved once /api/health answers. On a free port, or on
 * `env.PORT` when given (to restart a server where its clients expect it).
 */
export async function startServerProcess(env: Record<string, string>): Promise<Proc & { url: string }> {
  const port = env.PORT ? Number(env.PORT) : await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(ROOT, 'server/src/main.ts')], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child);
  const url = `http://127.0.0.1:${port}`;
  const end = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited: ${proc.output()}`);
    const ok = await fetch(`${url}/api/health`).then((r) => r.ok, () => false);
    if (ok) return { ...proc, url };
    if (Date.now() > end) throw new Error(`server did not start: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** A throwaway redis-server (Debian package) on a free port (or `port`, to restart one), without persistence. */
export async function startRedis(port?: number): Promise<Proc & { url: string }> {
  port ??= await freePort();
  const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const proc = track(child);
  const end = Date.now() + 10_000;
  while (!proc.output().includes('Ready to accept connections')) {
    if (child.exitCode !== null || Date.now() > end) throw new Error(`redis-server did not start: ${proc.output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { ...proc, url: `redis://127.0.0.1:${port}` };
}
