/**
 * Latency at a fixed request rate, for the bench's "added p99 at half rate". autocannon's
 * rate limit sends each connection's quota for a second back to back and then waits for the
 * next second, so at "half rate" the server sees full-speed bursts, and its correction for
 * coordinated omission charges the pause to the latencies. Here requests leave evenly spaced
 * (every 1/rate s, scheduled against the clock, not against the last answer), and each
 * latency runs from the moment its request was due to its last byte: a server that falls
 * behind shows it, queueing included.
 */
import { Pool } from 'undici';

export interface PacedResult {
  sent: number;
  p50: number;
  p90: number;
  p99: number;
  errors: number;
  non2xx: number;
}

export async function pacedLatency(url: string, headers: Record<string, string>, rate: number, seconds: number, connections = 16): Promise<PacedResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections, pipelining: 1 });
  const path = target.pathname + target.search;
  const total = Math.max(1, Math.round(rate * seconds));
  const latencies: number[] = [];
  let errors = 0;
  let non2xx = 0;
  let sent = 0;
  let finished = 0;
  const start = performance.now();
  await new Promise<void>((done) => {
    const send = (due: number) => {
      pool.request({ path, method: 'GET', headers }).then(
        async (answer) => {
          await answer.body.dump();
          if (answer.statusCode < 200 || answer.statusCode > 299) non2xx++;
          latencies.push(performance.now() - due);
        },
        () => errors++,
      ).finally(() => {
        if (++finished === total) done();
      });
    };
    const tick = () => {
      const now = performance.now();
      // every request that is due by now, each stamped with the time it was due
      while (sent < total && start + (sent * 1000) / rate <= now) send(start + (sent++ * 1000) / rate);
      if (sent < total) setTimeout(tick, 1);
    };
    tick();
  });
  await pool.close();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN).toFixed(2));
  return { sent: total, p50: at(0.5), p90: at(0.9), p99: at(0.99), errors, non2xx };
}
