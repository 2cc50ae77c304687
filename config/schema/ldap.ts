import { z } from 'zod';
import { roleMappingSchema, secretRef } from './common.js';

/**
 * Every default of the LDAP authenticator, in one place (issue 3). Kept beside its schema so
 * the LDAP work does not collide with `config/defaults.ts`; the README table lists these.
 */
export const LDAP_DEFAULTS = {
  /** `uid` for OpenLDAP; Active Directory uses `(&(objectClass=user)(sAMAccountName={login}))` */
  userFilter: '(&(objectClass=person)(uid={login}))',
  searchScope: 'sub',
  /** attribute whose value becomes the session's loginId (the directory's spelling of the login) */
  loginAttribute: 'uid',
  /** identity attribute → directory attribute */
  attributes: { firstName: 'givenName', lastName: 'sn', email: 'mail' } as Record<string, string>,
  groups: {
    source: 'search',
    attribute: 'memberOf',
    /** `{dn}` is the member's DN, `{login}` the login; both escaped (RFC 4515) */
    filter: '(|(&(objectClass=groupOfNames)(member={dn}))(&(objectClass=groupOfUniqueNames)(uniqueMember={dn})))',
    /** Active Directory's LDAP_MATCHING_RULE_IN_CHAIN resolves nesting on the server */
    adNestedFilter: '(&(objectClass=group)(member:1.2.840.113556.1.4.1941:={dn}))',
    nameAttribute: 'cn',
    nested: 'off',
    maxDepth: 5,
    maxGroups: 500,
  },
  connectTimeoutMs: 5_000,
  operationTimeoutMs: 5_000,
  pool: {
    loadBalance: false,
    sticky: true,
    retryIntervalSeconds: 30,
  },
  /** a login longer than this is refused without asking the directory */
  maxLoginLength: 256,
} as const;

const ldapUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return (u.protocol === 'ldap:' || u.protocol === 'ldaps:') && u.hostname !== '' && (u.pathname === '' || u.pathname === '/');
  } catch {
    return false;
  }
}, 'must be an ldap:// or ldaps:// URL with host and optional port, no path');

const placeholderFilter = (placeholder: string) =>
  z
    .string()
    .refine((v) => v.startsWith('(') && v.endsWith(')'), 'must be an LDAP filter in parentheses')
    .refine((v) => v.includes(placeholder), `must contain the ${placeholder} placeholder`);

export const ldapTlsSchema = z.strictObject({
  /** PEM file of the CA(s) that sign the directory's certificate; the system store when absent */
  caFile: z.string().min(1).optional(),
  /** check that the certificate names the server (host of the URL, or `serverName`) */
  checkServerName: z.boolean().default(true),
  /** name expected in the server certificate when the URL uses an address or an alias */
  serverName: z.string().min(1).optional(),
  /** client certificate presented to the directory (TLS client authentication) */
  certFile: z.string().min(1).optional(),
  keyFile: z.string().min(1).optional(),
  keyPassphrase: secretRef.optional(),
  /** upgrade `ldap://` connections with StartTLS before anything is sent */
  startTls: z.boolean().default(false),
  minVersion: z.enum(['TLSv1.2', 'TLSv1.3']).default('TLSv1.2'),
}).refine((t) => (t.certFile === undefined) === (t.keyFile === undefined), {
  message: 'certFile and keyFile go together',
  path: ['certFile'],
});
export type LdapTlsConfig = z.infer<typeof ldapTlsSchema>;

