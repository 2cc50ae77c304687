import type { AuthLevel, AuthMethod } from '@portcullis/engine-client/token';

/**
 * A held request as the durable store keeps it, under `approval/<id>`. Every change is a
 * compare-and-set on the record's version, so two gateways sharing the store never both
 * decide, and never both send.
 *
 *   pending ─approve (enough)→ approved ─claim→ sending ─→ sent | failed
 *      │  └─reject→ rejected       └─ upstream unreachable: stays approved, retried until expiry
 *      └─expiry→ expired
 */
export type ApprovalState = 'pending' | 'approved' | 'sending' | 'sent' | 'failed' | 'rejected' | 'expired';

export const OPEN_STATES: readonly ApprovalState[] = ['pending', 'approved', 'sending'];

export interface HeldRequest {
  method: string;
  /** path and query, as the client sent them (canonical) */
  url: string;
  /** the kept headers, lower-case names */
  headers: Record<string, string>;
  /** base64 of the body; empty when there was none */
  body: string;
  bodyBytes: number;
}

/** Who asked: what the token sent on their behalf is minted from. */
export interface Requester {
  loginId: string;
  roles: string[];
  groups: string[];
  attributes: Record<string, string>;
  level: AuthLevel;
  amr: AuthMethod[];
  authenticator: string;
}

export interface Decision {
  by: string;
  decision: 'approve' | 'reject';
  comment: string;
  at: number;
}

export interface ApprovalRecord {
  id: string;
  state: ApprovalState;
  route: string;
  /** the rule (filter) that held it */
  rule: string;
  description?: string;
  request: HeldRequest;
  requester: Requester;
  /** who may decide: named in the rule, plus the users an operator module named for this request */
  approvers: { roles: string[]; groups: string[]; users: string[] };
  required: 1 | 2;
  decisions: Decision[];
  createdAt: number;
  expiresAt: number;
  /** the gateway that claimed the sending, and when */
  claim?: { by: string; at: number };
  /** delivery attempts that never reached the upstream (connection refused), and when to try again */
  attempts: number;
  nextAttemptAt?: number;
  /** what the upstream answered, or why it was not sent */
  result?: { status?: number; contentType?: string; body?: string; error?: string; at: number };
  /** when the record reached its final state */
  closedAt?: number;
}

export const approvalKey = (id: string) => `approval/${id}`;
export const APPROVAL_PREFIX = 'approval/';

/** The approvers who said yes, in order. */
export function approvedBy(record: ApprovalRecord): string[] {
  return record.decisions.filter((d) => d.decision === 'approve').map((d) => d.by);
}
