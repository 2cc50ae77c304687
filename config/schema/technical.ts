import { isIP } from 'node:net';
import { z } from 'zod';
import { roleMappingSchema, secretRef } from './common.js';

// Owned by the technical-access work (issue 5): trusted header, HTTP Basic, client certificates.

const headerName = z.string().regex(/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/, 'must be a header name');

/** An address, a CIDR range or a preset name; checked here so `check-config` names the entry. */
export const addressOrRange = z.string().refine((entry) => {
  const text = entry.trim();
  if (['loopback', 'private', 'linklocal'].includes(text.toLowerCase())) return true;
  const [address = '', prefix, extra] = text.split('/');
  const family = isIP(address);
  if (family === 0 || extra !== undefined) return false;
  return prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= (family === 4 ? 32 : 128));
}, 'must be an IP address, a CIDR range, or loopback/private/linklocal');

const fingerprint = z.string().regex(/^([0-9A-Fa-f]{2}:?){31}[0-9A-Fa-f]{2}$/, 'must be a SHA-256 fingerprint (64 hex digits, colons optional)');

/**
 * `header`: a user name set by a trusted upstream proxy (an SSO agent, a corporate reverse
 * proxy). Believed only from `trustedProxies` (the socket peer); from anyone else the header
 * is ignored, and it is always stripped before a request goes to an engine.
 */
export const headerAuthenticatorSchema = z.strictObject({
  type: z.literal('header'),
  name: z.string().min(1).default('header'),
  /** header carrying the user name */
  header: headerName.default('x-remote-user'),
  /** optional header carrying comma-separated roles, believed on the same terms */
  rolesHeader: headerName.optional(),
  /** peers allowed to set the header: addresses, CIDR ranges, or loopback/private/linklocal */
  trustedProxies: z.array(addressOrRange).min(1, 'name the proxies allowed to set the header'),
  /** user for requests from a trusted proxy that carry no header (e.g. `guest`); none by default */
  fallbackUser: z.string().min(1).optional(),
  roleMapping: roleMappingSchema.default({ map: {}, keepUnmapped: true, defaultRoles: [] }),
  level: z.enum(['auth.weak', 'auth.strong']).default('auth.weak'),
  /**
   * a module (path relative to the config file) whose default export, or export `mapUser`,
   * maps `(loginId, { roles, headers, clientAddress })` to `{ loginId?, roles?, groups?,
   * attributes? }` or null to refuse
   */
  mapModule: z.string().min(1).optional(),
});

/** `basic`: HTTP Basic for API clients, checked against a file or LDAP authenticator; no cookie. */
export const basicAuthenticatorSchema = z.strictObject({
  type: z.literal('basic'),
  name: z.string().min(1).default('basic'),
  /** name of the `file` or `ldap` authenticator whose users are checked */
  users: z.string().min(1),
  realm: z.string().regex(/^[^"\\\r\n]*$/, 'must not contain quotes, backslashes or line breaks').default('portcullis'),
  /** seconds a successful check is remembered (keyed digest, never the password); 0: no cache */
  cacheSeconds: z.number().int().min(0).max(3600).default(60),
  cacheMaxEntries: z.number().int().positive().default(10_000),
  /** only requests under these path prefixes are looked at; default: every proxied route */
  pathPrefixes: z.array(z.string().regex(/^\//, 'must start with "/"')).optional(),
});

const certificateMatchSchema = z
  .strictObject({
    subject: z.string().min(1).optional(),
    san: z
      .string()
      .regex(/^(DNS|URI|email|IP):.+$/i, 'must be DNS:, URI:, email: or IP: followed by a value')
      .optional(),
    fingerprint256: fingerprint.optional(),
  })
  .refine((m) => m.subject !== undefined || m.san !== undefined || m.fingerprint256 !== undefined, 'needs a subject, a san or a fingerprint256');

export const technicalUserSchema = z.strictObject({
  id: z.string().min(1),
  roles: z.array(z.string().min(1)).default([]),
  match: certificateMatchSchema,
  revoked: z.boolean().default(false),
  attributes: z.record(z.string(), z.string()).default({}),
});

/**
 * `mtls`: technical users by client certificate, on an additional HTTPS listener that asks
 * every client for a certificate verified against `tls.caFile`. Each request is
 * authenticated by its certificate alone (no session, no cookie); the engine token carries
 * `auth.strong` and `amr: ["mtls"]`.
 */
export const mtlsAuthenticatorSchema = z.strictObject({
  type: z.literal('mtls'),
  name: z.string().min(1).default('mtls'),
  listen: z
    .strictObject({
      host: z.string().default('127.0.0.1'),
      /** 0 picks a free port */
      port: z.number().int().min(0).max(65535).default(8443),
    })
    .default({ host: '127.0.0.1', port: 8443 }),
  tls: z.strictObject({
    /** the listener's own certificate and key (PEM), relative to the config file */
    certFile: z.string().min(1),
    keyFile: z.string().min(1),
    keyPassphrase: secretRef.optional(),
    /** CA bundle client certificates must chain to */
    caFile: z.string().min(1),
  }),
  users: z.array(technicalUserSchema).min(1, 'list at least one technical user'),
  /** roles every technical user gets */
  defaultRoles: z.array(z.string().min(1)).default(['TechnicalUser']),
  /** certificates refused whoever they map to */
  revokedFingerprints: z.array(fingerprint).default([]),
});

export type HeaderAuthenticatorConfig = z.infer<typeof headerAuthenticatorSchema>;
export type BasicAuthenticatorConfig = z.infer<typeof basicAuthenticatorSchema>;
export type MtlsAuthenticatorConfig = z.infer<typeof mtlsAuthenticatorSchema>;
