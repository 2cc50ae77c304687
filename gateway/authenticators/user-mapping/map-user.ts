import type { UserMappingConfig, UserMappingRule } from '@portcullis/config/schema/user-mapping.js';
import type { AuthenticatedUser } from '../types.js';

/** What an operator's mapping module may answer. */
export type UserMappingAnswer =
  | { loginId?: string; roles?: string[]; groups?: string[]; attributes?: Record<string, string> }
  | { fallback: true }
  | null
  | undefined;

export type UserMappingModule = (
  user: Readonly<AuthenticatedUser>,
  info: { authenticator: string; clientAddress: string | undefined },
) => UserMappingAnswer | Promise<UserMappingAnswer>;

/** The outcome of the mapping: the user to log in, or a refusal with the reason for the log. */
export type MappingOutcome = { user: AuthenticatedUser } | { refused: string };

/**
 * Apply the configured mapping to a user one authenticator vouched for. Pure apart from the
 * module it is given; the order is: login rewriting, rules, module, fallback.
 */
export async function mapUser(
  user: AuthenticatedUser,
  config: UserMappingConfig,
  module: UserMappingModule | undefined,
  clientAddress?: string,
): Promise<MappingOutcome> {
  let current: AuthenticatedUser = { ...user, loginId: rewriteLogin(user.loginId, config.login), roles: [...user.roles], groups: [...user.groups], attributes: { ...user.attributes } };
  if (current.loginId === '') return { refused: 'the login is empty after userMapping.login' };
  let matched = false;
  for (const [index, rule] of config.rules.entries()) {
    if (!ruleMatches(rule, current)) continue;
    matched = true;
    if (rule.refuse) return { refused: `userMapping.rules[${index}] refuses the user` };
    current = applyRule(rule, current);
  }
  let wantsFallback = config.requireMatch && !matched;
  if (module) {
    const answer = await module(Object.freeze({ ...current }), { authenticator: user.authenticator, clientAddress });
    if (answer === null) return { refused: 'userMapping.module refused the user' };
    if (answer !== undefined) {
      if ('fallback' in answer) wantsFallback = answer.fallback === true;
      else {
        current = withAnswer(current, answer);
        wantsFallback = false;
      }
    }
  }
  if (!wantsFallback) return { user: normalise(current) };
  if (!config.fallbackUser) return { refused: 'no mapping rule matched and no fallbackUser is configured' };
  const f = config.fallbackUser;
  // the fallback replaces who the user is, but keeps how they proved it
  return {
    user: normalise({ ...current, loginId: f.loginId, roles: [...f.roles], groups: [...f.groups], attributes: { ...f.attributes, mappedFrom: current.loginId } }),
  };
}

export function rewriteLogin(login: string, options: UserMappingConfig['login']): string {
  let out = login;
  if (options.stripDomain) {
    const backslash = out.indexOf('\\');
    if (backslash !== -1) out = out.slice(backslash + 1);
    const at = out.lastIndexOf('@');
    if (at > 0) out = out.slice(0, at);
  }
  if (options.lowerCase) out = out.toLowerCase();
  return out;
}

function ruleMatches(rule: UserMappingRule, user: AuthenticatedUser): boolean {
  const m = rule.match;
  if (m.authenticators && !m.authenticators.includes(user.authenticator)) return false;
  if (m.logins && !m.logins.includes(user.loginId)) return false;
  if (m.loginPattern && !new RegExp(`^(?:${m.loginPattern})$`, 'u').test(user.loginId)) return false;
  if (m.roles && !m.roles.some((r) => user.roles.includes(r))) return false;
  if (m.groups && !m.groups.some((g) => user.groups.includes(g))) return false;
  return true;
}

function applyRule(rule: UserMappingRule, user: AuthenticatedUser): AuthenticatedUser {
  const roles = new Set(user.roles);
  const groups = new Set(user.groups);
  for (const r of rule.addRoles ?? []) roles.add(r);
  for (const r of rule.removeRoles ?? []) roles.delete(r);
  for (const g of rule.addGroups ?? []) groups.add(g);
  for (const g of rule.removeGroups ?? []) groups.delete(g);
  const attributes = { ...user.attributes, ...(rule.setAttributes ?? {}) };
  for (const a of rule.removeAttributes ?? []) delete attributes[a];
  return { ...user, loginId: rule.rename ?? user.loginId, roles: [...roles], groups: [...groups], attributes };
}

function withAnswer(user: AuthenticatedUser, answer: Exclude<UserMappingAnswer, null | undefined | { fallback: true }>): AuthenticatedUser {
  const strings = (list: unknown, what: string): string[] | undefined => {
    if (list === undefined) return undefined;
    if (!Array.isArray(list) || !list.every((x) => typeof x === 'string' && x !== '')) throw new TypeError(`the mapping module answered ${what} that are not a list of names`);
    return list as string[];
  };
  if (answer.loginId !== undefined && (typeof answer.loginId !== 'string' || answer.loginId === '')) throw new TypeError('the mapping module answered an empty or non-string loginId');
  return {
    ...user,
    loginId: answer.loginId ?? user.loginId,
    roles: strings(answer.roles, 'roles') ?? user.roles,
    groups: strings(answer.groups, 'groups') ?? user.groups,
    attributes: answer.attributes ? { ...answer.attributes } : user.attributes,
  };
}

function normalise(user: AuthenticatedUser): AuthenticatedUser {
  return { ...user, roles: [...new Set(user.roles)].sort(), groups: [...new Set(user.groups)].sort() };
}
