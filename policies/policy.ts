import type { Subject } from './subject.js';
import type { PolicyRule, ResourceInstance } from './rule.js';
import { OperationRegistry } from './operations.js';
import { buildIndex, type PolicyIndex } from './policy-index.js';
import { decideIndexed, operationLevels, rulesCovering, type PolicyDecision } from './decide.js';
import { UnknownOperationError, UnknownResourceError } from './errors.js';

export interface PolicyResource {
  readonly name: string;
  readonly kind?: string;
  readonly description?: string;
  readonly rules: readonly PolicyRule[];
}

/**
 * A compiled, immutable policy: resources with their rules, the operations it knows and an
 * index for fast decisions. Build one with `compilePolicy` / `loadPolicyDocuments`
 * (policies/document.ts) or, for rules made in code, `new Policy(resources, operations)`.
 */
export class Policy {
  readonly operations: OperationRegistry;
  readonly #resources: ReadonlyMap<string, PolicyResource>;
  readonly #index: PolicyIndex;
  /** operation → its levels; bounded: only known operations get here */
  readonly #levels = new Map<string, readonly string[]>();

  constructor(resources: Iterable<PolicyResource>, operations: OperationRegistry = new OperationRegistry()) {
    const map = new Map<string, PolicyResource>();
    for (const r of resources) {
      const prev = map.get(r.name);
      map.set(r.name, Object.freeze(prev ? { ...prev, rules: Object.freeze([...prev.rules, ...r.rules]) } : { ...r, rules: Object.freeze([...r.rules]) }));
    }
    this.#resources = map;
    this.operations = operations;
    this.#index = buildIndex([...map.values()].flatMap((r) => r.rules));
    Object.freeze(this);
  }

  get resourceNames(): string[] {
    return [...this.#resources.keys()].sort();
  }

  hasResource(name: string): boolean {
    return this.#resources.has(name);
  }

  /** @throws UnknownResourceError */
  resource(name: string): PolicyResource {
    const r = this.#resources.get(name);
    if (!r) throw new UnknownResourceError(name);
    return r;
  }

  /** @throws UnknownOperationError */
  assertOperation(operation: string): void {
    if (!this.operations.isKnown(operation)) throw new UnknownOperationError(operation);
  }

  /** The rules of a resource, or those that concern one operation (the operation, its parent modules, ALL). */
  rulesFor(resource: string, operation?: string): PolicyRule[] {
    const r = this.resource(resource);
    if (operation === undefined) return [...r.rules];
    this.assertOperation(operation);
    return rulesCovering(r.rules, operation);
  }

  /**
   * Decide `operation` for `subject` on a resource (by name, or an instance with its starter,
   * assignee and variables). Every decision carries its explanation.
   * @throws UnknownResourceError, UnknownOperationError
   */
  decide(subject: Subject, resource: string | ResourceInstance, operation: string): PolicyDecision {
    const instance = typeof resource === 'string' ? { resource } : resource;
    if (!this.#resources.has(instance.resource)) throw new UnknownResourceError(instance.resource);
    this.assertOperation(operation);
    let levels = this.#levels.get(operation);
    if (!levels) this.#levels.set(operation, (levels = Object.freeze(operationLevels(operation))));
    return decideIndexed(this.#index.get(instance.resource), this.operations, subject, instance, operation, levels);
  }

  /** Whether the subject may perform the operation; the same as `decide(...).allowed`. */
  isAllowed(subject: Subject, resource: string | ResourceInstance, operation: string): boolean {
    return this.decide(subject, resource, operation).allowed;
  }
}
