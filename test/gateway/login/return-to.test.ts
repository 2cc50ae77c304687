import { describe, expect, it } from 'vitest';
import { safeReturnTo } from '../../../gateway/login/return-to.js';

describe('returnTo accepts only local paths', () => {
  it.each([
    ['/app/', '/app/'],
    ['/admin/users?sort=name#top', '/admin/users?sort=name#top'],
    ['/app/../admin/', '/admin/'],
  ])('keeps %s', (input, expected) => expect(safeReturnTo(input)).toBe(expected));

  it.each([
    ['//evil.example/'],
    ['/\\evil.example/'],
    ['https://evil.example/'],
    ['javascript:alert(1)'],
    ['app/'],
    [''],
    ['/\tevil'],
    ['/%0d%0aSet-Cookie:x=y'.replace('%0d%0a', '\r\n')],
    [undefined],
    [['/a', '/b']],
    ['/' + 'a'.repeat(3000)],
  ])('turns %j into /', (input) => expect(safeReturnTo(input)).toBe('/'));
});
