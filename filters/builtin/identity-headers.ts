import type { FilterSubject, Filter } from '../types.js';
import { FilterOptionsError } from './options-error.js';

/**
 * For an engine that cannot read tokens: identity attributes as request headers, e.g.
 * `{ "X-User": "${user.loginId}", "X-Roles": "${user.roles}", "X-Mail": "${user.email}" }`.
 * Placeholders: loginId, roles, groups (comma-joined), level, amr, authenticator, or any
 * identity attribute by name. A client's copies of these headers are always removed (also
 * on routes without this filter: the gateway strips every name listed here); a header whose
 * value comes out empty is not sent. Values with characters outside printable ASCII are
 * percent-encoded (UTF-8), so no value can break a header line.
 */
export function identityHeadersFilter(options: Record<string, unknown>): Filter {
  const templates = compileTemplates(options);
  return {
    name: 'identity-headers',
    phase: 'before',
    priority: 800,
    why: `the engine reads the caller from ${templates.map((t) => t.header).join(', ')}`,
    run(ctx) {
      for (const t of templates) {
        ctx.removeHeaders.add(t.header);
        if (!ctx.subject) continue;
        const value = t.parts.map((p) => (typeof p === 'string' ? p : valueOf(ctx.subject!, p.name))).join('');
        if (t.parts.some((p) => typeof p !== 'string') && t.parts.every((p) => typeof p === 'string' || valueOf(ctx.subject!, p.name) === '')) continue;
        if (value !== '') ctx.upstreamHeaders[t.header] = headerSafe(value);
      }
    },
  };
}

/** The header names configured in every identity-headers filter, lower-case, so the gateway strips them everywhere. */
export function identityHeaderNames(filterRefs: ReadonlyArray<{ use: string; options?: Record<string, unknown> }>): string[] {
  const names = new Set<string>();
  for (const ref of filterRefs) {
    if (ref.use !== 'identity-headers') continue;
    const headers = ref.options?.headers;
    if (headers && typeof headers === 'object') for (const name of Object.keys(headers)) names.add(name.toLowerCase());
  }
  return [...names];
}

interface Template {
  header: string;
  parts: Array<string | { name: string }>;
}

const PLACEHOLDER = /\$\{user\.([A-Za-z_][A-Za-z0-9_]*)\}/g;

function compileTemplates(options: Record<string, unknown>): Template[] {
  const unknown = Object.keys(options).filter((k) => k !== 'headers');
  if (unknown.length > 0) throw new FilterOptionsError(`options.${unknown[0]}`, 'unknown option');
  const headers = options.headers;
  if (!headers || typeof headers !== 'object' || Array.isArray(headers) || Object.keys(headers).length === 0) {
    throw new FilterOptionsError('options.headers', 'must map header names to templates such as "${user.loginId}"');
  }
  return Object.entries(headers as Record<string, unknown>).map(([header, template]) => {
    const path = `options.headers.${header}`;
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) throw new FilterOptionsError(path, 'is not a header name');
    if (typeof template !== 'string') throw new FilterOptionsError(path, 'must be a string template');
    const parts: Template['parts'] = [];
    let last = 0;
    for (const m of template.matchAll(PLACEHOLDER)) {
      if (m.index! > last) parts.push(template.slice(last, m.index));
      parts.push({ name: m[1]! });
      last = m.index! + m[0].length;
    }
    if (last < template.length) parts.push(template.slice(last));
    const literal = parts.filter((p): p is string => typeof p === 'string').join('');
    if (literal.includes('${')) throw new FilterOptionsError(path, 'has a placeholder other than ${user.<name>}');
    return { header: header.toLowerCase(), parts };
  });
}

function valueOf(subject: FilterSubject, name: string): string {
  switch (name) {
    case 'loginId':
      return subject.loginId;
    case 'roles':
      return subject.roles.join(',');
    case 'groups':
      return subject.groups.join(',');
    case 'amr':
      return subject.amr.join(',');
    case 'level':
      return subject.level ?? '';
    case 'authenticator':
      return subject.authenticator;
    default:
      return Object.hasOwn(subject.attributes, name) ? (subject.attributes[name] ?? '') : '';
  }
}

function headerSafe(value: string): string {
  return /^[\x20-\x7e]*$/.test(value) ? value : encodeURIComponent(value);
}
