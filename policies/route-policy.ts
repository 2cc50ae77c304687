import type { Subject } from './subject.js';
import { allow, deny, type Decision } from './reasons.js';

/** Who may use a route: empty allow lists mean any logged-in user; deny entries win. */
export interface RoutePolicyConfig {
  allowRoles: string[];
  allowGroups: string[];
  allowUsers: string[];
  denyRoles: string[];
  denyGroups: string[];
  denyUsers: string[];
  /** `auth.strong`: a password-only session is not enough */
  requireLevel?: 'auth.weak' | 'auth.strong' | undefined;
  /** a routed authenticator that can give `auth.strong` */
  stepUp?: string | undefined;
}

const LEVEL_RANK: Record<string, number> = { 'auth.weak': 1, 'auth.strong': 2 };

/**
 * Decide whether a subject may use a route. Deny entries win over allow entries; with no
 * allow entry at all, any logged-in subject is allowed. A subject who is allowed but whose
 * session is weaker than `requireLevel` gets `level-insufficient` (never before the allow
 * check: nobody is sent to a stronger login for a route they may not use anyway).
 */
export function decideRoutePolicy(policy: RoutePolicyConfig, subject: Subject | undefined): Decision {
  const decision = decideRoutePrincipals(policy, subject);
  if (!decision.allowed || !policy.requireLevel || !subject) return decision;
  if ((LEVEL_RANK[subject.level ?? ''] ?? 0) >= (LEVEL_RANK[policy.requireLevel] ?? 0)) return decision;
  return deny('level-insufficient', `this route needs a stronger login (${policy.requireLevel})`, {
    requiredLevel: policy.requireLevel,
    level: subject.level ?? 'unknown',
    ...(policy.stepUp ? { stepUp: policy.stepUp } : {}),
  });
}

function decideRoutePrincipals(policy: RoutePolicyConfig, subject: Subject | undefined): Decision {
  if (!subject) return deny('unauthenticated', 'login required');

  const deniedRole = subject.roles.find((r) => policy.denyRoles.includes(r));
  if (deniedRole) return deny('forbidden', `role '${deniedRole}' is denied on this route`);
  const deniedGroup = subject.groups.find((g) => policy.denyGroups.includes(g));
  if (deniedGroup) return deny('forbidden', `group '${deniedGroup}' is denied on this route`);
  if (policy.denyUsers.includes(subject.loginId)) return deny('forbidden', `user '${subject.loginId}' is denied on this route`);

  const restricted = policy.allowRoles.length + policy.allowGroups.length + policy.allowUsers.length > 0;
  if (!restricted) return allow('any logged-in user may use this route');

  if (policy.allowUsers.includes(subject.loginId)) return allow(`user '${subject.loginId}' is allowed`);
  const role = subject.roles.find((r) => policy.allowRoles.includes(r));
  if (role) return allow(`role '${role}' is allowed`);
  const group = subject.groups.find((g) => policy.allowGroups.includes(g));
  if (group) return allow(`group '${group}' is allowed`);

  const needs = [
    ...policy.allowRoles.map((r) => `role '${r}'`),
    ...policy.allowGroups.map((g) => `group '${g}'`),
    ...policy.allowUsers.map((u) => `user '${u}'`),
  ];
  return deny('forbidden', `this route needs ${needs.join(' or ')}`);
}
