/**
 * Escaping for values put into LDAP filters (RFC 4515) and DNs (RFC 4514). Every value that
 * comes from a user or from another entry goes through one of these before it reaches a
 * filter or a DN, so `*)(uid=*`, a backslash or a NUL stays a literal value.
 * Pure string functions: no ldapts here, so engine-client can load this anywhere.
 */

const FILTER_SPECIALS: Record<string, string> = {
  '\\': '\\5c',
  '*': '\\2a',
  '(': '\\28',
  ')': '\\29',
  '\0': '\\00',
};

/** RFC 4515 §3: `\`, `*`, `(`, `)` and NUL as `\XX`. Non-ASCII stays UTF-8, as the RFC allows. */
export function escapeFilterValue(value: string): string {
  return value.replace(/[\\*()\0]/g, (c) => FILTER_SPECIALS[c]!);
}

const hex = (c: string) => '\\' + c.charCodeAt(0).toString(16).padStart(2, '0');

/**
 * RFC 4514 §2.4: `"`, `+`, `,`, `;`, `<`, `>`, `\` and `=` with a backslash; NUL and other
 * control characters as `\XX`; a leading `#` or space and a trailing space escaped.
 */
export function escapeDnValue(value: string): string {
  let out = value.replace(/[\x00-\x1f\x7f"+,;<>\\=]/g, (c) => (c < ' ' || c === '\x7f' ? hex(c) : '\\' + c));
  if (value.startsWith('#') || value.startsWith(' ')) out = '\\' + out;
  // a trailing space is never touched above, so the last character of `out` is that space
  if (value.length > 1 && value.endsWith(' ')) out = out.slice(0, -1) + '\\ ';
  return out;
}

/**
 * Put values into a template such as `(&(objectClass=person)(uid={login}))`, each through
 * `escape`. One pass: text inside a value is never taken for another placeholder.
 * Placeholders without a value are left as they are.
 */
export function fillTemplate(template: string, values: Record<string, string>, escape: (v: string) => string): string {
  return template.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) =>
    Object.hasOwn(values, name) ? escape(values[name]!) : whole,
  );
}
