import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { MemoryDurableStore } from '../../../gateway/durable/memory-store.js';
import { createLogger } from '../../../gateway/logger.js';
import { Outbox, type OutboxEntry } from '../../../gateway/notifications/outbox.js';
import type { Mailer, MailMessage } from '../../../gateway/notifications/mailer.js';

/** a mailer that fails while `down` is set: a unit test of the outbox's bookkeeping only */
class FlakyMailer implements Mailer {
  down = true;
  readonly sent: MailMessage[] = [];
  async send(m: MailMessage) {
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNECTION' });
    this.sent.push(m);
  }
  async verify() {}
  close() {}
}

const settings = { pollSeconds: 3600, maxAttempts: 3, firstRetrySeconds: 10, maxRetrySeconds: 15, claimSeconds: 60 };
const quiet = () => createLogger('silent', new Writable({ write: (_c, _e, done) => done() }));
const message = { to: 'bob@example.test', subject: 's', text: 't', html: '<p>t</p>', event: 'approval-requested' };

function outboxAt(durable: MemoryDurableStore, mailer: Mailer, clock: { now: number }, counts = { size: 0, sent: 0, failed: 0, final: 0 }) {
  const outbox = new Outbox({
    durable,
    mailer,
    settings,
    log: quiet(),
    instance: 'gw-1',
    domain: 'gw.example',
    now: () => clock.now,
    observer: { size: (n) => (counts.size = n), sent: () => counts.sent++, failed: (final) => (final ? counts.final++ : counts.failed++) },
  });
  return { outbox, counts };
}

describe('mail outbox', () => {
  it('backs off exponentially up to the cap, gives up after maxAttempts, and moves the message aside', async () => {
    const durable = new MemoryDurableStore();
    const mailer = new FlakyMailer();
    const clock = { now: 1_000_000 };
    const { outbox, counts } = outboxAt(durable, mailer, clock);
    await outbox.enqueue(message);
    await outbox.flush();
    let [entry] = await durable.list<OutboxEntry>('outbox/');
    expect(entry!.value).toMatchObject({ attempts: 1, nextAttemptAt: clock.now + 10_000 });
    expect(entry!.value.lastError).toContain('ECONNECTION');
    // not due yet: no attempt
    clock.now += 5_000;
    await outbox.flush();
    expect((await durable.list<OutboxEntry>('outbox/'))[0]!.value.attempts).toBe(1);
    clock.now += 5_000;
    await outbox.flush();
    [entry] = await durable.list<OutboxEntry>('outbox/');
    expect(entry!.value).toMatchObject({ attempts: 2, nextAttemptAt: clock.now + 15_000 }); // 20 s capped at 15
    clock.now += 15_000;
    await outbox.flush();
    expect(await durable.list('outbox/')).toHaveLength(0);
    expect(await durable.list('outbox-failed/')).toHaveLength(1);
    expect(counts).toMatchObject({ failed: 2, final: 1, sent: 0 });
  });

  it('sent once: the same event queued twice is one message; a claimed message is left to its gateway', async () => {
    const durable = new MemoryDurableStore();
    const mailer = new FlakyMailer();
    mailer.down = false;
    const clock = { now: 2_000_000 };
    const a = outboxAt(durable, mailer, clock).outbox;
    const b = outboxAt(durable, mailer, clock).outbox;
    await a.enqueue(message, 'approval-requested|x|bob');
    await b.enqueue(message, 'approval-requested|x|bob');
    await Promise.all([a.flush(), b.flush()]);
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.messageId).toMatch(/^<[\w-]+@gw\.example>$/);

    // a message claimed by a gateway that then died is sent by another once the claim runs out
    const [key] = [`outbox/dead-${Date.now()}`];
    await durable.put(key, { ...message, id: 'dead', createdAt: clock.now, attempts: 0, nextAttemptAt: clock.now, claim: { by: 'gw-gone', until: clock.now + 60_000 } } satisfies OutboxEntry, 'absent');
    await a.flush();
    expect(mailer.sent).toHaveLength(1);
    clock.now += 61_000;
    await a.flush();
    expect(mailer.sent).toHaveLength(2);
    expect(mailer.sent[1]!.messageId).toBe('<dead@gw.example>');
  });
});
