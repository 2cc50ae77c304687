import { z } from 'zod';

/**
 * Start conditions of a configured filter (`when:`): the filter runs only when every named
 * condition holds. filters/conditions.ts compiles and evaluates them; this is their shape.
 *
 * ```yaml
 * when:
 *   methods: [POST, PUT]
 *   paths: ['/api/*\/items', '/files/**']   # '*' one segment, '**' anything
 *   pathPrefixes: ['/api/']
 *   contentTypes: [application/json, 'text/*']
 *   initiator: { groups: [staff], roles: [admin], users: [alice] }   # any of them
 *   headers: { x-tenant: acme, x-debug: { present: false } }
 *   query: { format: { oneOf: [csv, pdf] } }
 *   expression: "method == 'POST' && 'admin' in roles"
 * ```
 */
const nonEmptyStrings = z.array(z.string().min(1)).min(1);

export const valueConditionSchema = z.union([
  z.string(),
  z.strictObject({
    present: z.boolean().optional(),
    equals: z.string().optional(),
    oneOf: nonEmptyStrings.optional(),
    prefix: z.string().optional(),
  }),
]);

export const startConditionsSchema = z.strictObject({
  methods: nonEmptyStrings.optional(),
  pathPrefixes: z.array(z.string().startsWith('/', 'must start with "/"')).min(1).optional(),
  paths: z.array(z.string().startsWith('/', 'must start with "/"')).min(1).optional(),
  contentTypes: nonEmptyStrings.optional(),
  initiator: z
    .strictObject({ users: nonEmptyStrings.optional(), groups: nonEmptyStrings.optional(), roles: nonEmptyStrings.optional() })
    .refine((i) => i.users || i.groups || i.roles, 'name at least one of users, groups, roles')
    .optional(),
  headers: z.record(z.string().min(1), valueConditionSchema).optional(),
  query: z.record(z.string().min(1), valueConditionSchema).optional(),
  expression: z.string().min(1).max(2000).optional(),
});
export type StartConditionsInput = z.infer<typeof startConditionsSchema>;
