import type { Filter } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';
import { FilterOptionsError } from './options-error.js';

/**
 * Holds a request for a person's approval instead of forwarding it. The gateway stores the
 * request (method, path, query, the headers listed here, the body up to `maxBodyBytes`) with
 * its requester and answers 202 with the pending request's id and status URL; once approved
 * it sends the stored request itself (gateway/approvals/). Which requests are held is said by
 * the filter's start conditions (`when`), like any filter.
 */
export interface ApprovalRule {
  /** which rule held a request, for records and audit lines */
  readonly name: string;
  readonly approvers: {
    readonly roles: readonly string[];
    readonly groups: readonly string[];
    readonly users: readonly string[];
    /** an operator module (`./file.mjs#export`) that names approvers for one request */
    readonly module?: string;
  };
  /** distinct approvers needed: 1 or 2 */
  readonly required: 1 | 2;
  readonly expiresAfterSeconds: number;
  readonly maxBodyBytes: number;
  /** request headers stored and sent with the request, lower-case */
  readonly headers: readonly string[];
  /** what approvers read above the request ("Create a user account") */
  readonly description?: string;
  /** open requests one requester may have on this route; more are refused (429) */
  readonly maxOpenPerRequester: number;
}

export const APPROVAL_DEFAULTS = Object.freeze({
  required: 1 as const,
  /** a day: long enough for someone to read their mail, short enough not to pile up */
  expiresAfterSeconds: 86_400,
  maxBodyBytes: 65_536,
  /** held bodies live in the durable store: one user cannot fill it */
  maxOpenPerRequester: 20,
  /** what describes the body and the intent; never credentials or client identity */
  headers: Object.freeze(['content-type', 'content-language', 'accept', 'accept-language', 'if-match', 'if-none-match', 'if-unmodified-since', 'idempotency-key']),
});

/**
 * Headers a held request never keeps, whatever the options say: the gateway's session and
 * the client's credentials are not replayed (the gateway sends its own token), and client
 * identity headers are stripped on every route anyway.
 */
const NEVER_KEPT = new Set(['cookie', 'authorization', 'proxy-authorization', 'host', 'content-length', 'transfer-encoding', 'connection', 'keep-alive', 'upgrade', 'te', 'trailer', 'forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-forwarded-proto', 'x-real-ip', 'x-request-id']);

const KNOWN = ['approvers', 'required', 'expiresAfterSeconds', 'maxBodyBytes', 'headers', 'description', 'maxOpenPerRequester'];

export function approvalFilter(options: Record<string, unknown>, deps: Partial<Pick<BuiltinFilterDeps, 'approvals' | 'identityHeaders' | 'tokenHeader'>> = {}): Filter {
  const rule = approvalRuleOf('approval', options, [...(deps.identityHeaders ?? []), ...(deps.tokenHeader ? [deps.tokenHeader] : [])]);
  return {
    name: 'approval',
    phase: 'access',
    // last of the access phase: a request the route's policies refuse is refused, not held
    priority: 950,
    holdsRequest: true,
    why: `holds the request until ${describeApprovers(rule)} approve${rule.required === 2 ? ' (two of them)' : ''}; sent once by the gateway then`,
    async run(ctx) {
      if (!deps.approvals) throw new FilterOptionsError('options', 'the approval filter needs the gateway (its approvals service); it cannot run elsewhere');
      return { refuse: await deps.approvals.hold(ctx, rule) };
    },
  };
}

