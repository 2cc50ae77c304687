import { describe, expect, it } from 'vitest';
import { attachTokenFilter } from '@portcullis/filters/builtin/attach-token.js';
import type { FilterCaller, FilterContext } from '@portcullis/filters/types.js';
import type { BuiltinFilterDeps } from '@portcullis/filters/builtin/deps.js';

const caller: FilterCaller = {
  subject: { loginId: 'alice', roles: ['user'], groups: [], level: 'auth.weak', attributes: {}, amr: ['pwd'], authenticator: 'local' },
  sid: 'digest-1',
  cacheKey: 'session-1',
};

function ctx(withCaller: FilterCaller | undefined): FilterContext {
  return {
    request: {} as never,
    route: { name: 'app', prefix: '/app', audience: 'app-engine', requireSession: true, policy: {} as never },
    subject: withCaller?.subject,
    caller: withCaller,
    clientAddress: '127.0.0.1',
    upstreamHeaders: {},
    removeHeaders: new Set(),
    state: new Map(),
  };
}

function deps(seen: FilterCaller[]): BuiltinFilterDeps {
  return {
    tokenFor: (c) => {
      if (c.caller) seen.push(c.caller);
      return Promise.resolve(`token-for-${c.caller?.cacheKey}-${c.route.audience}`);
    },
    tokenHeader: 'authorization',
    tokenScheme: 'Bearer',
    identityHeaders: [],
    forwardedProto: () => 'http',
  };
}

describe('attach-token', () => {
  it('mints from the caller the filter context carries, with its session binding', async () => {
    const seen: FilterCaller[] = [];
    const c = ctx(caller);
    await attachTokenFilter(deps(seen)).run(c);
    expect(seen).toEqual([caller]);
    expect(c.upstreamHeaders.authorization).toBe('Bearer token-for-session-1-app-engine');
  });

  it('attaches nothing and asks for no token when the request has no caller', async () => {
    const seen: FilterCaller[] = [];
    const c = ctx(undefined);
    await attachTokenFilter(deps(seen)).run(c);
    expect(seen).toEqual([]);
    expect(c.upstreamHeaders).toEqual({});
  });
});
