/**
 * The client-address table, shared by the unit test and the over-the-socket integration
 * test. `peer` is the socket address the engine sees; `xff` the header lines as they arrive.
 * Addresses under 203.0.113.0/24, 198.51.100.0/24 and 2001:db8::/32 are documentation ranges.
 */
export interface ClientIpCase {
  name: string;
  trusted: string[];
  peer: string;
  xff?: string | string[];
  expect: string;
  source: 'socket' | 'forwarded' | 'unknown';
}

const PROXIES = ['10.0.0.0/8', '2001:db8:ffff::/48'];

export const CLIENT_IP_CASES: ClientIpCase[] = [
  // no trusted proxies: the header is never believed
  { name: 'no proxies, no header', trusted: [], peer: '203.0.113.7', expect: '203.0.113.7', source: 'socket' },
  { name: 'no proxies, header ignored', trusted: [], peer: '203.0.113.7', xff: '1.1.1.1', expect: '203.0.113.7', source: 'socket' },
  { name: 'no proxies, loopback peer claims an address', trusted: [], peer: '127.0.0.1', xff: '8.8.8.8', expect: '127.0.0.1', source: 'socket' },
  { name: 'no proxies, mapped peer normalised', trusted: [], peer: '::ffff:203.0.113.7', xff: '1.1.1.1', expect: '203.0.113.7', source: 'socket' },
  // peer is not a trusted proxy: header ignored even with proxies configured
  { name: 'untrusted peer sends header', trusted: PROXIES, peer: '203.0.113.7', xff: '10.0.0.1', expect: '203.0.113.7', source: 'socket' },
  { name: 'untrusted IPv6 peer sends header', trusted: PROXIES, peer: '2001:db8::5', xff: '198.51.100.1', expect: '2001:db8::5', source: 'socket' },
  // one trusted proxy
  { name: 'one proxy, one entry', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'one proxy, no header: proxy is the caller', trusted: PROXIES, peer: '10.0.0.2', expect: '10.0.0.2', source: 'socket' },
  { name: 'one proxy, empty header', trusted: PROXIES, peer: '10.0.0.2', xff: '  ', expect: '10.0.0.2', source: 'socket' },
  { name: 'spoofed leftmost entry ignored', trusted: PROXIES, peer: '10.0.0.2', xff: '127.0.0.1, 203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'spoofed trusted-looking leftmost entry ignored', trusted: PROXIES, peer: '10.0.0.2', xff: '10.9.9.9, 203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'many spoofed entries ignored', trusted: PROXIES, peer: '10.0.0.2', xff: '1.1.1.1, 2.2.2.2, 3.3.3.3, 203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  // several proxies
  { name: 'two proxies', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7, 10.0.0.3', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'three proxies with spoof', trusted: PROXIES, peer: '10.0.0.2', xff: '6.6.6.6, 203.0.113.7, 10.0.0.4, 10.0.0.3', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'all entries trusted: leftmost is the caller', trusted: PROXIES, peer: '10.0.0.2', xff: '10.1.1.1, 10.0.0.3', expect: '10.1.1.1', source: 'forwarded' },
  { name: 'untrusted hop between trusted ones stops the walk', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.9, 10.0.0.5, 198.51.100.4, 10.0.0.3', expect: '198.51.100.4', source: 'forwarded' },
  // several header lines
  { name: 'two header lines joined in order', trusted: PROXIES, peer: '10.0.0.2', xff: ['6.6.6.6', '203.0.113.7'], expect: '203.0.113.7', source: 'forwarded' },
  { name: 'two header lines, proxy in the second', trusted: PROXIES, peer: '10.0.0.2', xff: ['6.6.6.6, 203.0.113.7', '10.0.0.3'], expect: '203.0.113.7', source: 'forwarded' },
  // spaces, ports, brackets, quotes
  { name: 'no spaces', trusted: PROXIES, peer: '10.0.0.2', xff: '6.6.6.6,203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'extra spaces and tabs', trusted: PROXIES, peer: '10.0.0.2', xff: ' 6.6.6.6 ,\t203.0.113.7  ', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'IPv4 with port', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7:51234', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'bracketed IPv6 with port', trusted: PROXIES, peer: '10.0.0.2', xff: '[2001:db8::7]:443', expect: '2001:db8::7', source: 'forwarded' },
  { name: 'bracketed IPv6 without port', trusted: PROXIES, peer: '10.0.0.2', xff: '[2001:DB8:0:0::7]', expect: '2001:db8::7', source: 'forwarded' },
  { name: 'quoted entry', trusted: PROXIES, peer: '10.0.0.2', xff: '"203.0.113.7"', expect: '203.0.113.7', source: 'forwarded' },
  // IPv6 and mapped IPv6
  { name: 'IPv6 client, IPv4 proxy', trusted: PROXIES, peer: '10.0.0.2', xff: '2001:db8::7', expect: '2001:db8::7', source: 'forwarded' },
  { name: 'IPv6 proxy peer', trusted: PROXIES, peer: '2001:db8:ffff::1', xff: '203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'IPv6 proxy chain', trusted: PROXIES, peer: '2001:db8:ffff::1', xff: '2001:db8:1::9, 2001:db8:ffff::2', expect: '2001:db8:1::9', source: 'forwarded' },
  { name: 'mapped IPv6 peer is a trusted IPv4 proxy', trusted: PROXIES, peer: '::ffff:10.0.0.2', xff: '203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'mapped IPv6 entry normalised', trusted: PROXIES, peer: '10.0.0.2', xff: '::ffff:203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'mapped IPv6 entry that is a proxy is skipped', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7, ::ffff:10.0.0.3', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'mapped range in trusted list', trusted: ['::ffff:10.0.0.0/104'], peer: '10.0.0.2', xff: '203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'upper-case IPv6 entry compressed', trusted: PROXIES, peer: '10.0.0.2', xff: '2001:DB8:0000:0000:0000:0000:0000:0007', expect: '2001:db8::7', source: 'forwarded' },
  // malformed: never crashes, never lets the client choose
  { name: 'garbage left of the real client ignored', trusted: PROXIES, peer: '10.0.0.2', xff: 'garbage, <script>, 203.0.113.7', expect: '203.0.113.7', source: 'forwarded' },
  { name: 'garbage written by the proxy: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '6.6.6.6, not-an-ip', expect: 'unknown', source: 'unknown' },
  { name: 'empty entry in the trusted part: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '6.6.6.6, , 10.0.0.3', expect: 'unknown', source: 'unknown' },
  { name: 'leading zeros are not an address', trusted: PROXIES, peer: '10.0.0.2', xff: '6.6.6.6, 010.000.000.001', expect: 'unknown', source: 'unknown' },
  { name: 'bad port', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7:http', expect: 'unknown', source: 'unknown' },
  { name: 'port out of range from a trusted proxy: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '10.0.0.5:99999', expect: 'unknown', source: 'unknown' },
  { name: 'port out of range behind a proxy hop: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7:65536, 10.0.0.3', expect: 'unknown', source: 'unknown' },
  { name: 'port zero: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7:0', expect: 'unknown', source: 'unknown' },
  { name: 'empty port: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7:', expect: 'unknown', source: 'unknown' },
  { name: 'port with leading zeros: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7:00080', expect: 'unknown', source: 'unknown' },
  { name: 'bracketed IPv6 with port out of range: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '[2001:db8::7]:70000', expect: 'unknown', source: 'unknown' },
  { name: 'two addresses in one entry: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '203.0.113.7 198.51.100.1', expect: 'unknown', source: 'unknown' },
  { name: 'the word unknown: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: 'unknown', expect: 'unknown', source: 'unknown' },
  { name: 'obfuscated identifier (RFC 7239 style): unknown', trusted: PROXIES, peer: '10.0.0.2', xff: '_hidden', expect: 'unknown', source: 'unknown' },
  { name: 'unclosed bracket', trusted: PROXIES, peer: '10.0.0.2', xff: '[2001:db8::7', expect: 'unknown', source: 'unknown' },
  { name: 'overlong header: spoofed padding on the left is cut', trusted: PROXIES, peer: '10.0.0.2', xff: `${'6.6.6.6, '.repeat(1000)}203.0.113.7`, expect: '203.0.113.7', source: 'forwarded' },
  { name: 'overlong single entry: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: 'x'.repeat(5000), expect: 'unknown', source: 'unknown' },
  { name: 'more trusted hops than allowed: unknown', trusted: PROXIES, peer: '10.0.0.2', xff: Array.from({ length: 20 }, (_, i) => `10.0.1.${i}`).join(', '), expect: 'unknown', source: 'unknown' },
  { name: 'zone id dropped from IPv6 entry', trusted: PROXIES, peer: '10.0.0.2', xff: 'fe80::1%eth0', expect: 'fe80::1', source: 'forwarded' },
];
