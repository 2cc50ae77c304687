import type { LdapAuthenticatorConfig } from '@portcullis/config/schema/ldap.js';
import { openLdap, type LdapSession } from '@portcullis/engine-client/ldap';
import {
  findUser,
  firstValue,
  identityAttributes,
  readEntry,
  resolveGroups,
  userAttributes,
  userDnFor,
} from '@portcullis/engine-client/ldap';
import type { LdapEntry } from '@portcullis/engine-client/ldap';
import { AllEndpointsDownError, EndpointPool, type EndpointState } from '@portcullis/engine-client/pool';
import { EndpointUnreachableError, failureLabel } from '@portcullis/engine-client/pool';
import { applyRoleMapping } from '../role-mapping.js';
import type { AuthenticatedUser, AuthenticatorContext, LoginContext, PasswordAuthenticator } from '../types.js';
import { LdapAuthenticatorError } from './errors.js';
import { LoginRefusedError } from '../login-refusal.js';
import { AD_BIND_REASONS, AD_BIND_REASONS_LOGGED } from './ad-bind-reasons.js';
import { loadLdapSettings, type LdapRuntimeSettings } from './settings.js';

/** An RDN no directory has: an unknown user costs one failing bind, like a wrong password. */
const NO_SUCH_USER = 'portcullis-no-such-user-7f3a';

export interface LdapAuthenticator extends PasswordAuthenticator {
  readonly type: 'ldap';
  /** each LDAP server's state: up/down, since when, retry time, counts */
  state(): EndpointState[];
}

/**
 * Log in against LDAP / Active Directory: search the user with the service account, then
 * bind as the user's DN with the password (or bind straight to `userDnPattern`). Groups come
 * from an attribute or a group search and map to roles like file users' roles do.
 *
 * Answers null for a wrong password, an unknown user, an ambiguous login and an empty
 * password (refused before anything is sent: an empty password is an unauthenticated bind
 * that many servers accept). Servers sit in an endpoint pool: a server that cannot be
 * reached is marked down and the login moves to the next; an answer never fails over.
 */
export async function createLdapAuthenticator(config: LdapAuthenticatorConfig, ctx: AuthenticatorContext): Promise<LdapAuthenticator> {
  const log = ctx.log.child({ authenticator: config.name });
  const settings = await loadLdapSettings(config, ctx.configDir);
  const pool = new EndpointPool<string>({
    name: config.name,
    endpoints: config.servers.map((url) => ({ id: url, target: url })),
    loadBalance: config.pool.loadBalance,
    sticky: config.pool.sticky,
    retryIntervalMs: config.pool.retryIntervalSeconds * 1000,
    // a down server is probed (connect + service bind) when its retry interval has passed, without waiting for a login
    probe: (url) => withSession(url, config, settings, (session) => serviceBind(session, config, settings)),
    onEvent: (e) => {
      if (e.type === 'down') log.warn({ server: e.endpoint, failure: e.failure, retryAt: e.retryAt }, 'LDAP server marked down; trying the next one');
      else log.info({ server: e.endpoint, downSince: e.downSince }, 'LDAP server answers again');
    },
  });

  const verifyOn = (url: string, login: string, password: string, lctx?: LoginContext) =>
    withSession(url, config, settings, (session) => authenticate(session, config, settings, login, password, lctx ?? null, log));

  return {
    kind: 'password',
    type: 'ldap',
    name: config.name,
    async verify(login, password, lctx): Promise<AuthenticatedUser | null> {
      if (typeof login !== 'string' || typeof password !== 'string') return null;
      if (password.length === 0) return null;
      if (login.length === 0 || login.length > config.maxLoginLength) return null;
      try {
        return await pool.run((url) => verifyOn(url, login, password, lctx), { key: login.toLowerCase() });
      } catch (err) {
        if (err instanceof AllEndpointsDownError) {
          log.error({ down: err.down }, 'LDAP login impossible: no server is reachable');
          throw new LdapAuthenticatorError('GW_LDAP_UNAVAILABLE', `${config.name}: the directory cannot be reached; try again later`, err);
        }
        if (err instanceof LdapAuthenticatorError || err instanceof LoginRefusedError) throw err;
        log.error({ failure: failureLabel(err) }, 'LDAP login failed: unexpected answer from the directory');
        throw new LdapAuthenticatorError('GW_LDAP_DIRECTORY_ERROR', `${config.name}: the directory answered an error`, err);
      }
    },
    async lookup(loginId): Promise<AuthenticatedUser | null> {
      try {
        return await pool.run((url) => withSession(url, config, settings, (session) => lookupUser(session, config, settings, loginId)), { key: loginId.toLowerCase() });
      } catch (err) {
        if (err instanceof AllEndpointsDownError) throw new LdapAuthenticatorError('GW_LDAP_UNAVAILABLE', `${config.name}: the directory cannot be reached; try again later`, err);
        throw err;
      }
    },
    state: () => pool.state(),
    async close() {
      pool.close();
    },
  };
}

