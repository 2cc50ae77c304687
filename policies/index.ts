/** portcullis/policies: the authorization decision engine and route policies. Pure: no I/O. */
export * from './reasons.js';
export type { Subject } from './subject.js';
export { decideRoutePolicy } from './route-policy.js';
export * from './operations.js';
export * from './scopes.js';
export * from './types.js';
export * from './errors.js';
export type { PolicyRule, PrincipalList, ResourceInstance, RuleSource } from './rule.js';
export { Policy, elementKindOf, type PolicyResource } from './policy.js';
export * from './elements.js';
export { filterAllowed, type ListEntry } from './list-filter.js';
export type { PolicyDecision, Explanation, AppliedRule } from './decide.js';
export { compileDocuments, makeRule, type NamedDocument, type CompileOptions } from './compile.js';
export { formatExplanation, explanationJson } from './explain.js';
