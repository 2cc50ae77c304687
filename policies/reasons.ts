/**
 * Why a request was refused. Policies and filters return reasons; exactly one place in the
 * gateway (gateway/http/refusal.ts) turns a reason into a redirect, 401 or 403.
 */
export type ReasonCode =
  | 'unauthenticated' // no session: redirect browsers to login, 401 for API clients
  | 'forbidden' // logged in, not allowed
  | 'ip-denied' // the client address is not on the allow list
  | 'level-insufficient' // needs a stronger authentication (auth.strong)
  | 'rate-limited'
  | (string & {});

export interface Reason {
  code: ReasonCode;
  /** safe to show the user: names the rule, never a secret */
  message: string;
  /** for the log only */
  detail?: Record<string, unknown>;
}

export interface Decision {
  allowed: boolean;
  reason: Reason;
}

export const allow = (message: string, detail?: Record<string, unknown>): Decision => ({
  allowed: true,
  reason: { code: 'allowed', message, detail },
});

export const deny = (code: ReasonCode, message: string, detail?: Record<string, unknown>): Decision => ({
  allowed: false,
  reason: { code, message, detail },
});
