import { BlockList } from 'node:net';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createAddressSet, normalizeAddress } from '../../../engine-client/client-ip/index.js';

/** Oracles: WHATWG URL serialisation for IPv6 text, node's BlockList for range membership. */
const urlCanonical = (v6: string) => new URL(`http://[${v6}]/`).hostname.slice(1, -1);

const hextets = fc.array(fc.oneof(fc.constant(0), fc.constant(0xffff), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 });
const v6Full = hextets.map((h) => h.map((x) => x.toString(16)).join(':'));
const v4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));

describe('address parsing agrees with the oracles', () => {
  it('normalises any IPv6 spelling to the URL serialisation (mapped IPv4 unmapped)', () => {
    fc.assert(
      fc.property(v6Full, fc.boolean(), (full, upper) => {
        const text = upper ? full.toUpperCase() : full;
        const expected = urlCanonical(full);
        const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(expected);
        const want = mapped
          ? [parseInt(mapped[1]!, 16) >> 8, parseInt(mapped[1]!, 16) & 255, parseInt(mapped[2]!, 16) >> 8, parseInt(mapped[2]!, 16) & 255].join('.')
          : expected;
        expect(normalizeAddress(text)).toBe(want);
        expect(normalizeAddress(expected)).toBe(want);
      }),
      { numRuns: 2000 },
    );
  });

  it('decides IPv4 range membership like BlockList', () => {
    fc.assert(
      fc.property(v4, fc.integer({ min: 0, max: 32 }), v4, (net, prefix, address) => {
        const oracle = new BlockList();
        oracle.addSubnet(net, prefix, 'ipv4');
        expect(createAddressSet([`${net}/${prefix}`]).has(address)).toBe(oracle.check(address, 'ipv4'));
      }),
      { numRuns: 2000 },
    );
  });

  it('decides IPv6 range membership like BlockList', () => {
    fc.assert(
      fc.property(v6Full, fc.integer({ min: 0, max: 128 }), v6Full, fc.integer({ min: 0, max: 8 }), (net, prefix, other, shared) => {
        // make the address share `shared` leading hextets with the network, so matches happen
        const address = [...net.split(':').slice(0, shared), ...other.split(':').slice(shared)].join(':');
        // mapped networks and addresses are IPv4 by design (covered by the IPv4 property)
        if (!normalizeAddress(net)!.includes(':')) return;
        const oracle = new BlockList();
        oracle.addSubnet(net, prefix, 'ipv6');
        const set = createAddressSet([`${net}/${prefix}`]);
        const normalised = normalizeAddress(address)!;
        if (!normalised.includes(':')) return;
        expect(set.has(address)).toBe(oracle.check(address, 'ipv6'));
      }),
      { numRuns: 2000 },
    );
  });
});
