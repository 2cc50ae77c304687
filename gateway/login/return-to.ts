/**
 * Only a local path may be a place to return to after login: it starts with one `/`, is
 * not protocol-relative (`//evil`), has no backslash trick (`/\evil`), no scheme and no
 * control characters. Anything else falls back to `/`.
 */
export function safeReturnTo(value: unknown): string {
  if (typeof value !== 'string' || value.length === 0 || value.length > 2048) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  if (/[\u0000-\u001f\u007f\\]/.test(value)) return '/';
  try {
    // Resolve against a throwaway origin: a path that escapes it is not local.
    const resolved = new URL(value, 'http://local.invalid');
    if (resolved.origin !== 'http://local.invalid') return '/';
    return resolved.pathname + resolved.search + resolved.hash;
  } catch {
    return '/';
  }
}
