import type { Subject } from './subject.js';
import type { PolicyRule, ResourceInstance } from './rule.js';
import { canonicalOperation, OperationRegistry } from './operations.js';
import { buildIndex, type PolicyIndex } from './policy-index.js';
import { allowedIndexed, decideIndexed, operationLevels, rulesCovering, type PolicyDecision } from './decide.js';
import { elementLabel, operationFitsElement, taskElementName, type ElementKind } from './elements.js';
import { OperationNotOnElementError, UnknownOperationError, UnknownResourceError, UnknownTaskError } from './errors.js';

export interface PolicyResource {
  /** a resource or process name; for a task `process/task` (elements.ts taskElementName) */
  readonly name: string;
  /** `process`, `task` or anything else (a route, a report): see elementKindOf */
  readonly kind?: string;
  readonly description?: string;
  readonly rules: readonly PolicyRule[];
  /** for a task: the process it belongs to */
  readonly process?: string;
  /** for a process: the keys of its user tasks */
  readonly tasks?: readonly string[];
}

export function elementKindOf(resource: Pick<PolicyResource, 'kind'>): ElementKind {
  return resource.kind === 'process' ? 'process' : resource.kind === 'task' ? 'task' : 'resource';
}

/**
 * A compiled, immutable policy: resources (process definitions with their user tasks, or
 * other named resources) with their rules, the operations it knows and an index for fast
 * decisions. Build one with `loadPolicyDocuments` (policies/document.ts), `loadBpmnDocuments`
 * (policies/bpmn/) or, for rules made in code, `new Policy(resources, operations)`.
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

  /** resources and processes; tasks are reached through their process */
  get resourceNames(): string[] {
    return [...this.#resources.values()].filter((r) => r.process === undefined).map((r) => r.name).sort();
  }

  hasResource(name: string): boolean {
    const r = this.#resources.get(name);
    return r !== undefined && r.process === undefined;
  }

  /** @throws UnknownResourceError */
  resource(name: string): PolicyResource {
    const r = this.#resources.get(name);
    if (!r || r.process !== undefined) throw new UnknownResourceError(name);
    return r;
  }

  /** The element an instance names: the resource, or its task. @throws UnknownResourceError, UnknownTaskError */
  element(instance: Pick<ResourceInstance, 'resource' | 'task'>): PolicyResource {
    const r = this.resource(instance.resource);
    if (instance.task === undefined) return r;
    const t = this.#resources.get(taskElementName(instance.resource, instance.task));
    if (!t || t.process !== instance.resource) throw new UnknownTaskError(instance.resource, instance.task);
    return t;
  }

  /** @throws UnknownOperationError */
  assertOperation(operation: string): void {
    if (!this.operations.isKnown(operation)) throw new UnknownOperationError(operation);
  }

  /**
   * The operation's canonical name, checked against the registry and the element.
   * @throws UnknownOperationError (400), OperationNotOnElementError (400)
   */
  operationOn(element: PolicyResource, operation: string): string {
    this.assertOperation(operation);
    const op = canonicalOperation(operation);
    const kind = elementKindOf(element);
    if (!operationFitsElement(op, kind)) throw new OperationNotOnElementError(op, elementLabel(kind));
    return op;
  }

  /** The rules of an element, or those that concern one operation (the operation, its parent modules, ALL). */
  rulesFor(resource: string | Pick<ResourceInstance, 'resource' | 'task'>, operation?: string): PolicyRule[] {
    const r = this.element(typeof resource === 'string' ? { resource } : resource);
    if (operation === undefined) return [...r.rules];
    return rulesCovering(r.rules, this.operationOn(r, operation));
  }

  /**
   * Decide `operation` for `subject` on a resource (by name), or on an instance of a process
   * or of one of its tasks (with its starter, assignee and variables). Every decision carries
   * its explanation.
   * @throws UnknownResourceError, UnknownTaskError (404); UnknownOperationError, OperationNotOnElementError (400)
   */
  decide(subject: Subject, resource: string | ResourceInstance, operation: string): PolicyDecision {
    const instance = typeof resource === 'string' ? { resource } : resource;
    const element = this.element(instance);
    const op = this.operationOn(element, operation);
    let levels = this.#levels.get(op);
    if (!levels) this.#levels.set(op, (levels = Object.freeze(operationLevels(op))));
    return decideIndexed(this.#index.get(element.name), this.operations, subject, instance, op, levels);
  }

  /** Whether the subject may perform the operation; the same as `decide(...).allowed`, without the explanation. */
  isAllowed(subject: Subject, resource: string | ResourceInstance, operation: string): boolean {
    const instance = typeof resource === 'string' ? { resource } : resource;
    const element = this.element(instance);
    const op = this.operationOn(element, operation);
    return allowedIndexed(this.#index.get(element.name), this.operations, subject, instance, op, this.levelsOf(op));
  }

  /** The index of one element, for the list filter (list-filter.ts). */
  indexOf(element: PolicyResource): ReturnType<PolicyIndex['get']> {
    return this.#index.get(element.name);
  }

  /** The levels of a canonical operation (itself, its parent modules, ALL). */
  levelsOf(operation: string): readonly string[] {
    let levels = this.#levels.get(operation);
    if (!levels) this.#levels.set(operation, (levels = Object.freeze(operationLevels(operation))));
    return levels;
  }
}
