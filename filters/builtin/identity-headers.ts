import type { FilterSubject, Filter } from '../types.js';
import { compileHeaderTemplates, configuredHeaderNames } from './header-templates.js';

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
  const templates = compileHeaderTemplates(options, { namespace: 'user', example: '${user.loginId}' });
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

/** The header names of every identity-headers filter, lower-case, so the gateway strips them everywhere. */
export const identityHeaderNames = (filterRefs: ReadonlyArray<{ use: string; options?: Record<string, unknown> }>): string[] => configuredHeaderNames(filterRefs, 'identity-headers');


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
