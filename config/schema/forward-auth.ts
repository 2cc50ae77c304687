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
});
export type ForwardAuthConfig = z.infer<typeof forwardAuthSchema>;
