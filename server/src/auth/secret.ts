import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

/**
 * The JWT signing secret when none is configured: generated once and kept in DATA_DIR (mode 0600), so tokens
 * survive restarts. Written whole to a file of this process, then linked into place (link fails if the secret
 * exists), so two processes starting together end up with the same secret and neither reads a half-written one.
 */
export function loadOrCreateSecret(dataDir: string): string {
  const file = path.join(dataDir, 'jwt-secret');
  fs.mkdirSync(dataDir, { recursive: true });
  if (!fs.existsSync(file)) {
    const mine = `${file}.${process.pid}.tmp`;
    fs.writeFileSync(mine, crypto.randomBytes(48).toString('base64url'), { mode: 0o600 });
    try {
      fs.linkSync(mine, file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    } finally {
      fs.rmSync(mine, { force: true });
    }
  }
  return fs.readFileSync(file, 'utf8').trim();
}
