import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import { createIpAllowList, createIpAllowListHook } from '../../../engine-client/ip-allow-list/index.js';

describe('createIpAllowList', () => {
  it('switched on with no list allows only 127.0.0.1 and ::1', () => {
    const list = createIpAllowList();
    expect(list.decide('127.0.0.1').allowed).toBe(true);
    expect(list.decide('::1').allowed).toBe(true);
    expect(list.decide('::ffff:127.0.0.1').allowed).toBe(true);
    expect(list.decide('127.0.0.2').allowed).toBe(false);
    expect(list.decide('10.0.0.1').allowed).toBe(false);
    expect(createIpAllowList({ allow: [] }).entries).toEqual(['127.0.0.1', '::1']);
  });

  it('takes addresses and CIDR ranges and says why it refuses', () => {
    const list = createIpAllowList({ allow: ['192.0.2.10', '198.51.100.0/24', '2001:db8::/48'] });
    expect(list.decide('192.0.2.10').allowed).toBe(true);
    expect(list.decide('198.51.100.77').allowed).toBe(true);
    expect(list.decide('2001:db8:0:1::5').allowed).toBe(true);
    const refused = list.decide('192.0.2.11');
    expect(refused.allowed).toBe(false);
    expect(refused.reason.code).toBe('ip-denied');
    expect(refused.reason.detail).toMatchObject({ clientAddress: '192.0.2.11', why: 'the client address is not on the allow list' });
    expect(list.decide('unknown').reason.detail).toMatchObject({ why: 'the client address could not be decided' });
  });

  it('fails at start-up on a bad entry, naming its path', () => {
    expect(() => createIpAllowList({ allow: ['10.0.0.0/8', 'ten'] }, 'engine.rest.ipAllowList')).toThrow(
      expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'engine.rest.ipAllowList.allow[1]' }),
    );
  });
});

describe('createIpAllowListHook', () => {
  async function appWith(options: Parameters<typeof createIpAllowListHook>[0]) {
    const lines: Array<Record<string, unknown>> = [];
    const app = Fastify({
      logger: { level: 'warn', stream: { write: (l: string) => void lines.push(JSON.parse(l)) } },
    });
    app.addHook('onRequest', createIpAllowListHook(options));
    app.get('/api/ping', async () => ({ ok: true }));
    await app.ready();
    return { app, lines };
  }

  it('lets a listed address through', async () => {
    const { app } = await appWith({ allow: ['192.0.2.0/24'] });
    const res = await app.inject({ url: '/api/ping', remoteAddress: '192.0.2.5' });
    expect(res.statusCode).toBe(200);
    await app.close();
  });

  it('refuses with 403 and logs the decided address and why', async () => {
    const { app, lines } = await appWith({ allow: ['192.0.2.0/24'], clientAddress: { trustedProxies: ['10.0.0.0/8'] } });
    const res = await app.inject({ url: '/api/ping', remoteAddress: '10.0.0.2', headers: { 'x-forwarded-for': '192.0.2.5, 203.0.113.9' } });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'IP_DENIED' });
    const line = lines.find((l) => l.event === 'ip-denied');
    expect(line).toMatchObject({ clientAddress: '203.0.113.9', source: 'forwarded', peer: '10.0.0.2', why: 'the client address is not on the allow list' });
    await app.close();
  });

  it('does not let a direct client claim a listed address', async () => {
    const { app } = await appWith({ allow: ['192.0.2.0/24'] });
    const res = await app.inject({ url: '/api/ping', remoteAddress: '203.0.113.9', headers: { 'x-forwarded-for': '192.0.2.5' } });
    expect(res.statusCode).toBe(403);
    await app.close();
  });
});
