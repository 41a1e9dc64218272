// The generated JWT secret when several real processes start together on one DATA_DIR (as a cluster's first
// start does): every process reads the same whole secret.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../helpers/templates.js';

/** One process reading the secret at `at` (ms since the epoch): started together, they race for the file. */
const read = (dataDir: string, at: number) =>
  new Promise<string>((resolve, reject) => {
    const script = `import { loadOrCreateSecret } from './server/src/auth/secret.ts';
      while (Date.now() < ${at});
      process.stdout.write(loadOrCreateSecret(${JSON.stringify(dataDir)}));`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: ROOT });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(out) : reject(new Error(`exit ${code}`))));
  });

describe('loadOrCreateSecret', () => {
  it('gives processes starting together on one data directory the same whole secret', { timeout: 60_000 }, async () => {
    const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'jinshui-secret-'));
    try {
      // The old create-then-write left a window of microseconds: this finds it only now and then, but checks the
      // promise every time (one whole secret, 0600, no file of a process left behind).
      const at = Date.now() + 5000;
      const secrets = await Promise.all(Array.from({ length: 6 }, () => read(dataDir, at)));
      expect(secrets[0]).toMatch(/^[A-Za-z0-9_-]{64}$/);
      expect(new Set(secrets).size).toBe(1);
      expect(fs.readdirSync(dataDir)).toEqual(['jwt-secret']);
      expect(fs.statSync(path.join(dataDir, 'jwt-secret')).mode & 0o777).toBe(0o600);
    } finally {
      fs.rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
