import { FilterOptionsError } from './options-error.js';

/**
 * Header templates as the `identity-headers` and `credentials` filters take them:
 * `{ headers: { X-Name: 'literal ${ns.name} literal' } }`, one placeholder family per filter.
 * Compiled once at start-up into literal parts and named slots, each mistake an options error
 * naming the header.
 */
export interface HeaderTemplate {
  /** lower-case header name */
  header: string;
  parts: Array<string | { name: string }>;
}

export interface TemplateFamily {
  /** the placeholder namespace: `user` reads `${user.loginId}` */
  namespace: string;
  /** an example template for the error message */
  example: string;
  /** what a slot name may be (default: letters, digits and `_`, not starting with a digit) */
  namePattern?: string;
  /** a template must name at least one slot (a credential header without a credential is a mistake) */
  slotRequired?: string;
}

export function compileHeaderTemplates(options: Record<string, unknown>, family: TemplateFamily): HeaderTemplate[] {
  const unknown = Object.keys(options).filter((k) => k !== 'headers');
  if (unknown.length > 0) throw new FilterOptionsError(`options.${unknown[0]}`, 'unknown option');
  const headers = options.headers;
  if (!headers || typeof headers !== 'object' || Array.isArray(headers) || Object.keys(headers).length === 0) {
    throw new FilterOptionsError('options.headers', `must map header names to templates such as "${family.example}"`);
  }
  const placeholder = new RegExp(`\\$\\{${family.namespace}\\.(${family.namePattern ?? '[A-Za-z_][A-Za-z0-9_]*'})\\}`, 'g');
  return Object.entries(headers as Record<string, unknown>).map(([header, template]) => {
    const path = `options.headers.${header}`;
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]+$/.test(header)) throw new FilterOptionsError(path, 'is not a header name');
    if (typeof template !== 'string') throw new FilterOptionsError(path, 'must be a string template');
    const parts: HeaderTemplate['parts'] = [];
    let last = 0;
    for (const m of template.matchAll(placeholder)) {
      if (m.index! > last) parts.push(template.slice(last, m.index));
      parts.push({ name: m[1]! });
      last = m.index! + m[0].length;
    }
    if (last < template.length) parts.push(template.slice(last));
    if (family.slotRequired && !parts.some((p) => typeof p !== 'string')) throw new FilterOptionsError(path, family.slotRequired);
    const literal = parts.filter((p): p is string => typeof p === 'string').join('');
    if (literal.includes('${')) throw new FilterOptionsError(path, `has a placeholder other than \${${family.namespace}.<name>}`);
    return { header: header.toLowerCase(), parts };
  });
}

/** The header names every filter of kind `use` sets, lower-case, so the gateway strips them from clients everywhere. */
export function configuredHeaderNames(filterRefs: ReadonlyArray<{ use: string; options?: Record<string, unknown> }>, use: string): string[] {
  const names = new Set<string>();
  for (const ref of filterRefs) {
    if (ref.use !== use) continue;
    const headers = ref.options?.headers;
    if (headers && typeof headers === 'object') for (const name of Object.keys(headers)) names.add(name.toLowerCase());
  }
  return [...names];
}
