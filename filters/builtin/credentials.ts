import type { Filter } from '../types.js';
import type { BuiltinFilterDeps } from './deps.js';
import { FilterOptionsError } from './options-error.js';

/**
 * Sets request headers from the caller's own vault credentials, e.g.
 * `{ "Authorization": "Bearer ${credentials.github_token}" }`, so the engine or SaaS API behind
 * the route receives the user's secret, not a shared one. A credential the caller has not stored
 * refuses the request (`credential-missing`: a browser is sent to its account page, an API
 * client gets 403 naming the key). A client's own copies of these headers are always removed.
 * Runs after `attach-token`: a header named like the token header carries the credential.
 */
export function credentialsFilter(options: Record<string, unknown>, deps: BuiltinFilterDeps): Filter {
  const templates = compileTemplates(options);
  const keys = [...new Set(templates.flatMap((t) => t.parts.filter((p): p is { key: string } => typeof p !== 'string').map((p) => p.key)))];
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
        const value = t.parts.map((p) => (typeof p === 'string' ? p : values.get(p.key)!)).join('');
        // a stored line break would end the header line: never sent, never echoed
        if (!/^[\t\x20-\x7e\x80-\xff]*$/.test(value)) {
          const bad = t.parts.find((p) => typeof p !== 'string' && !/^[\t\x20-\x7e\x80-\xff]*$/.test(values.get(p.key)!)) as { key: string } | undefined;
          return { refuse: { code: 'credential-missing', message: `your credential '${bad?.key ?? '?'}' cannot be sent in a header (it holds a line break or a control character); replace it on your account page`, detail: { key: bad?.key } } };
        }
        ctx.upstreamHeaders[t.header] = value;
      }
    },
  };
}

/** The header names of every credentials filter, lower-case, so the gateway strips them everywhere. */
export function credentialHeaderNames(filterRefs: ReadonlyArray<{ use: string; options?: Record<string, unknown> }>): string[] {
  const names = new Set<string>();
  for (const ref of filterRefs) {
    if (ref.use !== 'credentials') continue;
    const headers = ref.options?.headers;
    if (headers && typeof headers === 'object') for (const name of Object.keys(headers)) names.add(name.toLowerCase());
  }
  return [...names];
}

interface Template {
  header: string;
  parts: Array<string | { key: string }>;
}

const PLACEHOLDER = /\$\{credentials\.([A-Za-z][A-Za-z0-9_]*)\}/g;

function compileTemplates(options: Record<string, unknown>): Template[] {
  const unknown = Object.keys(options).filter((k) => k !== 'headers');
  if (unknown.length > 0) throw new FilterOptionsError(`options.${unknown[0]}`, 'unknown option');
  const headers = options.headers;
  if (!headers || typeof headers !== 'object' || Array.isArray(headers) || Object.keys(headers).length === 0) {
    throw new FilterOptionsError('options.headers', 'must map header names to templates such as "Bearer ${credentials.github_token}"');
  }
  return Object.entries(headers as Record<string, unknown>).map(([header, template]) => {
    const path = `options.headers.${header}`;
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) throw new FilterOptionsError(path, 'is not a header name');
    if (typeof template !== 'string') throw new FilterOptionsError(path, 'must be a string template');
    const parts: Template['parts'] = [];
    let last = 0;
    for (const m of template.matchAll(PLACEHOLDER)) {
      if (m.index! > last) parts.push(template.slice(last, m.index));
      parts.push({ key: m[1]! });
      last = m.index! + m[0].length;
    }
    if (last < template.length) parts.push(template.slice(last));
    if (!parts.some((p) => typeof p !== 'string')) throw new FilterOptionsError(path, 'names no credential (write ${credentials.<name>})');
    const literal = parts.filter((p): p is string => typeof p === 'string').join('');
    if (literal.includes('${')) throw new FilterOptionsError(path, 'has a placeholder other than ${credentials.<name>}');
    return { header: header.toLowerCase(), parts };
  });
}
