import pg from 'pg';
import { TYPE_OIDS, toIsoTimestamp, toNumber, type Db, type Queryable } from './db.js';

const types = {
  getTypeParser(oid: number, format?: string) {
    if (oid === TYPE_OIDS.int8 || oid === TYPE_OIDS.numeric) return toNumber;
    if (oid === TYPE_OIDS.timestamptz || oid === TYPE_OIDS.timestamp) return toIsoTimestamp;
    return (pg.types.getTypeParser as (oid: number, format?: string) => (v: string) => unknown)(oid, format);
  },
};

function wrap(client: pg.Pool | pg.PoolClient): Queryable {
  return {
    async query(sql, params = []) {
      return (await client.query({ text: sql, values: params as unknown[], types })).rows;
    },
    async exec(sql) {
      await client.query(sql);
    },
  };
}

/** Real PostgreSQL + PostGIS through a pg.Pool. */
export async function openPostgres(url: string): Promise<Db> {
  const pool = new pg.Pool({ connectionString: url, max: 10, application_name: 'jinshui-situation-map' });
  // An idle client can lose its connection when the server restarts; without a listener that is an uncaught error.
  pool.on('error', () => {});
  await pool.query('SELECT 1');
  const base = wrap(pool);
  return {
    kind: 'postgres',
    ...base,
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(wrap(client));
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}
