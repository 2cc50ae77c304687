/**
 * One canonical path per request, decided before routing: the router, route policies, start
 * conditions and the upstream all see this path and no other, so an engine cannot be asked
 * for something the gateway did not check.
 *
 * - percent-escapes are decoded exactly once (`%2561` stays the text `%61`);
 * - `%2F`, `%5C`, `%3B` and `%00` inside a segment, raw `\`, control characters (raw or
 *   encoded) and malformed escapes or UTF-8 are refused (400): servers disagree on what they mean;
 * - matrix parameters (`;jsessionid=1`) are removed from every segment, so `/a;x/b` is `/a/b`
 *   for the gateway and for a Java engine alike (Tomcat's `/..;/` is a plain `..`);
 * - `.` and `..` segments are resolved (never above `/`), repeated slashes collapse;
 * - the result is re-encoded for the wire; the query string is passed on untouched.
 *
 * Case: paths keep the client's case on the way to the engine, but the gateway matches them
 * ignoring ASCII case (see docs/request-hardening.md), so `/ADMIN/` meets `/admin/`'s checks.
 */

export type TargetDecision =
  | { ok: true; /** the request target to route and forward: canonical path, then the raw query */ url: string; /** the canonical path, decoded */ path: string }
  | { ok: false; statusCode: 400 | 414; code: 'GW_PATH_INVALID' | 'GW_PATH_AMBIGUOUS' | 'GW_PATH_TOO_LONG'; message: string };

const AMBIGUOUS_ESCAPE = /%(2f|5c|3b|00)/i;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const MALFORMED_ESCAPE = /%(?![0-9a-f]{2})/i;
/** characters a segment keeps as they are when re-encoded (no `%`, no `;`) */
const PLAIN_PATH = /^[A-Za-z0-9\-._~!$&'()*+,=:@/]*$/;
/** a `.` or `..` segment, or an empty one before the end (`//`) */
const DOT_OR_EMPTY_SEGMENT = /\/\.\.?(\/|$)|\/\//;

function refuse(code: 'GW_PATH_INVALID' | 'GW_PATH_AMBIGUOUS', message: string): TargetDecision {
  return { ok: false, statusCode: 400, code, message };
}

/** Decide the canonical form of a raw request target (`/path?query` as the client sent it). */
export function canonicalTarget(raw: string, maxPathLength: number): TargetDecision {
  if (!raw.startsWith('/')) return refuse('GW_PATH_INVALID', 'the request target must be a path starting with "/"');
  const q = raw.indexOf('?');
  const rawPath = q === -1 ? raw : raw.slice(0, q);
  if (rawPath.length > maxPathLength) {
    return { ok: false, statusCode: 414, code: 'GW_PATH_TOO_LONG', message: `the path is longer than ${maxPathLength} bytes` };
  }
  // the common case: nothing to decode, resolve or re-encode, so the target is its own canonical form
  if (PLAIN_PATH.test(rawPath) && !DOT_OR_EMPTY_SEGMENT.test(rawPath)) return { ok: true, path: rawPath, url: raw };
  if (rawPath.includes('\\') || rawPath.includes('#') || CONTROL.test(rawPath)) {
    return refuse('GW_PATH_INVALID', 'the path contains a backslash, "#" or a control character');
  }
  if (MALFORMED_ESCAPE.test(rawPath)) return refuse('GW_PATH_INVALID', 'the path contains a malformed percent-escape');
  if (AMBIGUOUS_ESCAPE.test(rawPath)) return refuse('GW_PATH_AMBIGUOUS', 'the path encodes "/", "\\", ";" or NUL inside a segment (%2F, %5C, %3B, %00)');

  const segments = rawPath.split('/');
  const out: string[] = [];
  // segments[0] is the empty text before the leading "/"
  for (let i = 1; i < segments.length; i++) {
    const rawSegment = segments[i]!;
    const semicolon = rawSegment.indexOf(';');
    let segment: string;
    try {
      segment = decodeURIComponent(semicolon === -1 ? rawSegment : rawSegment.slice(0, semicolon));
    } catch {
      return refuse('GW_PATH_INVALID', 'the path is not valid UTF-8 once decoded');
    }
    if (CONTROL.test(segment)) return refuse('GW_PATH_INVALID', 'the path encodes a control character');
    const last = i === segments.length - 1;
    if (segment === '..') {
      out.pop();
      if (last) out.push('');
    } else if (segment === '.' || segment === '') {
      if (last) out.push('');
    } else out.push(segment);
  }
  const path = '/' + out.join('/');
  const wire = '/' + out.map(encodeSegment).join('/');
  return { ok: true, path, url: q === -1 ? wire : wire + raw.slice(q) };
}

/** Percent-encode one decoded segment, keeping the characters RFC 3986 allows in a segment as they are. */
function encodeSegment(segment: string): string {
  return encodeURIComponent(segment).replace(/%(24|26|2B|2C|3D|3A|40)/g, (escape) => decodeURIComponent(escape));
}

/** The path the gateway matches on: the canonical path, ASCII case folded. */
export function matchingPath(canonicalPath: string): string {
  return canonicalPath.toLowerCase();
}
