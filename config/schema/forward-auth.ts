import { z } from 'zod';
import { addressOrRange } from './technical.js';

/**
 * Forward authentication: the gateway answers the sub-requests of a reverse proxy that does
 * the proxying itself (nginx `auth_request`, Caddy `forward_auth`, Traefik `forwardAuth`,
 * Envoy `ext_authz`). The original method, scheme, host and URI are read from headers only
 * the named proxies may send; anyone else gets 403 from the verify endpoint.
 */
export const forwardAuthSchema = z.strictObject({
  enabled: z.boolean().default(false),
  /** the verify endpoint; `<path>/envoy/<original path>` serves Envoy's ext_authz `path_prefix` */
  path: z
    .string()
    .regex(/^\/[A-Za-z0-9._~\/-]*[A-Za-z0-9._~-]$/, 'must be an absolute path without a trailing "/", e.g. /auth/verify')
    .default('/auth/verify'),
  /** the proxies allowed to ask: addresses, CIDR ranges, or loopback/private/linklocal */
  trustedProxies: z.array(addressOrRange).default([]),
  /**
   * how long a proxy may cache a positive answer (`Cache-Control: max-age`, `Vary: Cookie`);
   * logout and session end are honoured at the latest after this time. 0: no caching.
   */
  cacheSeconds: z.number().int().min(0).max(60).default(0),
  /**
   * also answer on this Unix socket (a proxy on the same host): cheaper than loopback TCP, and
   * reachable only by who may open the file. It serves the verify endpoint and nothing else;
   * a peer on it is trusted by the file's permissions, not by `trustedProxies`.
   */
  socket: z
    .string()
    .regex(/^\//, 'must be an absolute path, e.g. /run/portcullis/verify.sock')
    // sun_path holds 108 bytes with its terminating NUL
    .refine((path) => Buffer.byteLength(path) <= 107, 'is longer than the 107 bytes a Unix socket path may have')
    .optional(),
  /** the socket file's permissions (octal): owner and group, typically the proxy's group */
  socketMode: z
    // YAML reads an unquoted 0660 as a number (660 or 432, by version): only the quoted string is unambiguous
    .string({ error: 'must be a quoted octal string such as "0660" (YAML reads an unquoted 0660 as a number)' })
    .regex(/^0?[0-7]{3}$/, 'must be an octal mode such as 0660')
    .refine((mode) => (parseInt(mode, 8) & 0o007) === 0, 'must not let every local user connect (no permissions for "other")')
    .default('0660'),
});
export type ForwardAuthConfig = z.infer<typeof forwardAuthSchema>;
