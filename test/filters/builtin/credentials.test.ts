import { describe, expect, it } from 'vitest';
import { credentialHeaderNames, credentialsFilter } from '../../../filters/builtin/credentials.js';
import type { BuiltinFilterDeps } from '../../../filters/builtin/deps.js';
import type { FilterContext, FilterSubject } from '../../../filters/types.js';
import { portcullisConfigSchema } from '../../../config/schema/index.js';
import '../../../filters/builtin/declarations.js';

const subject: FilterSubject = { loginId: 'alice', roles: [], groups: [], level: 'auth.weak', attributes: {}, amr: ['pwd'], authenticator: 'local' };
const ctx = (over: Partial<FilterContext> = {}): FilterContext => ({
  request: { id: 'r1' } as never,
  route: { name: 'gh', prefix: '/gh/', audience: 'github', requireSession: true, policy: {} as never },
  subject,
  clientAddress: '127.0.0.1',
  upstreamHeaders: {},
  removeHeaders: new Set(),
  state: new Map(),
  ...over,
});
const stored: Record<string, Record<string, string>> = { alice: { github_token: 'ghp_alice', bad: 'line\r\nX-Injected: 1' } };
const deps = (): BuiltinFilterDeps & { asked: Array<{ user: string; keys: readonly string[] }> } => {
  const asked: Array<{ user: string; keys: readonly string[] }> = [];
  return {
    asked,
    tokenFor: () => '',
    tokenHeader: 'authorization',
    tokenScheme: 'Bearer',
    identityHeaders: [],
    forwardedProto: () => 'https',
    async credentials(c, keys) {
      asked.push({ user: c.subject!.loginId, keys });
      return new Map(keys.map((k) => [k, stored[c.subject!.loginId]?.[k]]));
    },
  };
};

describe('credentials filter', () => {
  it("sets the headers from the caller's own credentials, reading each key once", async () => {
    const d = deps();
    const f = credentialsFilter({ headers: { Authorization: 'Bearer ${credentials.github_token}', 'X-Token': '${credentials.github_token}' } }, d);
    const c = ctx();
    expect(await f.run(c)).toBeUndefined();
    expect(c.upstreamHeaders).toEqual({ authorization: 'Bearer ghp_alice', 'x-token': 'ghp_alice' });
    expect([...c.removeHeaders]).toEqual(['authorization', 'x-token']);
    expect(d.asked).toEqual([{ user: 'alice', keys: ['github_token'] }]);
    expect(f.priority).toBeGreaterThan(900); // after attach-token: the credential wins a shared header
  });

  it('refuses with credential-missing naming the key, and sends nothing', async () => {
    const c = ctx();
    const outcome = await credentialsFilter({ headers: { 'X-Slack': '${credentials.slack}' } }, deps()).run(c);
    expect(outcome).toMatchObject({ refuse: { code: 'credential-missing', detail: { key: 'slack' }, message: expect.stringContaining("'slack'") } });
    expect(c.upstreamHeaders).toEqual({});
  });

  it('refuses a stored value that would break the header line, without echoing it', async () => {
    const c = ctx();
    const outcome = (await credentialsFilter({ headers: { 'X-Key': '${credentials.bad}' } }, deps()).run(c)) as { refuse: { message: string } };
    expect(outcome.refuse.message).toContain("'bad'");
    expect(outcome.refuse.message).not.toContain('Injected');
    expect(c.upstreamHeaders).toEqual({});
  });

  it('does nothing but strip the headers for a request without a caller', async () => {
    const c = ctx({ subject: undefined });
    expect(await credentialsFilter({ headers: { 'X-Key': '${credentials.github_token}' } }, deps()).run(c)).toBeUndefined();
    expect(c.upstreamHeaders).toEqual({});
    expect(c.removeHeaders.has('x-key')).toBe(true);
  });

  it.each([
    [{ headers: { 'X-Key': 'no placeholder' } }, /names no credential/],
    [{ headers: { 'X-Key': '${credentials.a} ${user.loginId}' } }, /placeholder other than/],
    [{ headers: { 'Bad Header': '${credentials.a}' } }, /not a header name/],
    [{ headers: {} }, /must/],
    [{ headers: { X: '${credentials.a}' }, extra: 1 }, /unknown option/],
  ])('refuses bad options %j at configuration time', (options, message) => {
    expect(() => credentialsFilter(options as Record<string, unknown>, deps())).toThrow(message);
    const result = portcullisConfigSchema.safeParse({
      authenticators: [{ type: 'file', name: 'local', usersFile: 'u.yaml' }],
      routes: [{ name: 'r', prefix: '/r/', upstream: 'http://127.0.0.1:9', filters: [{ use: 'credentials', options }] }],
    });
    expect(result.success).toBe(false);
  });

  it('tells the gateway which header names to strip on every route', () => {
    expect(credentialHeaderNames([{ use: 'credentials', options: { headers: { 'X-Api-Key': '${credentials.a}' } } }, { use: 'audit' }])).toEqual(['x-api-key']);
  });
});
