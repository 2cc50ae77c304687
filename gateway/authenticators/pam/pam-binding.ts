import { createRequire } from 'node:module';
import { GatewayError } from '../../errors.js';

/** The few PAM return codes the gateway tells apart (Linux-PAM's _pam_types.h). */
export const PAM = {
  SUCCESS: 0,
  OPEN_ERR: 1,
  SYMBOL_ERR: 2,
  SERVICE_ERR: 3,
  SYSTEM_ERR: 4,
  BUF_ERR: 5,
  PERM_DENIED: 6,
  AUTH_ERR: 7,
  CRED_INSUFFICIENT: 8,
  AUTHINFO_UNAVAIL: 9,
  USER_UNKNOWN: 10,
  MAXTRIES: 11,
  NEW_AUTHTOK_REQD: 12,
  ACCT_EXPIRED: 13,
  CRED_UNAVAIL: 15,
  CRED_EXPIRED: 16,
  CONV_ERR: 19,
  AUTHTOK_EXPIRED: 27,
} as const;

export interface PamCheck {
  username: string;
  password: string;
  serviceName: string;
  remoteHost?: string;
}

/** pam_authenticate then pam_acct_mgmt, in a worker thread; resolves with the PAM code. */
export type PamCall = (check: PamCheck) => Promise<number>;

interface NodeLinuxPam {
  pamAuthenticate(options: Record<string, string>, callback: (err: unknown, code: number) => void): void;
}

/**
 * Load the native binding. It is an optional dependency of the gateway (it needs libpam's
 * headers to build), so a gateway without PAM configured never loads it, and one with PAM
 * configured but no binding stops at start-up saying how to get it.
 */
export function loadPamBinding(path: string): PamCall {
  let binding: NodeLinuxPam;
  try {
    binding = createRequire(import.meta.url)('node-linux-pam') as NodeLinuxPam;
  } catch (cause) {
    throw new GatewayError(
      'GW_AUTHENTICATOR_INVALID',
      500,
      `${path}: the PAM binding (node-linux-pam) is not installed or did not build: install libpam0g-dev (Debian) or pam-devel, then run npm install again`,
      { cause },
    );
  }
  return (check) =>
    new Promise((resolve) => {
      const options: Record<string, string> = { username: check.username, password: check.password, serviceName: check.serviceName };
      if (check.remoteHost) options.remoteHost = check.remoteHost;
      binding.pamAuthenticate(options, (err, code) => resolve(err ? (typeof code === 'number' ? code : PAM.SYSTEM_ERR) : PAM.SUCCESS));
    });
}
