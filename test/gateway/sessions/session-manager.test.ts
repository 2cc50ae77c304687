import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import { MemoryStore } from '../../../gateway/sessions/memory-store.js';
import { SessionManager } from '../../../gateway/sessions/session-manager.js';
import { storeKeyOf } from '../../../gateway/sessions/session-id.js';
import type { AuthenticatedUser } from '../../../gateway/authenticators/types.js';

const alice: AuthenticatedUser = { loginId: 'alice', roles: ['user'], groups: [], attributes: {}, level: 'auth.weak', amr: ['pwd'], authenticator: 'local' };

async function harness(settings = { idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 600 }) {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore({ maxEntries: 100, now: () => clock.now });
  const sessions = new SessionManager(store, { cookieName: 'sid', secureCookies: false, ...settings }, () => clock.now);
  const app = Fastify();
  await app.register(cookie);
  app.post('/login', async (request, reply) => {
    await sessions.create(request, reply, alice);
    return 'ok';
  });
  app.get('/me', async (request) => ({ user: (await sessions.load(request))?.record.user.loginId ?? null }));
  app.get('/logout', async (request, reply) => ((await sessions.destroy(request, reply)) ? 'ended' : 'none'));
  const login = async (cookieHeader?: string) => {
    const res = await app.inject({ method: 'POST', url: '/login', headers: cookieHeader ? { cookie: cookieHeader } : {} });
    return /sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1]!;
  };
  const me = async (id: string) => (await app.inject({ url: '/me', headers: { cookie: `sid=${id}` } })).json().user;
  return { app, store, sessions, clock, login, me };
}

describe('session manager', () => {
  it('creates a session with a 256-bit id and finds it again', async () => {
    const h = await harness();
    const id = await h.login();
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await h.me(id)).toBe('alice');
  });

  it('stores a digest of the id, never the id itself', async () => {
    const h = await harness();
    const id = await h.login();
    expect(await h.store.get(`session:${id}`)).toBeUndefined();
    expect(await h.store.get(storeKeyOf(id))).toBeDefined();
  });

  it('rotates the id at login and kills the one the browser carried', async () => {
    const h = await harness();
    const before = await h.login();
    const after = await h.login(`sid=${before}`);
    expect(after).not.toBe(before);
    expect(await h.me(before)).toBeNull();
    expect(await h.me(after)).toBe('alice');
  });

  it('ends a session after the idle timeout, and keeps it alive while used', async () => {
    const h = await harness();
    const id = await h.login();
    for (let i = 0; i < 5; i++) {
      h.clock.now += 40_000; // under the 60 s idle timeout each time
      expect(await h.me(id)).toBe('alice');
    }
    h.clock.now += 61_000;
    expect(await h.me(id)).toBeNull();
  });

  it('ends a session at the absolute timeout however busy it is', async () => {
    const h = await harness({ idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 100 });
    const id = await h.login();
    h.clock.now += 50_000;
    expect(await h.me(id)).toBe('alice');
    h.clock.now += 50_000;
    expect(await h.me(id)).toBeNull();
  });

  it('ignores malformed cookies without touching the store', async () => {
    const h = await harness();
    for (const bad of ['short', 'x'.repeat(500), '../../etc/passwd', '']) expect(await h.me(bad)).toBeNull();
  });

  it('destroys at logout and ends every session of a user for single logout', async () => {
    const h = await harness();
    const one = await h.login();
    const two = await h.login();
    const res = await h.app.inject({ url: '/logout', headers: { cookie: `sid=${one}` } });
    expect(res.body).toBe('ended');
    expect(await h.me(one)).toBeNull();
    expect(await h.me(two)).toBe('alice');
    expect(await h.sessions.endSessionsOf('alice', 'corporate-idp')).toBe(0);
    expect(await h.me(two)).toBe('alice');
    expect(await h.sessions.endSessionsOf('alice', 'local')).toBe(1);
    expect(await h.me(two)).toBeNull();
  });
});
