/**
 * Operations a policy rule can name, spelled as the source document spells them. The seed set
 * covers processes, tasks, variables, comments and attachments; `ALL` matches every operation.
 * Each seed operation belongs to an element: a process, a task, or both (elements.ts). The
 * earlier short spellings (`READ_COMMENT`, ...) stay accepted as aliases of the document's
 * (`READ_COMMENTS`, ...). Applications register their own,
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
  'READ_VARIABLES',
  'SET_VARIABLE',
  'WRITE_VARIABLE',
  // comments
  'READ_COMMENTS',
  'ADD_COMMENT',
  'DELETE_COMMENT',
  // attachments
  'READ_ATTACHMENTS',
  'ADD_ATTACHMENT',
  'DELETE_ATTACHMENT',
] as const;

/** Short spellings an earlier version used, read as the document's names. */
export const OPERATION_ALIASES: Readonly<Record<string, string>> = Object.freeze({
  READ_VARIABLE: 'READ_VARIABLES',
  READ_COMMENT: 'READ_COMMENTS',
  READ_ATTACHMENT: 'READ_ATTACHMENTS',
});

/** The document's spelling of an operation (aliases resolved); other names are returned as given. */
export function canonicalOperation(operation: string): string {
  return Object.prototype.hasOwnProperty.call(OPERATION_ALIASES, operation) ? OPERATION_ALIASES[operation]! : operation;
}

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
    const given = typeof definition === 'string' ? { name: definition } : definition;
    const def = { ...given, name: canonicalOperation(given.name) };
    if (!isValidOperationName(def.name)) {
      throw new TypeError(`invalid operation name '${def.name}': use letters, digits, _ . - and ':' between levels`);
    }
    for (const level of operationLineage(def.name)) this.#known.add(level);
    if (def.whitelist) this.#whitelist.add(def.name);
  }

  /** known as written, or as an alias of a known operation */
  isKnown(operation: string): boolean {
    return this.#known.has(canonicalOperation(operation));
  }

  isWhitelist(operation: string): boolean {
    if (this.#whitelist.size === 0) return false;
    for (const level of operationLineage(canonicalOperation(operation))) if (this.#whitelist.has(level)) return true;
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
