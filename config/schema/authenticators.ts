import { z } from 'zod';
import { roleMappingSchema } from './common.js';
import { ldapAuthenticatorSchema } from './ldap.js';
import { samlAuthenticatorSchema } from './saml.js';
import { oidcAuthenticatorSchema } from './oidc.js';
import { moduleAuthenticatorSchema } from './module-authenticator.js';
import { pamAuthenticatorSchema } from './pam.js';
import { headerAuthenticatorSchema, basicAuthenticatorSchema, mtlsAuthenticatorSchema } from './technical.js';

export const fileAuthenticatorSchema = z.strictObject({
  type: z.literal('file'),
  name: z.string().min(1).default('file'),
  /** YAML or JSON users file, relative to the config file; reloaded when it changes */
  usersFile: z.string().min(1),
  roleMapping: roleMappingSchema.default({ map: {}, keepUnmapped: true, defaultRoles: [] }),
});

export const authenticatorSchema = z.discriminatedUnion('type', [
  fileAuthenticatorSchema,
  ldapAuthenticatorSchema,
  samlAuthenticatorSchema,
  oidcAuthenticatorSchema,
  headerAuthenticatorSchema,
  basicAuthenticatorSchema,
  mtlsAuthenticatorSchema,
  moduleAuthenticatorSchema,
  pamAuthenticatorSchema,
]);
export type AuthenticatorConfig = z.infer<typeof authenticatorSchema>;
export type FileAuthenticatorConfig = z.infer<typeof fileAuthenticatorSchema>;
