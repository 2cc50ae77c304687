/** portcullis/policies: the authorization decision engine and route policies. Pure: no I/O. */
export * from './reasons.js';
export type { Subject } from './subject.js';
export { decideRoutePolicy } from './route-policy.js';
export * from './operations.js';
export * from './scopes.js';
export * from './types.js';
export * from './errors.js';
export type { PolicyRule, PrincipalList, ResourceInstance, RuleSource } from './rule.js';
export { Policy, type PolicyResource } from './policy.js';
export type { PolicyDecision, Explanation, AppliedRule } from './decide.js';
export { compileDocuments, makeRule, DEFAULT_CANDIDATE_OPERATIONS, type NamedDocument } from './compile.js';
export { formatExplanation, explanationJson } from './explain.js';
