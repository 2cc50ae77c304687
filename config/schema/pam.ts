import { z } from 'zod';
import { roleMappingSchema } from './common.js';

/**
 * Local system accounts through PAM (Linux-PAM, via the node-linux-pam binding): the
 * service's `auth` and `account` stacks run in libuv's thread pool, never on the event loop.
 *
 * ```yaml
 * - type: pam
 *   name: system
 *   service: portcullis        # /etc/pam.d/portcullis
 *   roleMapping: { map: { wheel: admin }, defaultRoles: [user] }
 * ```
 */
export const pamAuthenticatorSchema = z.strictObject({
  type: z.literal('pam'),
  name: z.string().min(1).default('pam'),
  /** the PAM service: a file in /etc/pam.d (or /usr/lib/pam.d) */
  service: z
    .string()
    .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be a PAM service name (letters, digits, . _ -)')
    .default('portcullis'),
  /** the user's groups from the system group database (`id -Gn`) become source roles */
  groupsAsRoles: z.boolean().default(true),
  roleMapping: roleMappingSchema.default({ map: {}, keepUnmapped: true, defaultRoles: [] }),
  /** PAM calls in flight at once; the rest wait (they share node's thread pool with scrypt and fs) */
  maxConcurrent: z.number().int().min(1).max(16).default(2),
  /** a failed login answers no sooner than this, so unknown users and wrong passwords take alike */
  failureFloorMs: z.number().int().min(0).max(10_000).default(300),
  /** longest wait for PAM (and the group lookup) before the login fails as unavailable */
  timeoutMs: z.number().int().min(100).max(60_000).default(10_000),
});
export type PamAuthenticatorConfig = z.infer<typeof pamAuthenticatorSchema>;
