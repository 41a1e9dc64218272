import { loadConfig } from '../config.js';
import { openDb } from './db.js';
import { migrate } from './migrate.js';
import { loadSample } from '../sample/sample.loader.js';

/** `npm run db:migrate [-- --sample] [-- --demo]`: applies migrations; optionally loads the sample district. */
const config = loadConfig();
const args = process.argv.slice(2);
const db = await openDb({ databaseUrl: config.databaseUrl, dataDir: config.dataDir });
try {
  const applied = await migrate(db);
  console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'Database is up to date.');
  if (args.includes('--sample') || args.includes('--demo')) {
    const demoPassword = args.includes('--demo') ? config.demoPassword : undefined;
    const { loaded } = await loadSample(db, { sampleDir: config.sampleDir, demoPassword });
    console.log(loaded ? 'Sample district loaded.' : 'Sample district already loaded.');
  }
} catch (err) {
  console.error(`Migration failed: ${(err as Error).message}`);
  process.exitCode = 1;
} finally {
  await db.close();
}
