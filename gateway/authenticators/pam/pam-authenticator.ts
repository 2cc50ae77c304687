import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { PamAuthenticatorConfig } from '@portcullis/config/schema/pam.js';
import { GatewayError, errors } from '../../errors.js';
import { LoginRefusedError } from '../login-refusal.js';
import { applyRoleMapping } from '../role-mapping.js';
import type { AuthenticatedUser, AuthenticatorContext, PasswordAuthenticator } from '../types.js';
import { PAM, loadPamBinding, type PamCall } from './pam-binding.js';

const PAM_DIRS = ['/etc/pam.d', '/usr/lib/pam.d', '/lib/pam.d'];
/** what a system account name may look like (POSIX portable names, plus what NSS backends allow) */
const ACCOUNT_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.@-]{0,255}$/;

/**
 * System accounts through PAM. The service's stacks run in libuv's thread pool, at most
 * `maxConcurrent` at a time; failures answer no sooner than `failureFloorMs`, so an unknown
 * user and a wrong password take alike. PAM says more than right or wrong: an expired account
 * or password is only reported after the account stack ran, which happens only when the
 * password was right, so the user learns what to do and a guesser learns nothing.
 */
export async function createPamAuthenticator(config: PamAuthenticatorConfig, ctx: AuthenticatorContext, deps: { pam?: PamCall } = {}): Promise<PasswordAuthenticator> {
  const path = `authenticators[${config.name}]`;
  if (!PAM_DIRS.some((dir) => existsSync(`${dir}/${config.service}`))) {
    throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}.service: there is no PAM service '${config.service}' (no ${PAM_DIRS.map((d) => `${d}/${config.service}`).join(' or ')})`);
  }
  const pam = deps.pam ?? loadPamBinding(path);
  const log = ctx.log.child({ authenticator: config.name });
  const slots = new Semaphore(config.maxConcurrent);

  const withTimeout = <T>(work: Promise<T>, what: string): Promise<T> => {
    let timer: NodeJS.Timeout;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(errors.backendUnavailable(`${what} did not answer within ${config.timeoutMs} ms`)), config.timeoutMs);
    });
    return Promise.race([work, timeout]).finally(() => clearTimeout(timer));
  };

  return {
    kind: 'password',
    type: 'pam',
    name: config.name,
    async verify(login, password, loginCtx): Promise<AuthenticatedUser | null> {
      const started = Date.now();
      const fail = async () => {
        const wait = config.failureFloorMs - (Date.now() - started);
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
        return null;
      };
      // names PAM would read as options, or that no account can have, are wrong passwords
      if (!ACCOUNT_NAME.test(login) || password === '') return fail();
      const code = await withTimeout(
        slots.run(() => pam({ username: login, password, serviceName: config.service, remoteHost: loginCtx.clientAddress })),
        `PAM service '${config.service}'`,
      );
      switch (code) {
        case PAM.SUCCESS:
          break;
        case PAM.AUTH_ERR:
        case PAM.USER_UNKNOWN:
        case PAM.MAXTRIES:
        case PAM.CRED_INSUFFICIENT:
        case PAM.PERM_DENIED:
          return fail();
        case PAM.NEW_AUTHTOK_REQD:
        case PAM.AUTHTOK_EXPIRED:
        case PAM.CRED_EXPIRED:
          throw new LoginRefusedError('GW_PASSWORD_EXPIRED');
        case PAM.ACCT_EXPIRED:
          throw new LoginRefusedError('GW_ACCOUNT_EXPIRED');
        default:
          log.error({ event: 'pam-error', pamCode: code, service: config.service }, 'PAM could not check the login');
          throw errors.backendUnavailable(`the PAM service '${config.service}' failed (PAM code ${code})`);
      }
      const groups = config.groupsAsRoles ? await withTimeout(systemGroupsOf(login), 'the group lookup') : [];
      return {
        loginId: login,
        roles: applyRoleMapping(groups, config.roleMapping),
        groups,
        attributes: {},
        level: 'auth.weak',
        amr: ['pwd'],
        authenticator: config.name,
      };
    },
  };
}

/** The account's groups from the system group database (NSS: files, LDAP, sssd...). */
export function systemGroupsOf(login: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    execFile('id', ['-Gn', '--', login], { timeout: 5000 }, (err, stdout) => {
      if (err) return reject(errors.backendUnavailable('the system group lookup failed', err));
      resolve([...new Set(stdout.trim().split(/\s+/).filter((g) => g !== ''))].sort());
    });
  });
}

/** At most `size` PAM conversations at once: they hold a thread of node's pool each. */
class Semaphore {
  private free: number;
  private readonly waiting: Array<() => void> = [];
  constructor(size: number) {
    this.free = size;
  }
  async run<T>(work: () => Promise<T>): Promise<T> {
    if (this.free === 0) await new Promise<void>((r) => this.waiting.push(r));
    else this.free--;
    try {
      return await work();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free++;
    }
  }
}
