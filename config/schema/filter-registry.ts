import type { z } from 'zod';

/**
 * What the configuration schema knows about filters, declared by the filters themselves:
 * each built-in's options schema, and the one validator of start conditions (`when:`).
 * `@portcullis/filters` fills this when its built-ins are loaded; config never imports
 * filters (the arrow points the other way). A schema that meets a filter or a condition
 * before anything was declared refuses it: nothing passes unchecked.
 */
export interface ConditionProblem {
  /** under `when`, e.g. `expression` or `paths[0]` */
  path: string;
  message: string;
}

const optionSchemas = new Map<string, z.ZodType>();
let conditionValidator: ((when: unknown) => ConditionProblem | undefined) | undefined;

/** A built-in filter's options, as its module declares them. */
export function declareFilterOptions(name: string, schema: z.ZodType): void {
  optionSchemas.set(name, schema);
}

/** The start-condition compiler, so configuration validation and start-up run the same checks. */
export function declareConditionValidator(validate: (when: unknown) => ConditionProblem | undefined): void {
  conditionValidator = validate;
}

export function declaredFilterOptions(): ReadonlyMap<string, z.ZodType> {
  return optionSchemas;
}

export function declaredConditionValidator(): ((when: unknown) => ConditionProblem | undefined) | undefined {
  return conditionValidator;
}

/** How the schema tells an operator that the loader was used without the filters package. */
export const UNDECLARED =
  'cannot be checked: no filters are declared (load @portcullis/filters/builtin/declarations.js before validating a configuration with filters)';
