import type { AddressInfo } from 'node:net';
import { buildApp } from '../../server/src/app.js';
import type { Config } from '../../server/src/config.js';
import type { Db } from '../../server/src/db/db.js';
import { createTestDatabase, type Backend } from './db.js';
import { testConfig } from './templates.js';

export interface TestServer {
  url: string;
  db: Db;
  /** The server's DATA_DIR (uploads, secrets; the embedded database too). */
  dataDir: string;
  close(): Promise<void>;
}

/** The real server (buildApp) on a free loopback port, over a fresh copy of the sample database. */
export async function startTestServer({ backend = 'embedded' as Backend, config = {} as Partial<Config> } = {}): Promise<TestServer> {
  const database = await createTestDatabase(backend);
  const { app, db } = await buildApp(testConfig({ ...config, databaseUrl: database.databaseUrl, dataDir: database.dataDir }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    db,
    dataDir: database.dataDir,
    async close() {
      await app.close();
      await database.drop();
    },
  };
}
