import { z } from 'zod';

/** A secret is never written inline by accident: `env://NAME`, `file://PATH` or `plain://VALUE`. */
export const secretRef = z
  .string()
  .regex(/^(env|file|plain):\/\/.+/, 'must be a secret reference: env://NAME, file://PATH or plain://VALUE');

export const durationSeconds = z.number().int().positive();

export const urlString = z.string().refine((v) => {
  try {
    new URL(v);
    return true;
  } catch {
    return false;
  }
}, 'must be a URL');

/**
 * How an authenticator turns directory groups / file roles into token roles. The same
 * rules serve file users, LDAP and SAML so operators learn them once.
 */
export const roleMappingSchema = z.strictObject({
  /** group or role name as the source calls it → one or more gateway roles */
  map: z.record(z.string(), z.union([z.string(), z.array(z.string())])).default({}),
  /** keep source roles that have no entry in `map` */
  keepUnmapped: z.boolean().default(true),
  /** roles every user of this authenticator gets */
  defaultRoles: z.array(z.string()).default([]),
});
export type RoleMapping = z.infer<typeof roleMappingSchema>;
