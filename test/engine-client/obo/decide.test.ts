import { describe, expect, it } from 'vitest';
import { decideOnBehalfOf, type OboContext } from '../../../engine-client/obo/index.js';

describe('on-behalf-of decision', () => {
  it.each<[string, OboContext, string, string]>([
    ['four eyes: the reviewer, not the first user', { caller: { userId: 'alice' }, process: { starter: 'alice', actors: [{ userId: 'alice' }, { userId: 'bob' }] } }, 'bob', 'last-human-actor'],
    ['automatic steps after a human are skipped', { process: { starter: 'carol', actors: [{ userId: 'dave' }, { userId: 'engine', human: false }] } }, 'dave', 'last-human-actor'],
    ['optional step skipped: the starter', { caller: { userId: 'billing-service', technical: true }, process: { starter: 'alice', actors: [{ userId: 'engine', human: false }] } }, 'alice', 'process-starter'],
    ['no actors at all: the starter', { caller: { userId: 'bob' }, process: { starter: 'alice' } }, 'alice', 'process-starter'],
    ['no process: the caller', { caller: { userId: 'bob' } }, 'bob', 'caller'],
    ['technical caller: itself', { caller: { userId: 'billing-service', technical: true } }, 'billing-service', 'caller'],
    ['blank entries do not count', { caller: { userId: 'bob' }, process: { starter: ' ', actors: [{ userId: '' }] } }, 'bob', 'caller'],
  ])('%s', (_name, context, userId, reason) => {
    expect(decideOnBehalfOf(context)).toEqual({ userId, reason });
  });

  it('refuses to name nobody', () => {
    expect(() => decideOnBehalfOf({})).toThrow(expect.objectContaining({ code: 'OBO_NO_SUBJECT', statusCode: 500 }));
  });

  it('takes a replacement rule, falling back to the default when it has no answer', () => {
    const firstActor = (c: OboContext) => c.process?.actors?.[0]?.userId;
    const context = { caller: { userId: 'x' }, process: { actors: [{ userId: 'alice' }, { userId: 'bob' }] } };
    expect(decideOnBehalfOf(context, firstActor)).toEqual({ userId: 'alice', reason: 'custom' });
    expect(decideOnBehalfOf({ caller: { userId: 'x' } }, firstActor)).toEqual({ userId: 'x', reason: 'caller' });
  });
});