/** The user's entry and groups now, read with the service account (session re-checks). Null: the entry is gone. */
async function lookupUser(session: LdapSession, config: LdapAuthenticatorConfig, settings: LdapRuntimeSettings, loginId: string): Promise<AuthenticatedUser | null> {
  await serviceBind(session, config, settings);
  const entry = config.userDnPattern ? await readEntry(session, userDnFor(config, loginId), userAttributes(config)) : (await findUser(session, config, loginId)).found;
  if (!entry) return null;
  return userFromEntry(entry, await resolveGroups(session, config, entry, loginId), loginId, config);
}

function userFromEntry(entry: LdapEntry, groups: string[], login: string, config: LdapAuthenticatorConfig): AuthenticatedUser {
  return {
    loginId: firstValue(entry, config.loginAttribute) ?? login,
    roles: applyRoleMapping(groups, config.roleMapping),
    groups,
    attributes: identityAttributes(entry, config),
    level: 'auth.weak',
    amr: ['pwd', 'ldap'],
    authenticator: config.name,
    extra: { dn: entry.dn },
  };
}

async function withSession<R>(url: string, config: LdapAuthenticatorConfig, settings: LdapRuntimeSettings, work: (s: LdapSession) => Promise<R>): Promise<R> {
  const session = await openLdap({
    url,
    connectTimeoutMs: config.connectTimeoutMs,
    operationTimeoutMs: config.operationTimeoutMs,
    tls: settings.tls,
  });
  try {
    return await work(session);
  } finally {
    await session.close();
  }
}

async function serviceBind(session: LdapSession, config: LdapAuthenticatorConfig, settings: LdapRuntimeSettings): Promise<void> {
  if (!config.bindDn) return;
  if (!(await session.bind(config.bindDn, settings.bindPassword!))) {
    throw new LdapAuthenticatorError('GW_LDAP_SERVICE_BIND_FAILED', `${config.name}: the directory refused the service account (bindDn)`);
  }
}

/** One login attempt on one server. Null means "no": unknown, ambiguous or wrong password. */
async function authenticate(
  session: LdapSession,
  config: LdapAuthenticatorConfig,
  settings: LdapRuntimeSettings,
  login: string,
  password: string,
  lctx: LoginContext | null,
  log: AuthenticatorContext['log'],
): Promise<AuthenticatedUser | null> {
  let entry: LdapEntry | null;
  if (config.userDnPattern) {
    const dn = userDnFor(config, login);
    const outcome = await session.bindOutcome(dn, password);
    if (!outcome.ok) return refusedBind(outcome.adReason, config.name, lctx?.log ?? log);
    entry = await readEntry(session, dn, userAttributes(config));
    if (!entry) return null;
    await serviceBind(session, config, settings);
  } else {
    await serviceBind(session, config, settings);
    const lookup = await findUser(session, config, login);
    if (lookup.found === null) {
      // same answer as a wrong password; the operator learns about a too-wide filter
      if (lookup.reason === 'ambiguous') (lctx?.log ?? log).warn({ user: login }, 'LDAP login refused: the user filter matches more than one entry');
      // the same round trips as a wrong password, so timing does not tell who exists
      await session.bind(`cn=${NO_SUCH_USER},${config.searchBase}`, password).catch((err) => {
        if (err instanceof EndpointUnreachableError) throw err; // a dead server still fails over
        return false;
      });
      return null;
    }
    entry = lookup.found;
    const outcome = await session.bindOutcome(entry.dn, password);
    if (!outcome.ok) return refusedBind(outcome.adReason, config.name, lctx?.log ?? log);
    // groups are read with the service account's rights, not the user's
    await serviceBind(session, config, settings);
  }
  const groups = await resolveGroups(session, config, entry, login);
  return userFromEntry(entry, groups, login, config);
}

/** A refused user bind: a wrong password (null), or a reason AD lets the user know. */
function refusedBind(adReason: string | undefined, authenticator: string, log: Pick<AuthenticatorContext['log'], 'info'>): null {
  if (adReason === undefined) return null;
  const code = AD_BIND_REASONS[adReason];
  if (code) {
    log.info({ event: 'login-refused', authenticator, adReason }, 'the directory refused a login with the right password');
    throw new LoginRefusedError(code);
  }
  const note = AD_BIND_REASONS_LOGGED[adReason];
  if (note) log.info({ event: 'login-failed', authenticator, adReason }, note);
  return null;
}
