import type { RouteConfig } from '@portcullis/config/schema/routes.js';
import type { StartConditionsConfig } from './conditions.js';
import type { ChainEntry, ResolvedChain } from './configured-chain.js';

/**
 * A route's resolved chain as text, in execution order: phase, priority, name, where it came
 * from, why it is there, and when it runs. Used by `portcullis routes` and `check-config --explain`.
 */
export function describeRouteChain(route: RouteConfig, resolved: ResolvedChain): string[] {
  const lines = [`route ${route.name}  ${route.host ?? ''}${route.prefix} → ${route.upstream ?? 'forward authentication only'}${route.requireSession ? '' : '  (public: no session)'}`];
  const policy = describeRoutePolicy(route);
  if (policy) lines.push(`  policy: ${policy}`);
  lines.push('  always: client identity, certificate and routing headers are stripped (fixed step, not a filter)');
  if (resolved.entries.length === 0) lines.push('  (no filters)');
  const width = Math.max(4, ...resolved.entries.map((e) => e.filter.name.length));
  resolved.entries.forEach((e, i) => {
    const head = `  ${String(i + 1).padStart(2)}. ${e.filter.phase.padEnd(6)} ${String(e.filter.priority).padStart(4)}  ${e.filter.name.padEnd(width)}`;
    lines.push(`${head}  ${origin(e)}: ${e.filter.why}`);
    if (e.filter.conditions) lines.push(`      ${' '.repeat(width + 13)}runs only when ${describeConditions(e.filter.conditions as StartConditionsConfig)}`);
  });
  return lines;
}

function origin(e: ChainEntry): string {
  const replaced = e.replaces ? `, replaces the ${e.replaces} one` : '';
  if (e.origin === 'default') return `default (${e.source})`;
  return `${e.path} (${e.source}${replaced})`;
}

/** Who may use a route, in words: `allow roles admin; allow groups ops`, `any logged-in user`, or '' for a public route. */
export function describeRoutePolicy(route: Pick<RouteConfig, 'policy' | 'requireSession'>): string {
  const p = route.policy;
  const parts: string[] = [];
  const list = (label: string, xs: readonly string[]) => xs.length > 0 && parts.push(`${label} ${xs.join(', ')}`);
  list('allow roles', p.allowRoles);
  list('allow groups', p.allowGroups);
  list('allow users', p.allowUsers);
  list('deny roles', p.denyRoles);
  list('deny groups', p.denyGroups);
  list('deny users', p.denyUsers);
  if (p.requireLevel) parts.push(`needs ${p.requireLevel}${p.stepUp ? ` (step-up via ${p.stepUp})` : ' (403 otherwise)'}`);
  if (parts.length === 0 && route.requireSession) return 'any logged-in user';
  return parts.join('; ');
}

export function describeConditions(c: StartConditionsConfig): string {
  const parts: string[] = [];
  if (c.methods) parts.push(`method is ${c.methods.join(' or ')}`);
  if (c.pathPrefixes) parts.push(`path starts with ${c.pathPrefixes.join(' or ')}`);
  if (c.paths) parts.push(`path matches ${c.paths.join(' or ')}`);
  if (c.contentTypes) parts.push(`content type is ${c.contentTypes.join(' or ')}`);
  if (c.initiator) {
    const who = [
      ...(c.initiator.users ?? []).map((u) => `user ${u}`),
      ...(c.initiator.groups ?? []).map((g) => `group ${g}`),
      ...(c.initiator.roles ?? []).map((r) => `role ${r}`),
    ];
    parts.push(`caller is ${who.join(' or ')}`);
  }
  for (const [name, cond] of Object.entries(c.headers ?? {})) parts.push(`header ${name} ${describeValue(cond)}`);
  for (const [name, cond] of Object.entries(c.query ?? {})) parts.push(`query ${name} ${describeValue(cond)}`);
  if (c.expression) parts.push(`(${c.expression})`);
  return parts.join(' and ') || 'always';
}

function describeValue(cond: NonNullable<StartConditionsConfig['headers']>[string]): string {
  if (typeof cond === 'string') return `= ${cond}`;
  const parts: string[] = [];
  if (cond.present === false) return 'is absent';
  if (cond.present) parts.push('is present');
  if (cond.equals !== undefined) parts.push(`= ${cond.equals}`);
  if (cond.oneOf) parts.push(`is one of ${cond.oneOf.join(', ')}`);
  if (cond.prefix !== undefined) parts.push(`starts with ${cond.prefix}`);
  return parts.join(', ') || 'is present';
}
