import { buildApp } from './app.js';
import { ConfigError, loadConfig } from './config.js';
import { MigrationError } from './db/migrate.js';

/** Reads the configuration, listens, and shuts down gracefully. Nothing else. */
async function main() {
  const config = loadConfig(process.env, process.argv.includes('--demo') ? { loadSample: true } : {});
  const { app, db } = await buildApp(config);
  const [demo] = await db.query<{ n: number }>('SELECT count(*) AS n FROM users WHERE demo');
  if (demo.n > 0) {
    app.log.warn(`⚠ ${demo.n} DEMO ACCOUNTS with the shared demo password exist in this database. Do not expose it to real users.`);
  }
  await app.listen({ port: config.port, host: config.host });

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info(`${signal}: shutting down`);
    const timer = setTimeout(() => process.exit(1), 10_000).unref();
    await app.close();
    clearTimeout(timer);
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
}

main().catch((err) => {
  if (err instanceof ConfigError || err instanceof MigrationError || err?.name === 'EmbeddedDbBusyError') {
    console.error(`Cannot start: ${err.message}`);
  } else {
    console.error('Cannot start:', err);
  }
  process.exit(1);
});
