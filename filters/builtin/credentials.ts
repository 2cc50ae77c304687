import type { Filter } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';
import { compileHeaderTemplates, configuredHeaderNames } from './header-templates.js';

/**
 * Sets request headers from the caller's own vault credentials, e.g.
 * `{ "Authorization": "Bearer ${credentials.github_token}" }`, so the engine or SaaS API behind
 * the route receives the user's secret, not a shared one. A credential the caller has not stored
 * refuses the request (`credential-missing`: a browser is sent to its account page, an API
 * client gets 403 naming the key). A client's own copies of these headers are always removed.
 * Runs after `attach-token`: a header named like the token header carries the credential.
 */
export function credentialsFilter(options: Record<string, unknown>, deps: BuiltinFilterDeps): Filter {
  const templates = compileHeaderTemplates(options, { namespace: 'credentials', namePattern: '[A-Za-z][A-Za-z0-9_]*', example: 'Bearer ${credentials.github_token}', slotRequired: 'names no credential (write ${credentials.<name>})' });
  const keys = [...new Set(templates.flatMap((t) => t.parts.filter((p): p is { name: string } => typeof p !== 'string').map((p) => p.name)))];
  return {
    name: 'credentials',
    phase: 'before',
    priority: 950,
    why: `the upstream receives the caller's own ${keys.join(', ')} in ${templates.map((t) => t.header).join(', ')}`,
    async run(ctx) {
      for (const t of templates) ctx.removeHeaders.add(t.header);
      if (!ctx.subject) return;
      if (!deps.credentials) return { refuse: { code: 'forbidden', message: 'this route needs the credentials vault, which is not configured' } };
      const values = await deps.credentials(ctx, keys);
      const missing = keys.find((k) => values.get(k) === undefined);
      if (missing !== undefined) {
        return { refuse: { code: 'credential-missing', message: `this page needs your credential '${missing}'; add it on your account page`, detail: { key: missing } } };
      }
      for (const t of templates) {
        const value = t.parts.map((p) => (typeof p === 'string' ? p : values.get(p.name)!)).join('');
        // a stored line break would end the header line: never sent, never echoed
        if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) {
          const bad = t.parts.find((p) => typeof p !== 'string' && !/^[\t\x20-\x7e\x80-\xff]*$/.test(values.get(p.name)!)) as { name: string } | undefined;
          return { refuse: { code: 'credential-missing', message: `your credential '${bad?.name ?? '?'}' cannot be sent in a header (it holds a line break or a control character); replace it on your account page`, detail: { key: bad?.name } } };
        }
        ctx.upstreamHeaders[t.header] = value;
      }
    },
  };
}

/** The header names of every credentials filter, lower-case, so the gateway strips them everywhere. */
export const credentialHeaderNames = (filterRefs: ReadonlyArray<{ use: string; options?: Record<string, unknown> }>): string[] => configuredHeaderNames(filterRefs, 'credentials');

