import type { PolicyDecision } from './decide.js';
import { SCOPE_TIERS } from './scopes.js';

/**
 * A decision as text for logs, the CLI and the REST endpoint: the verdict, why, and every rule
 * that applied marked with whether it decided.
 */
export function formatExplanation(decision: PolicyDecision): string {
  const e = decision.explanation;
  const lines = [`${decision.allowed ? 'ALLOW' : 'DENY'} ${e.operation} on '${e.resource}' for '${e.subject}' (${e.basis === 'default' ? 'default' : 'by rule'})`, `  why: ${e.why}`];
  if (e.applied.length === 0) lines.push('  no rule applied');
  for (const a of e.applied) {
    const decided = e.deciding.includes(a) ? '*' : ' ';
    const tier = SCOPE_TIERS[a.tier]!.join('/');
    lines.push(`  ${decided} [${tier}] ${a.rule.permission} ${a.via} to ${a.matchedAs} — ${a.rule.id}${a.rule.description ? ` (${a.rule.description})` : ''}`);
  }
  return lines.join('\n');
}

/** The explanation in a form safe to return as JSON: rule ids and fields, no functions or cycles. */
export function explanationJson(decision: PolicyDecision): Record<string, unknown> {
  const e = decision.explanation;
  const rule = (a: PolicyDecision['explanation']['applied'][number]) => ({
    id: a.rule.id,
    scope: a.rule.scope,
    operation: a.rule.operation,
    permission: a.rule.permission,
    matchedAs: a.matchedAs,
    decided: e.deciding.includes(a),
    ...(a.rule.description ? { description: a.rule.description } : {}),
  });
  return {
    allowed: decision.allowed,
    resource: e.resource,
    operation: e.operation,
    subject: e.subject,
    basis: e.basis,
    why: e.why,
    applied: e.applied.map(rule),
  };
}
