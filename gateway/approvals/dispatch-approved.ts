import type { Logger } from 'pino';
import type { DurableStore } from '../durable/store.js';
import { approvalKey, type ApprovalRecord } from './record.js';
import { sendHeld, type SendOutcome, type SendTarget } from './send-held.js';

export interface SendingDeps {
  durable: DurableStore;
  targets: ReadonlyMap<string, SendTarget & { audience: string }>;
  mint(record: ApprovalRecord, audience: string): Promise<string>;
  /** this gateway, as the claim names it */
  instanceId: string;
  log: Logger;
  now(): number;
  /** the request reached its final state after sending (sent or failed) */
  closed(next: ApprovalRecord): void;
}

/** the longest wait between attempts to reach an unreachable upstream (2, 4, … 256 s) */
const MAX_RETRY_SECONDS = 256;

/**
 * Claim an approved request and send it. The claim (approved → sending, a compare-and-set) is
 * written before the first byte goes upstream, so of several gateways exactly one sends.
 * Answers the record afterwards; a lost claim answers what the winner wrote.
 */
export async function dispatchApproved(id: string, deps: SendingDeps): Promise<ApprovalRecord | undefined> {
  const found = await deps.durable.get<ApprovalRecord>(approvalKey(id));
  if (!found || found.value.state !== 'approved') return found?.value;
  const record = found.value;
  const now = deps.now();
  if (record.expiresAt <= now && record.attempts > 0) {
    // approved, but the upstream stayed unreachable until the request expired
    return finishSending(record, found.version, { kind: 'failed', error: `the upstream could not be reached before the request expired (${record.result?.error ?? 'unreachable'})` }, deps);
  }
  const claimed: ApprovalRecord = { ...record, state: 'sending', claim: { by: deps.instanceId, at: now } };
  const version = await deps.durable.put(approvalKey(id), claimed, found.version);
  if (version === false) return (await deps.durable.get<ApprovalRecord>(approvalKey(id)))?.value; // another gateway claimed it
  const target = deps.targets.get(record.route);
  let outcome: SendOutcome;
  if (!target) outcome = { kind: 'failed', error: `route ${record.route} is no longer configured` };
  else {
    try {
      outcome = await sendHeld(claimed, await deps.mint(claimed, target.audience), target);
    } catch (err) {
      outcome = { kind: 'failed', error: (err as Error).message };
    }
  }
  return finishSending(claimed, version, outcome, deps);
}

/**
 * Record what sending did: the engine's answer (sent), a failure after bytes may have left
 * (failed, never again), or an upstream that could not be reached at all (approved again,
 * tried after a backoff, until the request expires).
 */
export async function finishSending(record: ApprovalRecord, version: number, outcome: SendOutcome, deps: SendingDeps): Promise<ApprovalRecord> {
  const now = deps.now();
  let next: ApprovalRecord;
  if (outcome.kind === 'unreachable' && record.expiresAt > now) {
    const attempts = record.attempts + 1;
    const { claim: _claim, ...rest } = record;
    next = { ...rest, state: 'approved', attempts, nextAttemptAt: now + Math.min(MAX_RETRY_SECONDS, 2 ** Math.min(attempts, 8)) * 1000, result: { error: outcome.error, at: now } };
    deps.log.warn({ approval: record.id, route: record.route, attempts, error: outcome.error }, 'an approved request could not reach its upstream; it will be tried again');
  } else {
    const result =
      outcome.kind === 'answered'
        ? { status: outcome.status, body: outcome.body, at: now, ...(outcome.contentType ? { contentType: outcome.contentType } : {}) }
        : { error: outcome.error, at: now };
    next = { ...record, state: outcome.kind === 'answered' ? 'sent' : 'failed', result, closedAt: now };
  }
  // we hold the claim: nobody else writes a `sending` record, but a slow store may have lost the race to a sweep
  const written = await deps.durable.put(approvalKey(record.id), next, version);
  if (written === false) await deps.durable.put(approvalKey(record.id), next, 'any');
  if (next.state === 'sent' || next.state === 'failed') deps.closed(next);
  return next;
}
