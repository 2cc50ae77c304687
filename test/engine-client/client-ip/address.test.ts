import { describe, expect, it } from 'vitest';
import { createAddressSet, normalizeAddress, parseForwardedEntry } from '../../../engine-client/client-ip/index.js';

describe('normalizeAddress', () => {
  it.each([
    ['127.0.0.1', '127.0.0.1'],
    [' 10.1.2.3 ', '10.1.2.3'],
    ['::ffff:127.0.0.1', '127.0.0.1'],
    ['::FFFF:7f00:1', '127.0.0.1'],
    ['2001:DB8::0:1', '2001:db8::1'],
    ['fe80::1%lo0', 'fe80::1'],
    ['::1', '::1'],
  ])('%s → %s', (input, output) => expect(normalizeAddress(input)).toBe(output));

  it.each(['', 'localhost', '1.2.3.4:80', '01.2.3.4', '1.2.3', '[::1]', undefined])('%s is not an address', (input) =>
    expect(normalizeAddress(input)).toBeUndefined(),
  );
});

describe('parseForwardedEntry', () => {
  it.each([
    ['1.2.3.4:8080', '1.2.3.4'],
    ['[::1]:443', '::1'],
    ['[::ffff:1.2.3.4]', '1.2.3.4'],
    ['"[2001:db8::1]:80"', '2001:db8::1'],
  ])('%s → %s', (input, output) => expect(parseForwardedEntry(input)).toBe(output));

  it.each(['1.2.3.4:', '1.2.3.4:123456', '[::1]x', '[::1', 'unknown', '_hidden'])('%s is refused', (input) =>
    expect(parseForwardedEntry(input)).toBeUndefined(),
  );
});

describe('createAddressSet', () => {
  it('matches addresses and ranges of both families, mapped or not', () => {
    const set = createAddressSet(['192.0.2.1', '10.1.2.3/8', '2001:db8::/32', '::ffff:172.16.0.0/112']);
    expect(set.has('192.0.2.1')).toBe(true);
    expect(set.has('192.0.2.2')).toBe(false);
    expect(set.has('10.200.0.1')).toBe(true);
    expect(set.has('::ffff:10.200.0.1')).toBe(true);
    expect(set.has('2001:db8:1::1')).toBe(true);
    expect(set.has('2001:db9::1')).toBe(false);
    expect(set.has('172.16.5.5')).toBe(true);
    expect(set.has('172.17.0.1')).toBe(false);
    expect(set.has('unknown')).toBe(false);
  });

  it.each([['::ffff:10.0.0.0/64'], ['fe80::1%eth0'], ['1.2.3.4/-1'], ['1.2.3.4/ 8'], ['']])('refuses %s', (entry) =>
    expect(() => createAddressSet([entry], 'list')).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'list[0]' })),
  );
});
