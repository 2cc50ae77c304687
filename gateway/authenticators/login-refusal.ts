import { GatewayError } from '../errors.js';

/**
 * A login whose credentials were checked but that is refused all the same: the account is
 * locked or disabled, its password expired or must be changed, or the user mapping said no.
 * Only raised once the password is known to be right (or where the directory says so
 * without revealing whether the account exists), so the message may tell the user why.
 * Not counted as a failed password.
 */
export class LoginRefusedError extends GatewayError {
  constructor(code: LoginRefusalCode, options: { cause?: unknown } = {}) {
    super(code, 403, LOGIN_REFUSALS[code], options);
    this.name = 'LoginRefusedError';
  }
}

export const LOGIN_REFUSALS = {
  GW_LOGIN_REFUSED: 'Sign-in was refused. Ask your administrator if this persists.',
  GW_PASSWORD_EXPIRED: 'Your password has expired. Change it, then sign in again.',
  GW_PASSWORD_MUST_CHANGE: 'You must change your password before you can sign in.',
  GW_ACCOUNT_LOCKED: 'Your account is locked. Ask your administrator to unlock it.',
  GW_ACCOUNT_DISABLED: 'Your account is disabled. Ask your administrator.',
  GW_ACCOUNT_EXPIRED: 'Your account has expired. Ask your administrator.',
  GW_ACCOUNT_RESTRICTED: 'Your account may not sign in at this time or from this place.',
} as const;
export type LoginRefusalCode = keyof typeof LOGIN_REFUSALS;

export function isLoginRefusal(err: unknown): err is LoginRefusedError {
  return err instanceof LoginRefusedError;
}
