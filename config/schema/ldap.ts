import { z } from 'zod';

// Owned by the LDAP work (issue 3): servers, service account, search, groups, TLS, pool.
export const ldapAuthenticatorSchema = z.strictObject({
  type: z.literal('ldap'),
  name: z.string().min(1).default('ldap'),
});
