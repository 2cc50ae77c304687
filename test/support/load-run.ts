import type { CookieClient } from './http-client.js';

export interface LoadReport {
  requests: number;
  ok: number;
  /** answers by status (0: the connection broke) */
  statuses: Record<number, number>;
  /** the slowest answer, ms */
  maxMs: number;
  /** answers that took longer than 200 ms: they waited for the store */
  waited: number;
}

/**
 * Each client GETs `path` in a loop until `stop()`; every answer is counted with its time,
 * so a test can say how many requests failed and how long they waited.
 */
export function startLoad(clients: CookieClient[], path: string): { stop(): Promise<LoadReport> } {
  let running = true;
  const report: LoadReport = { requests: 0, ok: 0, statuses: {}, maxMs: 0, waited: 0 };
  const loops = clients.map(async (client) => {
    while (running) {
      const started = Date.now();
      let status = 0;
      try {
        status = (await client.get(path, { accept: 'application/json' })).status;
      } catch {
        status = 0;
      }
      const ms = Date.now() - started;
      report.requests++;
      if (status === 200) report.ok++;
      report.statuses[status] = (report.statuses[status] ?? 0) + 1;
      report.maxMs = Math.max(report.maxMs, ms);
      if (ms > 200) report.waited++;
    }
  });
  return {
    async stop() {
      running = false;
      await Promise.all(loops);
      return report;
    },
  };
}
