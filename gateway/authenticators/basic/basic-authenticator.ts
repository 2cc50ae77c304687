import { createHmac, randomBytes } from 'node:crypto';
import { AUDIT_EVENTS, loginDigest } from '../../ops/audit-events.js';
import type { FastifyRequest } from 'fastify';
import { LRUCache } from 'lru-cache';
import type { BasicAuthenticatorConfig } from '@portcullis/config/schema/technical.js';
import { DEFAULTS } from '@portcullis/config/defaults.js';
import { GatewayError, errors } from '../../errors.js';
import { LoginThrottle } from '../../login/throttle.js';
import type { AuthenticatedUser, AuthenticatorContext, PasswordAuthenticator, RequestAuthenticator } from '../types.js';
import { loginNameForLog } from '../../login/login-log-name.js';
import { readBasicCredentials } from './basic-credentials.js';

/**
 * HTTP Basic for API clients: each request carries its credentials, checked against the
 * users of a `file` or `ldap` authenticator. No session and no cookie.
 *
 * Successful checks are remembered for `cacheSeconds` under an HMAC of login and password
 * with a key that lives only in this process's memory: the password itself is never kept,
 * and the digest is useless without the key. A changed or disabled password therefore stays
 * usable for at most `cacheSeconds`.
 *
 * Failures count against the same per-user and per-address lockout as the login form (the
 * same counters in the shared store), and a locked-out login gets 429 with Retry-After.
 */
export function createBasicAuthenticator(config: BasicAuthenticatorConfig, ctx: AuthenticatorContext): RequestAuthenticator {
  const path = `authenticators[${config.name}].users`;
  const target = ctx.byName(config.users);
  if (!target) throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}: no authenticator named '${config.users}' is configured before this one`);
  if (target.kind !== 'password') {
    throw new GatewayError('GW_AUTHENTICATOR_INVALID', 500, `${path}: '${config.users}' is a ${target.type} authenticator; Basic needs file or ldap users`);
  }
  const users: PasswordAuthenticator = target;
  const throttle = new LoginThrottle(ctx.sharedStore, ctx.loginThrottle ?? DEFAULTS.loginThrottle, Date.now, ctx.onLockout);
  const clientAddress = ctx.clientAddress ?? ((request: FastifyRequest) => request.socket.remoteAddress ?? 'unknown');
  const log = ctx.log.child({ authenticator: config.name });
  const challenge = `Basic realm="${config.realm}", charset="UTF-8"`;
  const cacheKey = randomBytes(32);
  const cache =
    config.cacheSeconds > 0 ? new LRUCache<string, AuthenticatedUser>({ max: config.cacheMaxEntries, ttl: config.cacheSeconds * 1000 }) : undefined;

  const invalid = () => new GatewayError('GW_BASIC_INVALID', 401, 'the user name or password is wrong', { headers: { 'www-authenticate': challenge } });

  return {
    kind: 'request',
    type: 'basic',
    name: config.name,
    async authenticate(request) {
      if (config.pathPrefixes && !config.pathPrefixes.some((p) => request.url.startsWith(p))) return null;
      const credentials = readBasicCredentials(request.headers.authorization);
      if (!credentials) return null;
      const { login, password } = credentials;
      const address = clientAddress(request);
      const wait = await throttle.retryAfter(login, address);
      if (wait > 0) throw errors.loginThrottled(wait);

      const key = createHmac('sha256', cacheKey).update(login).update('\u0000').update(password).digest('base64url');
      const cached = cache?.get(key);
      if (cached) return cached;

      // counted before the password is checked: concurrent guesses cannot race past the limit
      const admission = await throttle.admit(login, address);
      if (admission.retryAfter > 0) throw errors.loginThrottled(admission.retryAfter);
      const verified = await users.verify(login, password, { clientAddress: address, log: request.log });
      if (!verified) {
        const locked = await throttle.recordFailure(login, address, admission);
        log.info({ event: locked > 0 ? AUDIT_EVENTS.lockout : AUDIT_EVENTS.loginFailed, authenticator: 'basic', login: await loginNameForLog(login, [users]), clientAddress: address, locked: locked > 0 }, 'HTTP Basic credentials refused');
        ctx.countLogin?.(config.name, locked > 0 ? 'locked' : 'failure');
        if (locked > 0) throw errors.loginThrottled(locked);
        throw invalid();
      }
      const accountLocked = await throttle.accountLockedFor(verified.loginId);
      if (accountLocked > 0) throw errors.loginThrottled(accountLocked);
      await throttle.recordSuccess(login, verified.loginId);
      ctx.countLogin?.(config.name, 'success');
      const user: AuthenticatedUser = { ...verified, amr: ['basic'], authenticator: config.name };
      cache?.set(key, user);
      return user;
    },
  };
}
