import type { Logger } from 'pino';
import type { Requester } from './record.js';

/** An operator's function that names the approvers of one request (login ids). */
export type ApproverModule = (input: {
  request: { method: string; url: string; headers: Readonly<Record<string, string>>; body: string };
  requester: Readonly<Requester>;
  route: string;
}) => readonly string[] | Promise<readonly string[]>;

/** a module that takes longer is treated as failing: the request is not held half-decided */
const MODULE_TIMEOUT_MS = 5_000;

/**
 * Ask the operator's module who approves this request. A module that throws, takes longer than
 * 5 s or answers anything but a list of login ids is logged and answers undefined: the request
 * is then not held (503), rather than held with nobody able to decide it.
 */
export async function askApproverModule(fn: ApproverModule, input: Parameters<ApproverModule>[0], spec: string, log: Logger): Promise<string[] | undefined> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const named = await Promise.race([
      Promise.resolve().then(() => fn(input)),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`no answer within ${MODULE_TIMEOUT_MS} ms`)), MODULE_TIMEOUT_MS))),
    ]);
    if (!Array.isArray(named) || !named.every((u) => typeof u === 'string' && u !== '')) throw new Error('did not answer a list of login ids');
    return named as string[];
  } catch (err) {
    log.error({ module: spec, route: input.route, err: { message: (err as Error).message } }, 'the approver module failed; the request is not held');
    return undefined;
  } finally {
    clearTimeout(timer);
  }
}
