/**
 * Operations a policy rule can name. The seed set covers processes, tasks, variables,
 * comments and attachments; `ALL` matches every operation. Applications register their own,
 * including hierarchical ones written `module:action:option`: a rule on `module` covers
 * `module:action` and `module:action:option` unless a more specific rule says otherwise.
 */

export const ALL = 'ALL';

export const SEED_OPERATIONS = [
  // processes
  'START_PROCESS',
  'CANCEL_PROCESS',
  'SUSPEND_PROCESS',
  'ACTIVATE_PROCESS',
  'LIST_PROCESS',
  // tasks
  'CLAIM_TASK',
  'UNCLAIM_TASK',
  'COMPLETE_TASK',
  'DELEGATE_TASK',
  'ACCEPT_DELEGATION',
  'REJECT_DELEGATION',
  'LIST_TASK',
  // variables
  'READ_VARIABLE',
  'SET_VARIABLE',
  'WRITE_VARIABLE',
  // comments
  'READ_COMMENT',
  'ADD_COMMENT',
  'DELETE_COMMENT',
  // attachments
  'READ_ATTACHMENT',
  'ADD_ATTACHMENT',
  'DELETE_ATTACHMENT',
] as const;

/** Denied unless a rule allows them ("whitelist" operations). */
export const SEED_WHITELIST = ['START_PROCESS'] as const;

export const OPERATION_SEPARATOR = ':';

const OPERATION_NAME = /^[A-Za-z][A-Za-z0-9_.-]*(:[A-Za-z0-9_.-]+)*$/;

export interface OperationDefinition {
  name: string;
  /** denied unless a rule allows it */
  whitelist?: boolean;
}

/** `a:b:c` → `['a:b:c', 'a:b', 'a']`: the operation first, then its ancestors. */
export function operationLineage(operation: string): string[] {
  const parts = operation.split(OPERATION_SEPARATOR);
  const out: string[] = [];
  for (let i = parts.length; i >= 1; i--) out.push(parts.slice(0, i).join(OPERATION_SEPARATOR));
  return out;
}

export function isValidOperationName(name: string): boolean {
  return name === ALL || OPERATION_NAME.test(name);
}

/**
 * The operations a policy knows. An operation is known when it was registered, when it is
 * an ancestor of a registered one (a rule may name the module), or when it is `ALL`.
 * An operation is "whitelist" when it or one of its ancestors was registered as whitelist.
 */
export class OperationRegistry {
  readonly #known = new Set<string>([ALL]);
  readonly #whitelist = new Set<string>();

  constructor(definitions: Iterable<string | OperationDefinition> = defaultOperations()) {
    for (const d of definitions) this.register(d);
  }

  register(definition: string | OperationDefinition): void {
    const def = typeof definition === 'string' ? { name: definition } : definition;
    if (!isValidOperationName(def.name)) {
      throw new TypeError(`invalid operation name '${def.name}': use letters, digits, _ . - and ':' between levels`);
    }
    for (const level of operationLineage(def.name)) this.#known.add(level);
    if (def.whitelist) this.#whitelist.add(def.name);
  }

  isKnown(operation: string): boolean {
    return this.#known.has(operation);
  }

  isWhitelist(operation: string): boolean {
    if (this.#whitelist.size === 0) return false;
    for (const level of operationLineage(operation)) if (this.#whitelist.has(level)) return true;
    return false;
  }

  /** every known operation except ALL, sorted */
  list(): string[] {
    return [...this.#known].filter((o) => o !== ALL).sort();
  }

  clone(): OperationRegistry {
    const copy = new OperationRegistry([]);
    for (const k of this.#known) if (k !== ALL) copy.register(k);
    for (const w of this.#whitelist) copy.register({ name: w, whitelist: true });
    return copy;
  }
}

export function defaultOperations(): OperationDefinition[] {
  const whitelist = new Set<string>(SEED_WHITELIST);
  return SEED_OPERATIONS.map((name) => ({ name, whitelist: whitelist.has(name) }));
}
