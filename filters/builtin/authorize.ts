import { readFileSync } from 'node:fs';
import { basename, isAbsolute, resolve } from 'node:path';
import { loadPolicyDocuments } from '@portcullis/policies/document.js';
import { policySourcesOf } from '@portcullis/policies/bpmn.js';
import type { Policy } from '@portcullis/policies/policy.js';
import type { Filter } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';
import { FilterOptionsError } from './options-error.js';

/**
 * The policy engine on a route: the caller must be allowed `operation` on `resource` by the
 * policy documents `policyFiles` (YAML, JSON or BPMN 2.0 process definitions; paths relative to
 * the configuration file). `operation` is one
 * operation for every request, or a map from HTTP method to operation (`'*'` for the rest; a
 * method with no entry is refused). Refusals carry the decision's reason; the documents are
 * validated at start-up like an engine's.
 *
 *   { use: authorize, options: { policyFiles: [portal.yaml], resource: reports,
 *                                operation: { GET: 'reports:view', POST: 'reports:export' } } }
 */
export function authorizeFilter(options: Record<string, unknown>, deps: Pick<BuiltinFilterDeps, 'configDir'> = {}): Filter {
  const unknown = Object.keys(options).find((k) => !['policyFiles', 'resource', 'operation'].includes(k));
  if (unknown) throw new FilterOptionsError(`options.${unknown}`, 'unknown option');
  const files = options.policyFiles;
  if (!Array.isArray(files) || files.length === 0 || !files.every((f) => typeof f === 'string' && f.length > 0)) {
    throw new FilterOptionsError('options.policyFiles', 'must list one or more policy documents');
  }
  if (typeof options.resource !== 'string' || options.resource === '') throw new FilterOptionsError('options.resource', 'must name a resource of the policy');
  const resource = options.resource;
  const byMethod = operationsByMethod(options.operation);

  let policy: Policy;
  try {
    const sources = (files as string[]).map((f) => {
      const path = isAbsolute(f) ? f : resolve(deps.configDir ?? '.', f);
      return { name: basename(path), text: readFileSync(path, 'utf8') };
    });
    policy = loadPolicyDocuments(policySourcesOf(sources));
  } catch (err) {
    throw new FilterOptionsError('options.policyFiles', (err as Error).message, { cause: err });
  }
  if (!policy.hasResource(resource)) throw new FilterOptionsError('options.resource', `the policy has no resource '${resource}'`);
  for (const [method, op] of byMethod) {
    if (!policy.operations.isKnown(op)) throw new FilterOptionsError(`options.operation${method === '' ? '' : `.${method}`}`, `Not supported operation '${op}'`);
  }

  const ops = [...new Set(byMethod.values())].join(', ');
  return {
    name: 'authorize',
    phase: 'access',
    priority: 250,
    decidesAccess: true,
    why: `the policy must allow ${ops} on '${resource}'`,
    run(ctx) {
      if (!ctx.subject) return { refuse: { code: 'unauthenticated', message: 'login required' } };
      const operation = byMethod.get(ctx.request.method.toUpperCase()) ?? byMethod.get('*') ?? byMethod.get('');
      if (!operation) return { refuse: { code: 'forbidden', message: `${ctx.request.method} is not allowed on this route` } };
      const decision = policy.decide(ctx.subject, resource, operation);
      if (!decision.allowed) return { refuse: decision.reason };
    },
  };
}

/** '' → the one operation for every method */
function operationsByMethod(value: unknown): Map<string, string> {
  if (typeof value === 'string' && value !== '') return new Map([['', value]]);
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const out = new Map<string, string>();
    for (const [method, op] of Object.entries(value)) {
      if (typeof op !== 'string' || op === '') throw new FilterOptionsError(`options.operation.${method}`, 'must be an operation name');
      out.set(method === '*' ? '*' : method.toUpperCase(), op);
    }
    if (out.size > 0) return out;
  }
  throw new FilterOptionsError('options.operation', 'must be an operation, or a map from HTTP method to operation');
}
