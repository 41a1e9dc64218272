import pg from 'pg';
import { TYPE_OIDS, toIsoTimestamp, toNumber, type Db, type Queryable, type Transaction } from './db.js';

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
      // The pool listens for errors of idle clients only: a connection that dies while checked out (PostgreSQL
      // stopped between two statements) emits 'error' here, which would otherwise crash the process. The
      // statement in flight rejects by itself; the broken client is destroyed on release.
      let broken: Error | undefined;
      const onError = (err: Error) => (broken = err);
      client.on('error', onError);
      let committed = false;
      let released = false;
      const release = () => {
        released = true;
        client.off('error', onError);
        client.release(broken);
      };
      const tx: Transaction = {
        ...wrap(client),
        async queryAndCommit(sql, params = []) {
          committed = true;
          // pg sends a queued query as soon as the previous one completes, from its own socket handler, so the
          // COMMIT follows without waiting for this process's event loop. After a failed statement Postgres
          // answers the COMMIT with a rollback; the statement's error is what rejects.
          const statement = client.query({ text: sql, values: params as unknown[], types });
          const commit = client.query('COMMIT');
          const [result] = await Promise.all([statement, commit]);
          // Committed: the connection goes back to the pool now, so whatever fn still awaits (its event's seq)
          // does not hold one.
          release();
          return result.rows;
        },
      };
      try {
        // BEGIN is pipelined: pg queues the transaction's first statement right behind it on this connection, so a
        // write saves a round trip. BEGIN cannot fail on a working connection; if the connection is broken, the
        // statements behind it fail too, and this await rethrows.
        const begin = client.query('BEGIN');
        begin.catch(() => {});
        const result = await fn(tx);
        await begin;
        if (!committed) await client.query('COMMIT');
        return result;
      } catch (err) {
        if (!released) await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        if (!released) release();
      }
    },
    close: () => pool.end(),
  };
}
