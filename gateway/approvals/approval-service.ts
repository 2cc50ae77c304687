import { randomBytes } from 'node:crypto';
import type { Logger } from 'pino';
import type { Reason } from '@portcullis/policies/reasons.js';
import type { FilterContext } from '@portcullis/filters/types.js';
import type { ApprovalDesk } from '@portcullis/filters/builtin/deps.js';
import type { ApprovalRule } from '@portcullis/filters/builtin/approval.js';
import type { DurableStore } from '../durable/store.js';
import { GatewayError } from '../errors.js';
import { AUDIT_EVENTS } from '../ops/audit-events.js';
import type { NotificationEvent, Notifier } from '../notifications/events.js';
import { captureRequest, HeldBodyTooLarge, requesterOf } from './capture.js';
import { decideRefusal, isApprover, DECIDE_REFUSALS, type Decider } from './approvers.js';
import { APPROVAL_PREFIX, OPEN_STATES, approvalKey, approvedBy, type ApprovalRecord, type HeldRequest, type Requester } from './record.js';
import type { SendOutcome, SendTarget } from './send-held.js';
import { askApproverModule, type ApproverModule } from './approver-module.js';
import { dispatchApproved, finishSending, type SendingDeps } from './dispatch-approved.js';

export type { ApproverModule } from './approver-module.js';

export interface ApprovalRouteTarget extends SendTarget {
  audience: string;
}

export interface ApprovalServiceOptions {
  durable: DurableStore;
  log: Logger;
  publicUrl: string;
  /** routes with an approval filter: where their held requests go */
  targets: ReadonlyMap<string, ApprovalRouteTarget>;
  /** the token for a held request: the requester as subject, the approval and its approvers named */
  mint(record: ApprovalRecord, audience: string): Promise<string>;
  notifier: Notifier;
  /** login ids of the users who hold one of the roles / groups (for the "approval requested" mail) */
  approversOf(approvers: ApprovalRecord['approvers']): Promise<string[]>;
  modules: ReadonlyMap<string, ApproverModule>;
  /** this gateway, in claims: which one is sending */
  instanceId: string;
  /** how often pending requests are checked for expiry and approved ones for sending */
  sweepSeconds: number;
  /** closed records are deleted this long after they closed */
  keepClosedSeconds: number;
  /** a claim to send older than this belongs to a gateway that died while sending */
  staleSendingSeconds?: number;
  now?: () => number;
  /** counts outcomes for metrics: held, approved, rejected, expired, sent, failed */
  onOutcome?(route: string, outcome: 'held' | 'approved' | 'rejected' | 'expired' | 'sent' | 'failed'): void;
}

const MAX_COMMENT = 500;
const CAS_ATTEMPTS = 8;
/** how long a sweep leaves a fresh approval to the gateway that recorded it */
const SENDER_GRACE_MS = 5_000;

/**
 * Pending requests: hold (from the approval filter), decide, send once, expire. Every state
 * change is a compare-and-set on the durable store, so gateways sharing the store agree:
 * of two approvers clicking at once one decides; of two gateways one claims the sending,
 * and a claim is taken before the first byte goes upstream.
 */
export class ApprovalService implements ApprovalDesk {
  readonly #o: ApprovalServiceOptions;
  readonly #now: () => number;
  #timer: NodeJS.Timeout | undefined;
  #sweeping: Promise<void> | undefined;
  #closed = false;

  readonly #sending: SendingDeps;

  constructor(options: ApprovalServiceOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#sending = { durable: options.durable, targets: options.targets, mint: options.mint, instanceId: options.instanceId, log: options.log, now: this.#now, closed: (next) => this.#closedAfterSending(next) };
  }

  /** Start sweeping: at once (a restart sends what was approved before), then every `sweepSeconds`. */
  start(): void {
    void this.sweep();
    this.#timer = setInterval(() => void this.sweep(), this.#o.sweepSeconds * 1000);
    this.#timer.unref();
  }

  async close(): Promise<void> {
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    await this.#sweeping;
  }

  statusUrl(id: string): string {
    return `/approvals/${id}`;
  }

