import { describe, expect, it } from 'vitest';
import { rateLimitFilter } from '../../../filters/builtin/rate-limit.js';
import { auditFilter } from '../../../filters/builtin/audit.js';
import type { FilterContext } from '../../../filters/types.js';

function ctx(clientAddress: string, loginId?: string, logged: unknown[] = []): FilterContext {
  return {
    request: { method: 'GET', url: '/api/x?token=secret', log: { info: (o: unknown) => logged.push(o), warn: () => {}, debug: () => {} } } as never,
    route: { name: 'api', prefix: '/api/', audience: 'api', requireSession: true, policy: {} as never },
    subject: loginId ? { loginId, roles: [], groups: [], level: 'auth.weak', attributes: {}, amr: ['pwd'], authenticator: 'local' } : undefined,
    clientAddress,
    upstreamHeaders: {},
    removeHeaders: new Set(),
    state: new Map(),
  };
}

describe('rate-limit filter', () => {
  it('refuses the request over the limit with rate-limited and a retry time, per client address', async () => {
    let t = 1_000_000;
    const f = rateLimitFilter({ max: 2, windowSeconds: 10 }, {}, () => t);
    expect(await f.run(ctx('10.0.0.1'))).toBeUndefined();
    expect(await f.run(ctx('10.0.0.1'))).toBeUndefined();
    const refused = await f.run(ctx('10.0.0.1'));
    expect(refused).toMatchObject({ refuse: { code: 'rate-limited', detail: { retryAfterSeconds: 10, limit: 2 } } });
    expect(await f.run(ctx('10.0.0.2'))).toBeUndefined(); // another address has its own window
    t += 10_000;
    expect(await f.run(ctx('10.0.0.1'))).toBeUndefined(); // a new window
  });

  it('by user counts a user across addresses', async () => {
    const f = rateLimitFilter({ max: 1, by: 'user' });
    expect(await f.run(ctx('10.0.0.1', 'ann'))).toBeUndefined();
    expect(await f.run(ctx('10.0.0.2', 'ann'))).toMatchObject({ refuse: { code: 'rate-limited' } });
    expect(await f.run(ctx('10.0.0.2', 'ben'))).toBeUndefined();
  });

  it('uses the gateway counters when lent', async () => {
    const seen: string[] = [];
    const counts = new Map<string, number>();
    const f = rateLimitFilter({ max: 1 }, { counters: { incrementWindow: async (k) => (seen.push(k), { count: counts.set(k, (counts.get(k) ?? 0) + 1).get(k)!, resetInSeconds: 60 }) } });
    await f.run(ctx('10.0.0.9'));
    expect(await f.run(ctx('10.0.0.9'))).toMatchObject({ refuse: { code: 'rate-limited' } });
    expect(seen[0]).toBe('ratelimit:api:client:10.0.0.9');
  });

  it('keeps its in-process memory bounded', async () => {
    const f = rateLimitFilter({ max: 1, maxKeys: 2 });
    for (const a of ['1', '2', '3']) await f.run(ctx(`10.0.0.${a}`));
    // the oldest window was forgotten rather than the map growing
    expect(await f.run(ctx('10.0.0.1'))).toBeUndefined();
  });

  it('refuses bad options with the option path', () => {
    expect(() => rateLimitFilter({})).toThrow(expect.objectContaining({ code: 'FILTER_OPTIONS_INVALID', path: 'options.max' }));
    expect(() => rateLimitFilter({ max: 1, by: 'ip' })).toThrow(expect.objectContaining({ path: 'options.by' }));
    expect(() => rateLimitFilter({ max: 1, burst: 3 })).toThrow(expect.objectContaining({ path: 'options.burst' }));
  });
});

describe('audit filter', () => {
  it('logs who, what and from where, without the query string', () => {
    const logged: unknown[] = [];
    auditFilter({}).run(ctx('10.1.1.1', 'ann', logged));
    expect(logged).toEqual([{ audit: { route: 'api', method: 'GET', path: '/api/x', user: 'ann', authenticator: 'local', level: 'auth.weak', client: '10.1.1.1' } }]);
    expect(JSON.stringify(logged)).not.toContain('secret');
    expect(() => auditFilter({ level: 'loud' })).toThrow(expect.objectContaining({ path: 'options.level' }));
  });
});