/** Check the options and write out every default. @throws FilterOptionsError naming the option */
export function approvalRuleOf(name: string, options: Record<string, unknown>, refusedHeaders: readonly string[] = []): ApprovalRule {
  const unknown = Object.keys(options).find((k) => !KNOWN.includes(k));
  if (unknown) throw new FilterOptionsError(`options.${unknown}`, 'unknown option');
  const a = options.approvers;
  if (a === null || typeof a !== 'object' || Array.isArray(a)) throw new FilterOptionsError('options.approvers', 'must name approvers: roles, groups, users and/or module');
  const approvers = a as Record<string, unknown>;
  const badKey = Object.keys(approvers).find((k) => !['roles', 'groups', 'users', 'module'].includes(k));
  if (badKey) throw new FilterOptionsError(`options.approvers.${badKey}`, 'unknown option');
  const list = (key: string): string[] => {
    const v = approvers[key] ?? [];
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && x !== '')) throw new FilterOptionsError(`options.approvers.${key}`, 'must be a list of names');
    return v as string[];
  };
  const roles = list('roles');
  const groups = list('groups');
  const users = list('users');
  const module = approvers.module;
  if (module !== undefined && (typeof module !== 'string' || module === '')) throw new FilterOptionsError('options.approvers.module', 'must be a file, optionally followed by #export');
  if (roles.length + groups.length + users.length === 0 && module === undefined) throw new FilterOptionsError('options.approvers', 'names nobody: give roles, groups, users or a module');

  const required = options.required ?? APPROVAL_DEFAULTS.required;
  if (required !== 1 && required !== 2) throw new FilterOptionsError('options.required', 'must be 1 or 2 approvals');
  const expiresAfterSeconds = options.expiresAfterSeconds ?? APPROVAL_DEFAULTS.expiresAfterSeconds;
  if (!Number.isInteger(expiresAfterSeconds) || (expiresAfterSeconds as number) < 1) throw new FilterOptionsError('options.expiresAfterSeconds', 'must be a whole number of seconds, at least 1');
  const maxBodyBytes = options.maxBodyBytes ?? APPROVAL_DEFAULTS.maxBodyBytes;
  if (!Number.isInteger(maxBodyBytes) || (maxBodyBytes as number) < 0 || (maxBodyBytes as number) > 10 * 1024 * 1024) {
    throw new FilterOptionsError('options.maxBodyBytes', 'must be a whole number of bytes from 0 to 10 MiB (held bodies live in the durable store)');
  }
  const headerOption = options.headers ?? APPROVAL_DEFAULTS.headers;
  if (!Array.isArray(headerOption) || !headerOption.every((h) => typeof h === 'string' && /^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(h))) {
    throw new FilterOptionsError('options.headers', 'must be a list of header names');
  }
  const refused = new Set(refusedHeaders.map((h) => h.toLowerCase()));
  const headers = (headerOption as string[]).map((h) => h.toLowerCase());
  headers.forEach((h, i) => {
    if (NEVER_KEPT.has(h) || refused.has(h)) throw new FilterOptionsError(`options.headers[${i}]`, `'${h}' is never kept with a held request (credentials, session and identity headers are not replayed)`);
  });
  const maxOpenPerRequester = options.maxOpenPerRequester ?? APPROVAL_DEFAULTS.maxOpenPerRequester;
  if (!Number.isInteger(maxOpenPerRequester) || (maxOpenPerRequester as number) < 1) throw new FilterOptionsError('options.maxOpenPerRequester', 'must be a whole number, at least 1');
  const description = options.description;
  if (description !== undefined && (typeof description !== 'string' || description === '' || description.length > 200)) throw new FilterOptionsError('options.description', 'must be a text of 1 to 200 characters');
  return Object.freeze({
    name,
    approvers: Object.freeze({ roles, groups, users, ...(module ? { module: module as string } : {}) }),
    required,
    expiresAfterSeconds: expiresAfterSeconds as number,
    maxBodyBytes: maxBodyBytes as number,
    headers: Object.freeze([...new Set(headers)]),
    maxOpenPerRequester: maxOpenPerRequester as number,
    ...(description ? { description: description as string } : {}),
  });
}

function describeApprovers(rule: ApprovalRule): string {
  const parts = [
    ...rule.approvers.roles.map((r) => `role ${r}`),
    ...rule.approvers.groups.map((g) => `group ${g}`),
    ...rule.approvers.users.map((u) => `user ${u}`),
    ...(rule.approvers.module ? [`those module ${rule.approvers.module} names`] : []),
  ];
  return parts.join(', ');
}
