import { describe, expect, it } from 'vitest';
import { EndpointPool, EndpointUnreachableError, AllEndpointsDownError, PoolOptionsError } from '../../../engine-client/pool/index.js';

const refused = () => Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });

function fakeClock(start = 1_700_000_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

/** Endpoints A, B, C whose behaviour the test switches; records which endpoint did the work. */
function setup(opts: { loadBalance?: boolean; sticky?: boolean; retryIntervalMs?: number } = {}) {
  const clock = fakeClock();
  const down = new Set<string>();
  const calls: string[] = [];
  const events: string[] = [];
  const pool = new EndpointPool({
    name: 'test',
    endpoints: ['A', 'B', 'C'].map((id) => ({ id, target: id })),
    now: clock.now,
    retryIntervalMs: opts.retryIntervalMs ?? 1000,
    loadBalance: opts.loadBalance,
    sticky: opts.sticky,
    onEvent: (e) => events.push(`${e.type}:${e.endpoint}`),
  });
  const work = async (target: string) => {
    calls.push(target);
    if (down.has(target)) throw refused();
    return target;
  };
  return { pool, clock, down, calls, events, work };
}

describe('EndpointPool', () => {
  it('without load balancing uses the first healthy endpoint every time', async () => {
    const { pool, work } = setup();
    for (let i = 0; i < 5; i++) expect(await pool.run(work)).toBe('A');
  });

  it('with load balancing spreads new work round-robin', async () => {
    const { pool, work } = setup({ loadBalance: true });
    const got = [];
    for (let i = 0; i < 6; i++) got.push(await pool.run(work));
    expect(got).toEqual(['A', 'B', 'C', 'A', 'B', 'C']);
  });

  it('keeps one key on the endpoint that served it first while it is healthy', async () => {
    const { pool, work } = setup({ loadBalance: true });
    const first = await pool.run(work, { key: 'alice' });
    for (let i = 0; i < 5; i++) {
      await pool.run(work); // others move the rotation on
      expect(await pool.run(work, { key: 'alice' })).toBe(first);
    }
    expect(pool.stickyEndpoint('alice')).toBe(first);
  });

  it('without stickiness a key does not pin the endpoint', async () => {
    const { pool, work } = setup({ loadBalance: true, sticky: false });
    const got = new Set();
    for (let i = 0; i < 3; i++) got.add(await pool.run(work, { key: 'alice' }));
    expect(got.size).toBe(3);
  });

  it('fails over on a connection failure, marks the endpoint down and reports it in state()', async () => {
    const { pool, work, down, calls, events, clock } = setup();
    down.add('A');
    expect(await pool.run(work)).toBe('B');
    expect(calls).toEqual(['A', 'B']);
    const a = pool.state().find((s) => s.id === 'A')!;
    expect(a.status).toBe('down');
    expect(a.lastFailure).toBe('ECONNREFUSED');
    expect(a.downSince).toBe(new Date(clock.now()).toISOString());
    expect(a.retryAt).toBe(new Date(clock.now() + 1000).toISOString());
    expect(events).toEqual(['down:A']);
    // while down, A is not tried at all
    calls.length = 0;
    expect(await pool.run(work)).toBe('B');
    expect(calls).toEqual(['B']);
  });

  it('tries a down endpoint again after the retry interval and takes it back when it answers', async () => {
    const { pool, work, down, clock, events } = setup();
    down.add('A');
    await pool.run(work);
    down.delete('A');
    clock.advance(999);
    expect(await pool.run(work)).toBe('B');
    clock.advance(1);
    expect(await pool.run(work)).toBe('A');
    expect(pool.state()[0]!.status).toBe('up');
    expect(events).toEqual(['down:A', 'up:A']);
  });

  it('a retry that fails again keeps the original downSince and pushes retryAt', async () => {
    const { pool, work, down, clock } = setup();
    down.add('A');
    await pool.run(work);
    const since = pool.state()[0]!.downSince;
    clock.advance(1500);
    expect(await pool.run(work)).toBe('B');
    expect(pool.state()[0]!.downSince).toBe(since);
    expect(pool.state()[0]!.retryAt).toBe(new Date(clock.now() + 1000).toISOString());
    expect(pool.state()[0]!.failures).toBe(2);
  });

  it('an answer that is an error is handed back without failover', async () => {
    const { pool } = setup();
    const answer = Object.assign(new Error('invalid credentials'), { code: 49 });
    const tried: string[] = [];
    await expect(
      pool.run(async (t) => {
        tried.push(t);
        throw answer;
      }),
    ).rejects.toBe(answer);
    expect(tried).toEqual(['A']);
    expect(pool.state().every((s) => s.status === 'up')).toBe(true);
  });

  it('EndpointUnreachableError and failover:false override the code classification', async () => {
    const { pool } = setup();
    const tried: string[] = [];
    await expect(
      pool.run(async (t) => {
        tried.push(t);
        if (t === 'A') throw new EndpointUnreachableError('ERR_TIMEOUT', 'timed out');
        throw Object.assign(refused(), { failover: false });
      }),
    ).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    expect(tried).toEqual(['A', 'B']);
  });

  it('all down: a 503 coded error naming each endpoint and since when', async () => {
    const { pool, work, down, calls } = setup();
    down.add('A').add('B').add('C');
    const err = await pool.run(work).catch((e) => e);
    expect(err).toBeInstanceOf(AllEndpointsDownError);
    expect(err.code).toBe('POOL_ALL_DOWN');
    expect(err.statusCode).toBe(503);
    expect(err.expose).toBe(false);
    expect(err.down.map((d: { id: string }) => d.id)).toEqual(['A', 'B', 'C']);
    expect(err.message).toMatch(/A down since \d{4}-/);
    // before the retry interval nothing is even tried
    calls.length = 0;
    await expect(pool.run(work)).rejects.toMatchObject({ code: 'POOL_ALL_DOWN' });
    expect(calls).toEqual([]);
  });

  it('a sticky key moves when its endpoint goes down and stays on the new one afterwards', async () => {
    const { pool, work, down, clock } = setup({ loadBalance: true });
    const first = await pool.run(work, { key: 'bob' });
    down.add(first);
    const second = await pool.run(work, { key: 'bob' });
    expect(second).not.toBe(first);
    down.delete(first);
    clock.advance(1000);
    for (let i = 0; i < 4; i++) expect(await pool.run(work, { key: 'bob' })).toBe(second);
  });

  it('only one request probes a down endpoint at a time', async () => {
    const { pool, clock } = setup();
    await pool.run(async (t) => {
      if (t === 'A') throw refused();
      return t;
    });
    clock.advance(1000);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const probe = pool.run(async (t) => {
      if (t === 'A') await gate;
      return t;
    });
    // A is being probed: a concurrent request goes to B without waiting
    expect(await pool.run(async (t) => t)).toBe('B');
    release();
    expect(await probe).toBe('A');
  });

  it('refuses bad options with a coded error naming the option', () => {
    expect(() => new EndpointPool({ endpoints: [] })).toThrow(PoolOptionsError);
    expect(() => new EndpointPool({ endpoints: [{ id: 'a', target: 1 }, { id: 'a', target: 2 }] })).toThrow(/endpoints\[1\]\.id/);
    let caught: unknown;
    try {
      new EndpointPool({ endpoints: [{ id: 'a', target: 1 }], retryIntervalMs: 0 });
    } catch (e) {
      caught = e;
    }
    expect(caught).toMatchObject({ code: 'OPTIONS_INVALID', path: 'retryIntervalMs' });
  });
});