  async hold(ctx: FilterContext, rule: ApprovalRule): Promise<Reason> {
    const requester = requesterOf(ctx);
    if (!requester) return { code: 'unauthenticated', message: 'log in to ask for an approval' };
    if (!this.#o.targets.has(ctx.route.name)) throw new GatewayError('GW_INTERNAL', 500, `route ${ctx.route.name} holds requests but has no upstream to send them to`);
    const open = (await this.#o.durable.list<ApprovalRecord>(APPROVAL_PREFIX)).filter(
      (r) => r.value.route === ctx.route.name && r.value.requester.loginId === requester.loginId && OPEN_STATES.includes(r.value.state) && r.value.expiresAt > this.#now(),
    ).length;
    if (open >= rule.maxOpenPerRequester) {
      return { code: 'rate-limited', message: `you have ${open} requests waiting for approval on this route; wait until some are decided`, detail: { open, limit: rule.maxOpenPerRequester } };
    }
    let request: HeldRequest;
    try {
      request = await captureRequest(ctx, rule);
    } catch (err) {
      if (err instanceof HeldBodyTooLarge) return { code: 'body-too-large', message: err.message, detail: { limit: err.limit } };
      throw err;
    }
    const users = [...rule.approvers.users];
    if (rule.approvers.module) {
      const named = await this.#moduleApprovers(rule.approvers.module, request, requester, ctx.route.name);
      if (!named) return { code: 'approval-unavailable', message: 'the approvers of this request cannot be found now; try again later' };
      users.push(...named);
    }
    const now = this.#now();
    const record: ApprovalRecord = {
      id: randomBytes(16).toString('base64url'),
      state: 'pending',
      route: ctx.route.name,
      rule: rule.name,
      ...(rule.description ? { description: rule.description } : {}),
      request,
      requester,
      approvers: { roles: [...rule.approvers.roles], groups: [...rule.approvers.groups], users: [...new Set(users)] },
      required: rule.required,
      decisions: [],
      createdAt: now,
      expiresAt: now + rule.expiresAfterSeconds * 1000,
      attempts: 0,
    };
    if ((await this.#o.durable.put(approvalKey(record.id), record, 'absent')) === false) throw new GatewayError('GW_INTERNAL', 500, 'an approval id was drawn twice');
    this.#o.onOutcome?.(record.route, 'held');
    ctx.request.log.info(
      { event: AUDIT_EVENTS.approvalRequested, approval: record.id, user: requester.loginId, route: record.route, rule: record.rule, method: request.method, path: pathOnly(request.url), approvers: record.approvers, required: record.required },
      'request held for approval',
    );
    const recipients = (await this.#o.approversOf(record.approvers).catch(() => record.approvers.users)).filter((u) => u !== requester.loginId);
    void this.#notify({ type: 'approval-requested', to: recipients, key: `${record.id}:requested`, data: { ...this.#placeholders(record), 'approval.expiresAt': iso(record.expiresAt), 'requester.loginId': requester.loginId, 'requester.name': nameOf(requester) } });
    return {
      code: 'approval-held',
      message: 'the request waits for approval',
      detail: { approvalId: record.id, statusUrl: this.statusUrl(record.id), expiresAt: iso(record.expiresAt), required: record.required },
    };
  }

  async get(id: string): Promise<ApprovalRecord | undefined> {
    if (!/^[A-Za-z0-9_-]{22}$/.test(id)) return undefined;
    const found = await this.#o.durable.get<ApprovalRecord>(approvalKey(id));
    return found?.value;
  }

  /** The requester and the approvers may see a request; nobody else learns that it exists. */
  mayView(record: ApprovalRecord, who: Decider): boolean {
    return record.requester.loginId === who.loginId || isApprover(record, who);
  }

  /** What the account page and the REST API list for one person. */
  async listFor(who: Decider): Promise<{ toDecide: ApprovalRecord[]; mine: ApprovalRecord[] }> {
    const all = (await this.#o.durable.list<ApprovalRecord>(APPROVAL_PREFIX)).map((r) => r.value);
    const now = this.#now();
    const toDecide = all.filter((r) => r.state === 'pending' && r.expiresAt > now && decideRefusal(r, who) === undefined);
    const mine = all.filter((r) => r.requester.loginId === who.loginId).sort((a, b) => b.createdAt - a.createdAt);
    return { toDecide: toDecide.sort((a, b) => a.expiresAt - b.expiresAt), mine };
  }

  /**
   * Approve or reject. Refusals: 404 (unknown, or not theirs to see), 403 (own request, not an
   * approver, decided already), 409 (no longer pending). The approval that completes the rule
   * sends the request before this answers, so the approver sees the upstream's status.
   */
  async decide(id: string, who: Decider, decision: 'approve' | 'reject', comment: string, log: Logger = this.#o.log): Promise<ApprovalRecord> {
    const text = comment.trim().slice(0, MAX_COMMENT);
    for (let attempt = 0; attempt < CAS_ATTEMPTS; attempt++) {
      const found = await this.#o.durable.get<ApprovalRecord>(approvalKey(id));
      const record = found?.value;
      if (!found || !record || !this.mayView(record, who)) throw new GatewayError('GW_APPROVAL_NOT_FOUND', 404, 'no such approval request');
      const now = this.#now();
      if (record.state === 'pending' && record.expiresAt <= now) {
        await this.#expire(found.version, record, log);
        throw new GatewayError('GW_APPROVAL_CLOSED', 409, 'this request has expired; it was not sent');
      }
      if (record.state !== 'pending') throw new GatewayError('GW_APPROVAL_CLOSED', 409, `this request is ${record.state} already`);
      const refusal = decideRefusal(record, who);
      if (refusal) throw new GatewayError('GW_APPROVAL_NOT_ALLOWED', 403, DECIDE_REFUSALS[refusal]);
      const decisions = [...record.decisions, { by: who.loginId, decision, comment: text, at: now }];
      const enough = decisions.filter((d) => d.decision === 'approve').length >= record.required;
      const next: ApprovalRecord = {
        ...record,
        decisions,
        state: decision === 'reject' ? 'rejected' : enough ? 'approved' : 'pending',
        ...(decision === 'reject' ? { closedAt: now } : {}),
      };
      const version = await this.#o.durable.put(approvalKey(id), next, found.version);
      if (version === false) continue; // another approver or gateway came first: read again
      if (next.state !== 'pending') this.#o.onOutcome?.(record.route, next.state === 'rejected' ? 'rejected' : 'approved');
      log.info({ event: AUDIT_EVENTS.approvalDecided, approval: id, user: who.loginId, decision, comment: text, state: next.state, requester: record.requester.loginId }, `approval request ${decision === 'approve' ? 'approved' : 'rejected'}`);
      if (next.state === 'rejected') {
        void this.#notify({ type: 'approval-rejected', to: [record.requester.loginId], key: `${id}:rejected`, data: { ...this.#placeholders(next), 'approval.rejectedBy': who.loginId, 'approval.comment': text } });
        return next;
      }
      if (next.state === 'approved') return (await this.#dispatch(id)) ?? next;
      return next;
    }
    throw new GatewayError('GW_STORE_UNAVAILABLE', 503, 'the approval request changes too often to decide now; try again');
  }

  /**
   * One pass: expire what is overdue, send what is approved and due (a restart resumes here),
   * close what a dead gateway was sending, forget what closed long ago.
   */
  sweep(): Promise<void> {
    if (this.#sweeping || this.#closed) return this.#sweeping ?? Promise.resolve();
    this.#sweeping = this.#sweepOnce()
      .catch((err) => this.#o.log.error({ err }, 'the approval sweep failed; it runs again'))
      .finally(() => (this.#sweeping = undefined));
    return this.#sweeping;
  }

  async #sweepOnce(): Promise<void> {
    const now = this.#now();
    const stale = (this.#o.staleSendingSeconds ?? 300) * 1000;
    for (const { key, value: record, version } of await this.#o.durable.list<ApprovalRecord>(APPROVAL_PREFIX)) {
      if (this.#closed) return;
      if (record.state === 'pending' && record.expiresAt <= now) await this.#expire(version, record, this.#o.log);
      // a fresh approval is sent by the gateway that took it (its approver waits for the answer);
      // the sweep takes over when that gateway did not get to it, or the upstream was unreachable
      else if (record.state === 'approved' && (record.nextAttemptAt ?? (record.decisions.at(-1)?.at ?? 0) + SENDER_GRACE_MS) <= now) await this.#dispatch(record.id);
      else if (record.state === 'sending' && record.claim && now - record.claim.at > stale) {
        // it may have reached the upstream before the gateway died: at most once means never again
        await this.#finish(record, version, { kind: 'failed', error: 'the gateway stopped while sending; not sent again, because it may have arrived' });
      } else if (record.closedAt !== undefined && now - record.closedAt > this.#o.keepClosedSeconds * 1000) {
        await this.#o.durable.delete(key, version);
      }
    }
  }

  #dispatch(id: string): Promise<ApprovalRecord | undefined> {
    return dispatchApproved(id, this.#sending);
  }

  #finish(record: ApprovalRecord, version: number, outcome: SendOutcome): Promise<ApprovalRecord> {
    return finishSending(record, version, outcome, this.#sending);
  }

  /** A request left `sending` for good (sent or failed): count, audit, tell the requester. */
  #closedAfterSending(next: ApprovalRecord): void {
    this.#o.onOutcome?.(next.route, next.state as 'sent' | 'failed');
    const by = approvedBy(next);
    const event = next.state === 'sent' ? AUDIT_EVENTS.approvalSent : AUDIT_EVENTS.approvalClosed;
    this.#o.log.info({ event, approval: next.id, route: next.route, requester: next.requester.loginId, approvedBy: by, status: next.result?.status, error: next.result?.error }, next.state === 'sent' ? `approved request sent upstream: ${next.result?.status}` : 'approved request could not be sent');
    const last = next.decisions.at(-1);
    void this.#notify({
      type: 'approval-approved',
      to: [next.requester.loginId],
      key: `${next.id}:approved`,
      data: { ...this.#placeholders(next), 'approval.approvedBy': by.join(', '), 'approval.comment': last?.comment ?? '', 'approval.upstreamStatus': next.result?.status !== undefined ? String(next.result.status) : `not sent (${next.result?.error ?? 'error'})` },
    });
  }

  async #expire(version: number, record: ApprovalRecord, log: Logger): Promise<void> {
    const now = this.#now();
    const next: ApprovalRecord = { ...record, state: 'expired', closedAt: now };
    if ((await this.#o.durable.put(approvalKey(record.id), next, version)) === false) return;
    this.#o.onOutcome?.(record.route, 'expired');
    log.info({ event: AUDIT_EVENTS.approvalClosed, approval: record.id, route: record.route, requester: record.requester.loginId, state: 'expired' }, 'approval request expired undecided; not sent');
    void this.#notify({ type: 'approval-expired', to: [record.requester.loginId], key: `${record.id}:expired`, data: { ...this.#placeholders(next), 'approval.expiresAt': iso(record.expiresAt) } });
  }

  async #moduleApprovers(spec: string, request: HeldRequest, requester: Requester, route: string): Promise<string[] | undefined> {
    const fn = this.#o.modules.get(spec);
    if (!fn) throw new GatewayError('GW_INTERNAL', 500, `approver module ${spec} was not loaded`);
    return askApproverModule(fn, { request: { method: request.method, url: request.url, headers: request.headers, body: Buffer.from(request.body, 'base64').toString('utf8') }, requester, route }, spec, this.#o.log);
  }

  #placeholders(record: ApprovalRecord): Record<string, string> {
    return {
      'approval.id': record.id,
      'approval.url': new URL(this.statusUrl(record.id), this.#o.publicUrl).href,
      'approval.description': record.description ?? `${record.request.method} ${pathOnly(record.request.url)}`,
      'approval.method': record.request.method,
      'approval.path': pathOnly(record.request.url),
      'approval.route': record.route,
    };
  }

  async #notify(event: NotificationEvent): Promise<void> {
    if (event.to.length === 0) return;
    try {
      await this.#o.notifier.notify(event);
    } catch (err) {
      this.#o.log.error({ err: { message: (err as Error).message }, notification: event.type }, 'a notification could not be queued');
    }
  }
}

const iso = (ms: number) => new Date(ms).toISOString();
/** a query string may carry secrets: logs and mails show the path */
export const pathOnly = (url: string) => url.split('?', 1)[0]!;
const nameOf = (r: Requester) => [r.attributes.firstName, r.attributes.lastName].filter(Boolean).join(' ') || r.loginId;
