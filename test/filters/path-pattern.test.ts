import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { compilePathPattern } from '../../filters/path-pattern.js';

/** The meaning of a pattern, written as a backtracking matcher: slow, but obviously right. */
function reference(pattern: string, path: string): boolean {
  const p = pattern.toLowerCase();
  const s = path.toLowerCase();
  const at = (i: number, j: number): boolean => {
    if (i === p.length) return j === s.length;
    if (p[i] === '/' && p.startsWith('**', i + 1) && (i + 3 === p.length || p[i + 3] === '/')) {
      // zero segments, or "/" and anything
      if (at(i + 3, j)) return true;
      if (s[j] !== '/') return false;
      for (let k = j + 1; k <= s.length; k++) if (at(i + 3, k)) return true;
      return false;
    }
    if (p[i] === '*' && p[i + 1] === '*') {
      for (let k = j; k <= s.length; k++) if (at(i + 2, k)) return true;
      return false;
    }
    if (p[i] === '*') {
      for (let k = j; k <= s.length && (k === j || s[k - 1] !== '/'); k++) if (at(i + 1, k)) return true;
      return false;
    }
    return j < s.length && p[i] === s[j] && at(i + 1, j + 1);
  };
  return at(0, 0);
}

describe('path patterns', () => {
  it.each([
    ['/admin/**', '/admin', true],
    ['/admin/**', '/admin/', true],
    ['/admin/**', '/admin/x/y', true],
    ['/admin/**', '/administrator', false],
    ['/a/**/b', '/a/b', true],
    ['/a/**/b', '/a/x/y/b', true],
    ['/a/**/b', '/a/xb', false],
    ['/api/*/items', '/api/7/items', true],
    ['/api/*/items', '/api/7/8/items', false],
    ['/api/*/items', '/api//items', true],
    ['/files/*.pdf', '/files/report.pdf', true],
    ['/files/*.pdf', '/files/a/report.pdf', false],
    ['/x**y', '/x/a/y', true],
    ['/Cond/Secret/**', '/cond/SECRET/x', true],
    ['/api/**/v1/**/items/**/edit', '/api/a/v1/b/items/c/edit', true],
    ['/api/**/v1/**/items/**/edit', '/api/v1/items/edit', true],
    ['/api/**/v1/**/items/**/edit', '/api/v1/items/edits', false],
  ])('%s vs %s → %s', (pattern, path, expected) => {
    expect(compilePathPattern(pattern)(path)).toBe(expected);
    expect(reference(pattern, path)).toBe(expected);
  });

  it('agrees with the backtracking reference on random patterns and paths', () => {
    const piece = fc.constantFrom('/', 'a', 'b', '*', '**', '/**', 'ab');
    const pattern = fc.array(piece, { minLength: 1, maxLength: 6 }).map((parts) => '/' + parts.join(''));
    const path = fc.array(fc.constantFrom('/', 'a', 'b', 'A'), { maxLength: 12 }).map((cs) => '/' + cs.join(''));
    fc.assert(
      fc.property(pattern, path, (pat, p) => compilePathPattern(pat)(p) === reference(pat, p)),
      { numRuns: 3000 },
    );
  });

  it('answers the adversarial 8 KB path (no /edit at the end) correctly, and again from its cache', () => {
    const matcher = compilePathPattern('/api/**/v1/**/items/**/edit');
    const evil = ('/api/' + 'v1/items/'.repeat(1000)).slice(0, 8192);
    expect(matcher(evil)).toBe(false);
    expect(matcher(evil + '/edit')).toBe(true);
    expect(matcher(evil)).toBe(false);
  });
});
