/**
 * An LDAP directory as an identity backend, through the endpoint pool and the result cache.
 * ldapts is loaded on the first call only (see ldap-connection.ts), so importing
 * engine-client does not load it.
 */
import { OptionsError } from '../errors.js';
import { AllEndpointsDownError, EndpointPool } from '../pool/index.js';
import { IdentityBackendError } from './errors.js';
import { openLdap, type LdapSession, type LdapTlsMaterial } from './ldap-connection.js';
import {
  findUser,
  firstValue,
  groupMembers,
  identityAttributes,
  resolveGroups,
  type LdapDirectorySettings,
  type LdapGroupSettings,
} from './ldap-directory.js';
import { ResultCache } from './result-cache.js';
import { IDENTITY_BACKEND_DEFAULTS, type CacheOptions, type CallOptions, type IdentityBackend, type IdentityRecord, type PoolOptions } from './types.js';

export interface LdapIdentityBackendOptions {
  name?: string;
  /** `ldap://` or `ldaps://` URLs */
  endpoints: string[];
  /**
   * The technical user: a service account bound before each lookup (anonymous when absent).
   * With `tls.cert`/`tls.key` the connection also presents a client certificate.
   */
  bindDn?: string;
  bindPassword?: string;
  tls?: LdapTlsMaterial;
  pool?: PoolOptions;
  cache?: CacheOptions | false;
  connectTimeoutMs?: number;
  /** limit per LDAP operation */
  requestTimeoutMs?: number;
  directory: Partial<Omit<LdapDirectorySettings, 'groups'>> & { searchBase: string; groups?: Partial<LdapGroupSettings> };
}

const DIRECTORY_DEFAULTS: Omit<LdapDirectorySettings, 'searchBase'> = {
  searchScope: 'sub',
  userFilter: '(&(objectClass=person)(uid={login}))',
  loginAttribute: 'uid',
  attributes: { firstName: 'givenName', lastName: 'sn', email: 'mail' },
  groups: {
    source: 'search',
    attribute: 'memberOf',
    filter: '(|(&(objectClass=groupOfNames)(member={dn}))(&(objectClass=groupOfUniqueNames)(uniqueMember={dn})))',
    nameAttribute: 'cn',
    nested: 'off',
    adNestedFilter: '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:={dn}))',
    maxDepth: 5,
    maxGroups: 500,
  },
};

export function createLdapIdentityBackend(options: LdapIdentityBackendOptions): IdentityBackend {
  if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) throw new OptionsError('endpoints', 'at least one LDAP URL is needed');
  options.endpoints.forEach((e, i) => {
    if (!/^ldaps?:\/\/[^/]+\/?$/.test(e)) throw new OptionsError(`endpoints[${i}]`, 'must be an ldap:// or ldaps:// URL without a path');
  });
  if (options.bindDn !== undefined && !options.bindPassword) throw new OptionsError('bindPassword', 'is required with bindDn');
  if (typeof options.directory?.searchBase !== 'string' || options.directory.searchBase === '') {
    throw new OptionsError('directory.searchBase', 'must be a non-empty string');
  }
  const D = IDENTITY_BACKEND_DEFAULTS;
  const name = options.name ?? 'ldap-identity-backend';
  const directory: LdapDirectorySettings = {
    ...DIRECTORY_DEFAULTS,
    ...options.directory,
    groups: { ...DIRECTORY_DEFAULTS.groups, ...options.directory.groups },
  };
  const connectTimeoutMs = options.connectTimeoutMs ?? D.connectTimeoutMs;
  const operationTimeoutMs = options.requestTimeoutMs ?? D.requestTimeoutMs;
  const pool = new EndpointPool<string>({
    name,
    endpoints: options.endpoints.map((url) => ({ id: url, target: url })),
    loadBalance: options.pool?.loadBalance ?? D.loadBalance,
    sticky: options.pool?.sticky ?? D.sticky,
    retryIntervalMs: options.pool?.retryIntervalMs ?? D.retryIntervalMs,
  });
  const cache = new ResultCache(options.cache);

  async function withDirectory<V>(key: string, work: (s: LdapSession) => Promise<V>): Promise<V> {
    try {
      return await pool.run(
        async (url) => {
          const session = await openLdap({ url, connectTimeoutMs, operationTimeoutMs, tls: options.tls });
          try {
            if (options.bindDn && !(await session.bind(options.bindDn, options.bindPassword!))) {
              throw new IdentityBackendError('IDENTITY_BACKEND_REFUSED', `${name}: the directory refused the service account`);
            }
            return await work(session);
          } finally {
            await session.close();
          }
        },
        { key },
      );
    } catch (err) {
      if (err instanceof AllEndpointsDownError) throw new IdentityBackendError('IDENTITY_BACKEND_UNAVAILABLE', `${name}: no directory server is reachable`, { cause: err });
      if (err instanceof IdentityBackendError) throw err;
      throw new IdentityBackendError('IDENTITY_BACKEND_BAD_ANSWER', `${name}: the directory answered an error`, { cause: err });
    }
  }

  const lookupUser = (login: string, withGroups: boolean) => async (session: LdapSession): Promise<IdentityRecord | null> => {
    const lookup = await findUser(session, directory, login);
    if (lookup.found === null) return null;
    const entry = lookup.found;
    return {
      loginId: firstValue(entry, directory.loginAttribute) ?? login,
      attributes: identityAttributes(entry, directory),
      groups: withGroups ? await resolveGroups(session, directory, entry, login) : [],
    };
  };

  return {
    kind: 'ldap',
    name,
    getUser: (login, o: CallOptions = {}) =>
      cache.get(`user\u0000${login}`, () => withDirectory(o.stickyKey ?? login, lookupUser(login, true)), o.noCache),
    getGroups: (login, o: CallOptions = {}) =>
      cache.get(
        `groups\u0000${login}`,
        () => withDirectory(o.stickyKey ?? login, async (s) => (await lookupUser(login, true)(s))?.groups ?? null),
        o.noCache,
      ),
    getGroupMembers: (group, o: CallOptions = {}) =>
      cache.get(`members\u0000${group}`, () => withDirectory(o.stickyKey ?? group, (s) => groupMembers(s, directory, group)), o.noCache),
    state: () => pool.state(),
    cacheStats: () => cache.stats(),
    clearCache: () => cache.clear(),
    close: async () => undefined,
  };
}
