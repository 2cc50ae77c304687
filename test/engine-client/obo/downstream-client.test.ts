import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDownstreamClient } from '../../../engine-client/obo/index.js';

let server: Server;
let base: string;
const seen: Array<{ url: string; obo: string | undefined }> = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    seen.push({ url: req.url!, obo: req.headers['x-on-behalf-of'] as string | undefined });
    res.end(JSON.stringify({ ok: true }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

describe('downstream client', () => {
  it('resolves paths under the base URL and sets the on-behalf-of header', async () => {
    const client = createDownstreamClient({ baseUrl: `${base}/api/v1` });
    const answer = await client.call({ path: '/items?x=1', onBehalfOf: 'alice' });
    expect(answer.statusCode).toBe(200);
    expect(seen.at(-1)).toEqual({ url: '/api/v1/items?x=1', obo: 'alice' });
    await client.close();
  });

  it('percent-encodes a user id that is not printable ASCII, so it cannot split a header', async () => {
    const client = createDownstreamClient({ baseUrl: base, oboHeader: 'X-On-Behalf-Of' });
    await client.call({ path: '/x', onBehalfOf: 'zoë\r\nx-admin: yes' });
    expect(seen.at(-1)!.obo).toBe('zo%C3%AB%0D%0Ax-admin%3A%20yes');
    await client.close();
  });

  it.each(['../admin', '/api/../../admin', 'http://evil.test/x', '//evil.test/x'])('keeps %s under the base URL', async (path) => {
    const client = createDownstreamClient({ baseUrl: `${base}/api` });
    const attempt = client.call({ path, onBehalfOf: 'alice' });
    if (path.startsWith('//')) {
      // leading slashes are dropped: this is the relative path evil.test/x under the base
      await attempt;
      expect(seen.at(-1)!.url).toBe('/api/evil.test/x');
    } else {
      await expect(attempt).rejects.toMatchObject({ code: 'OPTIONS_INVALID' });
    }
    await client.close();
  });

  it('refuses bad options at start-up', () => {
    expect(() => createDownstreamClient({ baseUrl: 'not a url' })).toThrow(expect.objectContaining({ code: 'OPTIONS_INVALID', path: 'downstream.baseUrl' }));
    expect(() => createDownstreamClient({ baseUrl: 'ftp://x' })).toThrow(expect.objectContaining({ path: 'downstream.baseUrl' }));
    expect(() => createDownstreamClient({ baseUrl: base, oboHeader: 'bad header' })).toThrow(expect.objectContaining({ path: 'downstream.oboHeader' }));
    expect(() => createDownstreamClient({ baseUrl: base, timeoutMs: 0 })).toThrow(expect.objectContaining({ path: 'downstream.timeoutMs' }));
    expect(() => createDownstreamClient({ baseUrl: base, rule: 'last' as never })).toThrow(expect.objectContaining({ path: 'downstream.rule' }));
  });

  it('refuses to call on behalf of nobody', async () => {
    const client = createDownstreamClient({ baseUrl: base });
    await expect(client.call({ path: '/x', context: {} })).rejects.toMatchObject({ code: 'OBO_NO_SUBJECT' });
    await client.close();
  });
});
