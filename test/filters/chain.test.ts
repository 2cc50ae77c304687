import { describe, expect, it } from 'vitest';
import { buildChain, runPhase, ChainError } from '../../filters/chain.js';
import type { Filter, FilterContext, FilterPhase } from '../../filters/types.js';

const filter = (name: string, phase: FilterPhase, priority: number, run: Filter['run'] = () => undefined, conditions?: Filter['conditions']): Filter => ({
  name,
  phase,
  priority,
  why: 'test',
  run,
  conditions,
});

function context(method = 'GET', url = '/app/x'): FilterContext {
  return {
    request: { method, url } as FilterContext['request'],
    route: { name: 'app', prefix: '/app/', audience: 'app', requireSession: true, policy: {} as never },
    subject: undefined,
    clientAddress: '127.0.0.1',
    upstreamHeaders: {},
    removeHeaders: new Set(),
    state: new Map(),
  };
}

describe('filter chain', () => {
  it('orders by phase, then priority (lower first), then name', () => {
    const chain = buildChain([
      filter('zeta', 'before', 500),
      filter('audit', 'after', 100),
      filter('alpha', 'before', 500),
      filter('policy', 'access', 200),
      filter('session', 'access', 100),
      filter('early', 'before', 10),
    ]);
    expect(chain.ordered.map((f) => f.name)).toEqual(['session', 'policy', 'early', 'alpha', 'zeta', 'audit']);
    expect(chain.before.map((f) => f.name)).toEqual(['early', 'alpha', 'zeta']);
  });

  it('refuses two filters with one name', () => {
    expect(() => buildChain([filter('a', 'access', 1), filter('a', 'before', 2)])).toThrow(ChainError);
  });

  it('runs filters in order and stops at the first refusal, naming the filter', async () => {
    const ran: string[] = [];
    const chain = buildChain([
      filter('first', 'access', 1, () => void ran.push('first')),
      filter('refuser', 'access', 2, () => {
        ran.push('refuser');
        return { refuse: { code: 'forbidden', message: 'no' } };
      }),
      filter('never', 'access', 3, () => void ran.push('never')),
    ]);
    const reason = await runPhase(chain.access, context());
    expect(ran).toEqual(['first', 'refuser']);
    expect(reason).toMatchObject({ code: 'forbidden', detail: { filter: 'refuser' } });
  });

  it('awaits asynchronous filters before the next one', async () => {
    const ran: string[] = [];
    const chain = buildChain([
      filter('slow', 'before', 1, async () => {
        await new Promise((r) => setTimeout(r, 5));
        ran.push('slow');
      }),
      filter('next', 'before', 2, () => void ran.push('next')),
    ]);
    await runPhase(chain.before, context());
    expect(ran).toEqual(['slow', 'next']);
  });

  it('skips a filter whose start conditions do not hold', async () => {
    const ran: string[] = [];
    const chain = buildChain([
      filter('posts-only', 'access', 1, () => void ran.push('posts-only'), { methods: ['POST'] }),
      filter('api-only', 'access', 2, () => void ran.push('api-only'), { pathPrefixes: ['/app/api/'] }),
      filter('always', 'access', 3, () => void ran.push('always')),
    ]);
    await runPhase(chain.access, context('GET', '/app/api/items'));
    expect(ran).toEqual(['api-only', 'always']);
  });
});
