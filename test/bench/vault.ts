/**
 * The vault's share of the bench: a credential stored for the bench user, then (in run.ts) the
 * authenticated path with a `credentials` filter beside the same path without it, and here the
 * vault reads per second an engine gets from the gateway with the user's token.
 */
import autocannon from 'autocannon';
import { createVaultClient } from '../../engine-client/vault/index.js';

/** Store the bench user's credential through the REST API, as a browser would (session + CSRF). */
export async function storeBenchCredential(gateway: string, cookie: string): Promise<void> {
  const list = await fetch(`${gateway}/api/vault/credentials`, { headers: { cookie } });
  const { csrfToken } = (await list.json()) as { csrfToken: string };
  const put = await fetch(`${gateway}/api/vault/credentials/github_token`, {
    method: 'PUT',
    headers: { cookie, 'x-csrf-token': csrfToken, 'content-type': 'application/json' },
    body: JSON.stringify({ value: 'ghp_bench_credential_value_0123456789' }),
  });
  if (put.status !== 201 && put.status !== 200) throw new Error(`storing the bench credential answered ${put.status}`);
}

export async function runVaultReadBench(gateway: string, cookie: string, settings: { connections: number; durationSeconds: number }): Promise<{ lines: string[] }> {
  const { token } = (await (await fetch(`${gateway}/engine/token-for-bench`, { headers: { cookie } })).json()) as { token: string };
  const uncached = await autocannon({
    url: `${gateway}/api/vault/values`,
    method: 'POST',
    connections: settings.connections,
    duration: settings.durationSeconds,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ keys: ['github_token'] }),
  });
  // what an engine's code sees with the client's short cache (one call per token and key, then memory)
  const client = createVaultClient({ gatewayUrl: gateway, cacheSeconds: 30 });
  await client.get(token, 'github_token');
  const started = performance.now();
  let reads = 0;
  while (performance.now() - started < 1000) {
    await client.get(token, 'github_token');
    reads++;
  }
  return {
    lines: [
      `vault reads/s from an engine (POST /api/vault/values with the user's token, ${settings.connections} connections, no cache): ${uncached.requests.average.toFixed(0)} (non-2xx ${uncached.non2xx})`,
      `vault reads/s through engine-client's vault client (cached within the token's lifetime): ${reads}`,
    ],
  };
}
