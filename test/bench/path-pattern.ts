/**
 * Path patterns under an adversarial path: `/api/**\/v1/**\/items/**\/edit` against 8 KB made of
 * `v1/items/` repeated with no `/edit` at the end, the request that froze the gateway for
 * seconds when patterns were regular expressions. Measures the linear matcher (one NFA pass)
 * on that path and on a plain 8 KB path, and the regular expression the patterns used to
 * compile to, once, for comparison. `ratio path-pattern/regexp` is how much faster the matcher is.
 */
import { compilePathPattern } from '@portcullis/filters/path-pattern.js';

const PATTERN = '/api/**/v1/**/items/**/edit';

/** The old compilation: every `**` a `.*`, every `*` a `[^/]*`. */
function oldRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*' && pattern[i + 1] === '*') {
      re += '.*';
      i++;
    } else if (c === '*') re += '[^/]*';
    else re += c.replace(/[.+?^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function timeMs(fn: () => boolean, minMs: number): { perCallMs: number; calls: number } {
  let calls = 0;
  const start = performance.now();
  let elapsed = 0;
  do {
    fn();
    calls++;
    elapsed = performance.now() - start;
  } while (elapsed < minMs);
  return { perCallMs: elapsed / calls, calls };
}

export function runPathPatternBench(): { lines: string[]; ratio: number } {
  const evil = ('/api/' + 'v1/items/'.repeat(1000)).slice(0, 8192);
  const plain = '/api/' + 'a'.repeat(8187);
  const matcher = compilePathPattern(PATTERN);
  if (matcher(evil) || !matcher('/api/x/v1/y/items/z/edit')) throw new Error('the matcher gives a wrong answer');
  const nfaEvil = timeMs(() => matcher(evil), 300);
  const nfaPlain = timeMs(() => matcher(plain), 300);
  // at most one call: the expression takes seconds on this input
  const re = oldRegExp(PATTERN);
  const start = performance.now();
  re.test(evil);
  const regexpMs = performance.now() - start;
  return {
    lines: [
      `path-pattern ${PATTERN} on 8 KB: linear matcher ${nfaEvil.perCallMs.toFixed(3)} ms (adversarial), ${nfaPlain.perCallMs.toFixed(3)} ms (plain); old regular expression ${regexpMs.toFixed(0)} ms (adversarial, one call)`,
      `ratio path-pattern/regexp: ${(regexpMs / nfaEvil.perCallMs).toFixed(0)}`,
    ],
    ratio: regexpMs / nfaEvil.perCallMs,
  };
}
