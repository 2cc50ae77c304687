import { describe, expect, it } from 'vitest';
import { MemoryDurableStore } from '../../../gateway/durable/memory-store.js';
import { Subscriptions } from '../../../gateway/notifications/subscriptions.js';
import { AddressMemory } from '../../../gateway/notifications/address-memory.js';

describe('subscriptions', () => {
  const events = {
    'approval-requested': { default: true, mandatory: true, disabled: false },
    'new-address-login': { default: false, mandatory: false, disabled: false },
    'credential-removed': { default: true, mandatory: false, disabled: true },
  };

  it('the user’s choice, else the operator’s default; mandatory always, disabled never', async () => {
    const subs = new Subscriptions(new MemoryDurableStore(), events);
    expect(await subs.wants('carol', 'new-address-login')).toBe(false);
    expect(await subs.wants('carol', 'daily-summary')).toBe(true); // no setting: on
    await subs.choose('carol', { 'new-address-login': true, 'approval-requested': false, 'credential-removed': true, 'daily-summary': false });
    expect(await subs.wants('carol', 'new-address-login')).toBe(true);
    expect(await subs.wants('carol', 'approval-requested')).toBe(true);
    expect(await subs.wants('carol', 'credential-removed')).toBe(false);
    expect(await subs.wants('carol', 'daily-summary')).toBe(false);
    // other spellings of the login are the same user
    expect(await subs.wants('Carol ', 'daily-summary')).toBe(false);
    expect(subs.offered).not.toContain('credential-removed');
    const choices = await subs.choicesOf('carol');
    expect(choices.find((c) => c.event === 'approval-requested')).toEqual({ event: 'approval-requested', subscribed: true, mandatory: true });
  });
});

describe('address memory', () => {
  it('the first login is not new; a new address is, once; the oldest is forgotten past the limit', async () => {
    let now = 0;
    const memory = new AddressMemory(new MemoryDurableStore(), 2, () => ++now);
    expect(await memory.seen('dave', '192.0.2.1')).toBe(false);
    expect(await memory.seen('dave', '192.0.2.2')).toBe(true);
    expect(await memory.seen('dave', '192.0.2.2')).toBe(false);
    expect(await memory.seen('dave', '192.0.2.1')).toBe(false);
    expect(await memory.seen('dave', '192.0.2.3')).toBe(true); // forgets .2, the least recently seen
    expect(await memory.seen('dave', '192.0.2.2')).toBe(true);
    expect(await memory.seen('DAVE', '192.0.2.2')).toBe(false);
  });
});
