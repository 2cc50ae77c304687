import { z } from 'zod';

/**
 * What happens to a user after any login, whichever authenticator vouched for them: the login
 * rewritten, roles, groups and attributes added or removed by rules, an operator's module
 * consulted, and a fallback user (such as `guest`) or a refusal when nothing matches.
 *
 * ```yaml
 * userMapping:
 *   login: { stripDomain: true, lowerCase: true }
 *   rules:
 *     - match: { authenticators: [corp-ldap], groups: [contractors] }
 *       removeRoles: [admin]
 *       setAttributes: { employeeType: contractor }
 *     - match: { logins: [svc-backup] }
 *       refuse: true
 *   requireMatch: true
 *   fallbackUser: { loginId: guest, roles: [guest] }
 *   module: ./mapping.mjs#mapUser
 * ```
 */

const names = z.array(z.string().min(1)).min(1);

export const userMappingRuleSchema = z.strictObject({
  /** every listed condition must hold; within one list, any entry is enough */
  match: z
    .strictObject({
      authenticators: names.optional(),
      /** exact login ids, after the login rewriting */
      logins: names.optional(),
      /** a regular expression the whole login must match */
      loginPattern: z
        .string()
        .min(1)
        .refine((p) => {
          try {
            new RegExp(p, 'u');
            return true;
          } catch {
            return false;
          }
        }, 'must be a valid regular expression')
        .optional(),
      roles: names.optional(),
      groups: names.optional(),
    })
    .default({}),
  /** a new login id */
  rename: z.string().min(1).optional(),
  addRoles: z.array(z.string().min(1)).optional(),
  removeRoles: z.array(z.string().min(1)).optional(),
  addGroups: z.array(z.string().min(1)).optional(),
  removeGroups: z.array(z.string().min(1)).optional(),
  setAttributes: z.record(z.string().min(1), z.string()).optional(),
  removeAttributes: z.array(z.string().min(1)).optional(),
  /** refuse the login */
  refuse: z.boolean().optional(),
});

export const fallbackUserSchema = z.strictObject({
  loginId: z.string().min(1),
  roles: z.array(z.string().min(1)).default([]),
  groups: z.array(z.string().min(1)).default([]),
  attributes: z.record(z.string().min(1), z.string()).default({}),
});

export const userMappingSchema = z.strictObject({
  login: z
    .strictObject({
      /** `CORP\jdoe` and `jdoe@corp.example` become `jdoe` */
      stripDomain: z.boolean().default(false),
      lowerCase: z.boolean().default(false),
    })
    .default({ stripDomain: false, lowerCase: false }),
  /** applied in order; every rule that matches applies, a refusing one ends the login */
  rules: z.array(userMappingRuleSchema).default([]),
  /** without a matching rule (or when the module answers `{ fallback: true }`): fallbackUser, else refuse */
  requireMatch: z.boolean().default(false),
  fallbackUser: fallbackUserSchema.optional(),
  /** `./file.mjs#export` (default export when no `#`), relative to the configuration file */
  module: z.string().min(1).optional(),
});
export type UserMappingConfig = z.infer<typeof userMappingSchema>;
export type UserMappingRule = z.infer<typeof userMappingRuleSchema>;
