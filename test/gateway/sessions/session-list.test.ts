import { describe, expect, it } from 'vitest';
import Fastify from 'fastify';
import cookie from '@fastify/cookie';
import { MemoryStore } from '../../../gateway/sessions/memory-store.js';
import { SessionManager } from '../../../gateway/sessions/session-manager.js';
import { sidClaimOf } from '../../../gateway/sessions/session-id.js';
import type { AuthenticatedUser } from '../../../gateway/authenticators/types.js';

const user = (loginId: string, authenticator = 'local'): AuthenticatedUser => ({ loginId, roles: [], groups: [], attributes: {}, level: 'auth.weak', amr: ['pwd'], authenticator });

async function harness() {
  const clock = { now: 1_000_000 };
  const store = new MemoryStore({ maxEntries: 100, now: () => clock.now });
  const sessions = new SessionManager(store, { cookieName: 'sid', secureCookies: false, idleTimeoutSeconds: 60, absoluteTimeoutSeconds: 600, clientAddress: () => '192.0.2.7' }, () => clock.now);
  const app = Fastify();
  await app.register(cookie);
  let next: AuthenticatedUser = user('alice');
  app.post('/login', async (request, reply) => (await sessions.create(request, reply, next)).sid);
  const login = async (as: AuthenticatedUser, agent = 'curl/8.5.0') => {
    next = as;
    const res = await app.inject({ method: 'POST', url: '/login', headers: { 'user-agent': agent } });
    return { sid: res.body, id: /sid=([^;]+)/.exec(String(res.headers['set-cookie']))![1]! };
  };
  return { sessions, clock, login };
}

describe('a user’s list of sessions', () => {
  it('keeps the sid, the decided client address and a bounded user agent with each new session', async () => {
    const h = await harness();
    const { sid, id } = await h.login(user('alice'), 'x'.repeat(1000));
    const [listed] = await h.sessions.listOf(user('alice'));
    expect(listed!.sid).toBe(sid);
    expect(sid).toBe(sidClaimOf(id));
    expect(listed!.record.origin).toEqual({ address: '192.0.2.7', userAgent: 'x'.repeat(256) });
  });

  it('lists only live sessions of the same login and authenticator, oldest first', async () => {
    const h = await harness();
    const first = await h.login(user('alice'));
    h.clock.now += 1000;
    const second = await h.login(user('alice'));
    await h.login(user('alice', 'corporate-idp'));
    await h.login(user('bob'));
    expect((await h.sessions.listOf(user('alice'))).map((s) => s.sid)).toEqual([first.sid, second.sid]);
    h.clock.now += 61_000; // both idle past their timeout
    expect(await h.sessions.listOf(user('alice'))).toEqual([]);
  });

  it('ends one session of the user by its sid, and nobody else’s', async () => {
    const h = await harness();
    const mine = await h.login(user('alice'));
    const other = await h.login(user('alice'));
    const bobs = await h.login(user('bob'));
    const idps = await h.login(user('alice', 'corporate-idp'));
    expect(await h.sessions.endOneOf(user('alice'), bobs.sid)).toBeUndefined();
    expect(await h.sessions.endOneOf(user('alice'), idps.sid)).toBeUndefined();
    expect(await h.sessions.endOneOf(user('alice'), 'A'.repeat(43))).toBeUndefined();
    expect((await h.sessions.endOneOf(user('alice'), other.sid))?.sid).toBe(other.sid);
    expect(await h.sessions.endOneOf(user('alice'), other.sid)).toBeUndefined();
    expect((await h.sessions.listOf(user('alice'))).map((s) => s.sid)).toEqual([mine.sid]);
    expect((await h.sessions.listOf(user('bob'))).map((s) => s.sid)).toEqual([bobs.sid]);
  });
});
