import { canonicalLogin } from '../login/canonical-login.js';
import type { ApprovalRecord } from './record.js';

export interface Decider {
  loginId: string;
  roles: readonly string[];
  groups: readonly string[];
}

export type DecideRefusal = 'own-request' | 'not-an-approver' | 'already-decided';

/**
 * May this person decide this request? Never the requester (in any spelling of their login),
 * never twice; otherwise a holder of a named role, a member of a named group or a named user.
 */
export function decideRefusal(record: ApprovalRecord, who: Decider): DecideRefusal | undefined {
  const login = canonicalLogin(who.loginId);
  if (login === canonicalLogin(record.requester.loginId)) return 'own-request';
  if (!isApprover(record, who)) return 'not-an-approver';
  if (record.decisions.some((d) => canonicalLogin(d.by) === login)) return 'already-decided';
  return undefined;
}

/** Named by the record as an approver (the requester too, if named: decideRefusal refuses them). */
export function isApprover(record: ApprovalRecord, who: Decider): boolean {
  const login = canonicalLogin(who.loginId);
  const { roles, groups, users } = record.approvers;
  return users.some((u) => canonicalLogin(u) === login) || who.roles.some((r) => roles.includes(r)) || who.groups.some((g) => groups.includes(g));
}

export const DECIDE_REFUSALS: Record<DecideRefusal, string> = {
  'own-request': 'you asked for this request yourself; someone else must approve it',
  'not-an-approver': 'you are not one of the approvers of this request',
  'already-decided': 'you have already decided on this request',
};
