import { describe, expect, it } from 'vitest';
import { createClientAddressResolver, UNKNOWN_ADDRESS } from '../../../engine-client/client-ip/index.js';
import { CLIENT_IP_CASES } from '../../support/client-ip-cases.js';

describe('client address decision (table)', () => {
  it('has at least 30 cases', () => {
    expect(CLIENT_IP_CASES.length).toBeGreaterThanOrEqual(30);
  });

  it.each(CLIENT_IP_CASES)('$name', (c) => {
    const resolve = createClientAddressResolver({ trustedProxies: c.trusted });
    const headers = c.xff === undefined ? {} : { 'x-forwarded-for': c.xff };
    const decision = resolve(c.peer, headers);
    expect(decision.address).toBe(c.expect);
    expect(decision.source).toBe(c.source);
  });
});

describe('client address decision (details)', () => {
  const resolve = createClientAddressResolver({ trustedProxies: ['10.0.0.0/8'] });

  it('lists the trusted proxies passed, nearest first', () => {
    const d = resolve('10.0.0.2', { 'x-forwarded-for': '6.6.6.6, 203.0.113.7, 10.0.0.4, 10.0.0.3' });
    expect(d.proxies).toEqual(['10.0.0.2', '10.0.0.3', '10.0.0.4']);
    expect(d.peer).toBe('10.0.0.2');
  });

  it('names the problem of an unknown decision', () => {
    expect(resolve('10.0.0.2', { 'x-forwarded-for': 'nonsense' }).problem).toBe('malformed-entry');
    expect(resolve(undefined, {}).problem).toBe('no-peer');
    expect(resolve(undefined, {}).address).toBe(UNKNOWN_ADDRESS);
  });

  it('reads a custom header name', () => {
    const custom = createClientAddressResolver({ trustedProxies: ['10.0.0.0/8'], header: 'X-Real-Client' });
    expect(custom('10.0.0.2', { 'x-real-client': '203.0.113.7', 'x-forwarded-for': '6.6.6.6' }).address).toBe('203.0.113.7');
  });

  it('honours a smaller hop limit', () => {
    const short = createClientAddressResolver({ trustedProxies: ['10.0.0.0/8'], maxHops: 2 });
    expect(short('10.0.0.2', { 'x-forwarded-for': '203.0.113.7, 10.0.0.3' }).address).toBe('203.0.113.7');
    expect(short('10.0.0.2', { 'x-forwarded-for': '203.0.113.7, 10.0.0.4, 10.0.0.3' }).source).toBe('unknown');
  });

  it('survives hostile header values of every shape without throwing', () => {
    const hostile = ['', ',', ',,,,', '[', ']', '[]:', '::', ':::::', '"', '""', '\u0000', '%', '1.2.3.4%eth0', '[::1]:99999x',
      '999.999.999.999', '1.2.3', 'a'.repeat(100_000), ','.repeat(100_000), '1.1.1.1,'.repeat(50_000)];
    for (const value of hostile) {
      expect(() => resolve('10.0.0.2', { 'x-forwarded-for': value })).not.toThrow();
      expect(() => resolve('10.0.0.2', { 'x-forwarded-for': [value, value] })).not.toThrow();
    }
  });

  it('starts with a coded error naming the bad trusted-proxy entry', () => {
    expect(() => createClientAddressResolver({ trustedProxies: ['10.0.0.0/8', '10.0.0.0/33'] }))
      .toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'clientAddress.trustedProxies[1]' }));
    expect(() => createClientAddressResolver({ trustedProxies: ['proxy.example'] }, 'server'))
      .toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'server.trustedProxies[0]' }));
    expect(() => createClientAddressResolver({ maxHops: 0 })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID' }));
  });

  it('understands the loopback and private presets', () => {
    const presets = createClientAddressResolver({ trustedProxies: ['loopback', 'private'] });
    expect(presets('::1', { 'x-forwarded-for': '203.0.113.7' }).address).toBe('203.0.113.7');
    expect(presets('192.168.1.1', { 'x-forwarded-for': '203.0.113.7' }).address).toBe('203.0.113.7');
    expect(presets('203.0.113.8', { 'x-forwarded-for': '203.0.113.7' }).address).toBe('203.0.113.8');
  });
});
