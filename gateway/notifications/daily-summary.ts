import type { Logger } from 'pino';
import type { DurableStore } from '../durable/store.js';
import type { ApprovalRecord } from '../approvals/record.js';
import { APPROVAL_PREFIX } from '../approvals/record.js';
import { decideRefusal } from '../approvals/approvers.js';
import type { CronSchedule } from '@portcullis/config/cron.js';
import type { Notifier } from './events.js';
import type { Profiles } from './profiles.js';

/** setTimeout's longest wait; a later fire time is reached in steps */
const MAX_TIMER_MS = 2 ** 31 - 1;
/** how far back "what happened to your requests" looks */
const DAY_MS = 86_400_000;
/** most entries listed per part of one summary */
const LISTED = 25;

/**
 * The daily summary: at each fire time of the schedule, every known user gets the approvals
 * waiting for their decision and what became of their own requests in the last day (nothing
 * to say: no mail). Gateways sharing a store all wake up; the one that creates the fire time's
 * record in the durable store sends, the others see it there and do nothing.
 */
export class DailySummary {
  readonly #o: { schedule: CronSchedule; durable: DurableStore; profiles: Profiles; notifier: Notifier; log: Logger; instance: string; now: () => number; publicUrl: string };
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  #running: Promise<void> | undefined;

  constructor(options: { schedule: CronSchedule; durable: DurableStore; profiles: Profiles; notifier: Notifier; log: Logger; instance: string; publicUrl: string; now?: () => number }) {
    this.#o = { ...options, now: options.now ?? Date.now };
  }

  start(): void {
    this.#arm();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#running;
  }

  #arm(): void {
    if (this.#closed) return;
    const next = this.#o.schedule.next(new Date(this.#o.now()));
    if (!next) return void this.#o.log.warn({ schedule: this.#o.schedule.expression }, 'the daily summary schedule never fires again');
    const wait = next.getTime() - this.#o.now();
    this.#timer = setTimeout(() => {
      if (wait > MAX_TIMER_MS) return this.#arm();
      this.#running = this.fire(next).finally(() => {
        this.#running = undefined;
        this.#arm();
      });
    }, Math.min(Math.max(wait, 0), MAX_TIMER_MS));
    this.#timer.unref();
  }

  /** Send the summary of this fire time, unless another gateway already took it. */
  async fire(at: Date): Promise<void> {
    try {
      const key = `summary/${at.toISOString()}`;
      if ((await this.#o.durable.put(key, { by: this.#o.instance, at: this.#o.now() }, 'absent')) === false) return;
      const approvals = (await this.#o.durable.list<ApprovalRecord>(APPROVAL_PREFIX)).map((r) => r.value);
      const now = this.#o.now();
      let sent = 0;
      for (const profile of await this.#o.profiles.all()) {
        const who = { loginId: profile.loginId, roles: profile.roles, groups: profile.groups };
        const pending = approvals.filter((r) => r.state === 'pending' && r.expiresAt > now && decideRefusal(r, who) === undefined);
        const results = approvals.filter((r) => r.requester.loginId === profile.loginId && r.closedAt !== undefined && now - r.closedAt < DAY_MS);
        if (pending.length === 0 && results.length === 0) continue;
        const base = this.#o.publicUrl.replace(/\/+$/, '');
        await this.#o.notifier.notify({
          type: 'daily-summary',
          to: [profile.loginId],
          key: key,
          data: {
            'summary.pendingCount': String(pending.length),
            'summary.pendingList': lines(pending.map((r) => `- ${r.description ?? r.request.method + ' ' + r.request.url.split('?')[0]} (${r.requester.loginId}, expires ${new Date(r.expiresAt).toISOString()}): ${base}/approvals/${r.id}`)),
            'summary.resultCount': String(results.length),
            'summary.resultList': lines(results.map((r) => `- ${r.description ?? r.request.method + ' ' + r.request.url.split('?')[0]}: ${r.state}${r.result?.status !== undefined ? ` (${r.result.status})` : ''}: ${base}/approvals/${r.id}`)),
          },
        });
        sent++;
      }
      this.#o.log.info({ event: 'daily-summary', at: at.toISOString(), users: sent }, 'daily summary queued');
    } catch (err) {
      this.#o.log.error({ err: { message: (err as Error).message } }, 'the daily summary failed');
    }
  }
}

function lines(items: string[]): string {
  if (items.length === 0) return '-';
  const shown = items.slice(0, LISTED);
  return shown.join('\n') + (items.length > LISTED ? `\n… and ${items.length - LISTED} more` : '');
}
