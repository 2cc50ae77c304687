import { describe, expect, it } from 'vitest';
import { durablePostgresSchema } from '../../../config/schema/durable.js';
import { PostgresDurableStore } from '../../../gateway/durable/postgres-store.js';
import { startTestPostgres, type TestPostgres } from '../../support/postgres.js';
import { durableConformance } from './conformance.js';

/** The conformance suite on a real PostgreSQL 15 the test starts itself, with password authentication. */
let pg: TestPostgres;
let url: string;
const env = { PORTCULLIS_TEST_PG_PASSWORD: '' };
const settings = () => durablePostgresSchema.parse({ url, user: pg.user, password: 'env://PORTCULLIS_TEST_PG_PASSWORD', table: 'vault.records' });

describe('PostgreSQL durable store', () => {
  durableConformance(async () => {
    pg = await startTestPostgres();
    env.PORTCULLIS_TEST_PG_PASSWORD = pg.password;
    url = await pg.createDatabase('durable_conformance');
    const { default: pgDriver } = await import('pg');
    const admin = new pgDriver.Client({ host: '127.0.0.1', port: pg.port, database: 'durable_conformance', user: pg.user, password: pg.password });
    await admin.connect();
    await admin.query('CREATE SCHEMA vault');
    await admin.end();
    return { name: 'postgres', open: () => PostgresDurableStore.open(settings(), { configDir: process.cwd(), env }), survivesReopen: true, stop: () => pg.stop() };
  });

  it('refuses a wrong password at start with a 503 that names the server, never the password', async () => {
    const wrong = { PORTCULLIS_TEST_PG_PASSWORD: 'not-the-password-xyz' };
    const err = (await PostgresDurableStore.open(settings(), { configDir: process.cwd(), env: wrong }).catch((e: unknown) => e)) as Error & { code: string };
    expect(err).toMatchObject({ code: 'GW_STORE_UNAVAILABLE', statusCode: 503 });
    expect(err.message).toContain(`127.0.0.1:${pg.port}/durable_conformance`);
    expect(err.message).not.toContain('not-the-password-xyz');
  });

  it('turns a server that went away into a 503 on the next call', async () => {
    const other = await startTestPostgres();
    const store = await PostgresDurableStore.open(durablePostgresSchema.parse({ url: other.url, user: other.user, password: `plain://${other.password}`, connectTimeoutMs: 1000 }), {
      configDir: process.cwd(),
      env: {},
    });
    try {
      expect(await store.put('k', 'v', 'absent')).toBe(1);
      // a fast shutdown ends the backends too (after a SIGKILL of the postmaster they linger a while)
      await other.stop();
      await expect(store.ping()).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE' });
      await expect(store.get('k')).rejects.toMatchObject({ code: 'GW_STORE_UNAVAILABLE' });
    } finally {
      await store.close().catch(() => undefined);
      await other.stop().catch(() => undefined);
    }
  });
});