export const ldapGroupsSchema = z.strictObject({
  /** `attribute`: read group DNs from the user entry; `search`: search groups naming the user; `none` */
  source: z.enum(['attribute', 'search', 'none']).default(LDAP_DEFAULTS.groups.source),
  /** user attribute holding group DNs (OpenLDAP needs the memberof overlay for `memberOf`) */
  attribute: z.string().min(1).default(LDAP_DEFAULTS.groups.attribute),
  /** where groups are searched; the user search base when absent */
  searchBase: z.string().min(1).optional(),
  filter: placeholderFilter('{dn}').or(placeholderFilter('{login}')).default(LDAP_DEFAULTS.groups.filter),
  /** group attribute used as the group's name (also the first RDN's attribute for `attribute`) */
  nameAttribute: z.string().min(1).default(LDAP_DEFAULTS.groups.nameAttribute),
  /**
   * Nested groups. `ad`: one search with the AD in-chain matching rule (Active Directory only);
   * `recursive`: a bounded breadth-first group search, for OpenLDAP and every other server.
   */
  nested: z.enum(['off', 'ad', 'recursive']).default(LDAP_DEFAULTS.groups.nested),
  adNestedFilter: placeholderFilter('{dn}').default(LDAP_DEFAULTS.groups.adNestedFilter),
  maxDepth: z.number().int().min(1).max(20).default(LDAP_DEFAULTS.groups.maxDepth),
  maxGroups: z.number().int().min(1).default(LDAP_DEFAULTS.groups.maxGroups),
});
export type LdapGroupsConfig = z.infer<typeof ldapGroupsSchema>;

export const ldapPoolSchema = z.strictObject({
  /** spread logins round-robin over healthy servers; otherwise the first healthy one serves */
  loadBalance: z.boolean().default(LDAP_DEFAULTS.pool.loadBalance),
  /** keep one user on the server that served them while it is healthy */
  sticky: z.boolean().default(LDAP_DEFAULTS.pool.sticky),
  /** a server marked down is tried again after this long (fractions allowed) */
  retryIntervalSeconds: z.number().positive().default(LDAP_DEFAULTS.pool.retryIntervalSeconds),
});

export const ldapAuthenticatorSchema = z
  .strictObject({
    type: z.literal('ldap'),
    name: z.string().min(1).default('ldap'),
    /** one or more servers; the pool spreads and fails over between them */
    servers: z.array(ldapUrl).min(1, 'at least one LDAP server is needed'),
    /** service account used to find users; anonymous search when absent */
    bindDn: z.string().min(1).optional(),
    bindPassword: secretRef.optional(),
    searchBase: z.string().min(1),
    searchScope: z.enum(['base', 'one', 'sub']).default(LDAP_DEFAULTS.searchScope),
    userFilter: placeholderFilter('{login}').default(LDAP_DEFAULTS.userFilter),
    /**
     * Bind straight as this DN instead of searching, e.g. `uid={login},ou=people,dc=example,dc=org`
     * (the login is escaped per RFC 4514). The user's own entry is then read as the user.
     */
    userDnPattern: z.string().includes('{login}', { message: 'must contain the {login} placeholder' }).optional(),
    loginAttribute: z.string().min(1).default(LDAP_DEFAULTS.loginAttribute),
    /** identity attribute (firstName, email, ...) → directory attribute */
    attributes: z.record(z.string(), z.string().min(1)).default(() => ({ ...LDAP_DEFAULTS.attributes })),
    groups: ldapGroupsSchema.default(() => ldapGroupsSchema.parse({})),
    roleMapping: roleMappingSchema.default({ map: {}, keepUnmapped: true, defaultRoles: [] }),
    tls: ldapTlsSchema.default(() => ldapTlsSchema.parse({})),
    connectTimeoutMs: z.number().int().positive().default(LDAP_DEFAULTS.connectTimeoutMs),
    operationTimeoutMs: z.number().int().positive().default(LDAP_DEFAULTS.operationTimeoutMs),
    pool: ldapPoolSchema.default(() => ldapPoolSchema.parse({})),
    maxLoginLength: z.number().int().min(1).max(4096).default(LDAP_DEFAULTS.maxLoginLength),
  })
  .refine((c) => c.bindDn === undefined || c.bindPassword !== undefined, {
    message: 'bindPassword is required with bindDn',
    path: ['bindPassword'],
  })
  .refine((c) => !c.tls.startTls || c.servers.every((s) => s.startsWith('ldap://')), {
    message: 'startTls applies to ldap:// servers only (ldaps:// is TLS already)',
    path: ['tls', 'startTls'],
  });

export type LdapAuthenticatorConfig = z.infer<typeof ldapAuthenticatorSchema>;
export type LdapAuthenticatorInput = z.input<typeof ldapAuthenticatorSchema>;
