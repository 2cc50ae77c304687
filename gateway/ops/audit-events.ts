import { createHash } from 'node:crypto';

/**
 * The `event` field of audit log lines. Values are stable (log routing and alerting key on
 * them): add new ones, never rename. docs/operations.md lists them.
 */
export const AUDIT_EVENTS = {
  /** a session was created after a successful login (any authenticator) */
  login: 'login',
  /** wrong credentials at a login form, Basic, or a refused SAML response */
  loginFailed: 'login-failed',
  /** a session was ended by its user (or by single logout) */
  logout: 'logout',
  /** a user ended another of their own sessions from the account page */
  sessionEnded: 'session-ended',
  /** a request refused by a route's chain (401, 403, 429) */
  refusal: 'refusal',
  /** an account or address reached its failure limit and is locked for a while */
  lockout: 'lockout',
  /** the gateway started signing with another key (start-up with a new key, or a reload) */
  keyRotation: 'key-rotation',
  /** a SIGHUP (or certificate file change) was applied, or refused */
  configReload: 'config-reload',
  /** an approval filter held a request (who asked, which route, who may decide) */
  approvalRequested: 'approval-requested',
  /** an approver approved or rejected a held request (with their comment) */
  approvalDecided: 'approval-decided',
  /** a held request was sent upstream after its approval, with the upstream's status */
  approvalSent: 'approval-sent',
  /** a held request expired undecided, or could not be sent: it was never sent */
  approvalClosed: 'approval-closed',
  /** credential values read from the vault (names, owner, actor, engine; never a value) */
  credentialRead: 'credential-read',
  /** a credential stored or replaced */
  credentialWrite: 'credential-write',
  /** a credential removed */
  credentialRemove: 'credential-remove',
  /** a user's credential names listed */
  credentialList: 'credential-list',
  /** a data key moved to the active master key (`vault rotate-key`) */
  vaultRotation: 'vault-rotation',
} as const;

export type AuditEvent = (typeof AUDIT_EVENTS)[keyof typeof AUDIT_EVENTS];

/**
 * What a failed login's log line says about the name typed: a short digest, never the
 * text (people type their password into the user name field). The same name gives the
 * same digest, so repeated attempts on one account can still be correlated.
 */
export function loginDigest(login: string): string {
  return `sha256:${createHash('sha256').update(login).digest('hex').slice(0, 16)}`;
}
