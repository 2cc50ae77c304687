import { describe, expect, it } from 'vitest';
import { MemoryStore } from '../../../gateway/sessions/memory-store.js';

describe('memory store', () => {
  it('expires entries after their own ttl', async () => {
    const clock = { now: 1_000_000 }; // lru-cache treats a start time of 0 as 'no start'
    const store = new MemoryStore({ maxEntries: 10, now: () => clock.now });
    await store.set('a', 1, 10);
    await store.set('b', 2, 100);
    clock.now += 11_000;
    expect(await store.get('a')).toBeUndefined();
    expect(await store.get('b')).toBe(2);
  });

  it('sets only once with setIfAbsent, until the entry expires', async () => {
    const clock = { now: 1_000_000 }; // lru-cache treats a start time of 0 as 'no start'
    const store = new MemoryStore({ maxEntries: 10, now: () => clock.now });
    expect(await store.setIfAbsent('assertion:1', true, 5)).toBe(true);
    expect(await store.setIfAbsent('assertion:1', true, 5)).toBe(false);
    clock.now += 6_000;
    expect(await store.setIfAbsent('assertion:1', true, 5)).toBe(true);
  });

  it('tells how long the counter window has left, for Retry-After', async () => {
    const clock = { now: 1_000_000 };
    const store = new MemoryStore({ maxEntries: 10, now: () => clock.now });
    expect(await store.incrementWindow('ratelimit:x', 60)).toEqual({ count: 1, resetInSeconds: 60 });
    clock.now += 20_500;
    expect(await store.incrementWindow('ratelimit:x', 60)).toEqual({ count: 2, resetInSeconds: 40 });
    clock.now += 40_000;
    expect(await store.incrementWindow('ratelimit:x', 60)).toEqual({ count: 1, resetInSeconds: 60 });
  });

  it('counts within a window that starts at the first increment', async () => {
    const clock = { now: 1_000_000 }; // lru-cache treats a start time of 0 as 'no start'
    const store = new MemoryStore({ maxEntries: 10, now: () => clock.now });
    expect(await store.increment('failures:x', 10)).toBe(1);
    clock.now += 5_000;
    expect(await store.increment('failures:x', 10)).toBe(2);
    clock.now += 5_500;
    expect(await store.increment('failures:x', 10)).toBe(1);
  });

  it('a flood of other entries never evicts a session (regression: pending SAML requests pushed sessions out)', async () => {
    const store = new MemoryStore({ maxEntries: 100, maxSessionEntries: 10 });
    await store.set('session:live', { user: 'alice' }, 600);
    for (let i = 0; i < 10_000; i++) await store.set(`saml-request:${i}`, true, 600);
    expect(await store.get('session:live')).toEqual({ user: 'alice' });
    expect(store.size).toEqual({ sessions: 1, other: 100 });
  });
});
