import type { Readable } from 'node:stream';
import { GatewayError } from '../errors.js';
import type { FilterContext } from '@portcullis/filters/types.js';
import type { ApprovalRule } from '@portcullis/filters/builtin/approval.js';
import type { HeldRequest, Requester } from './record.js';

/** The body was larger than the rule keeps: the request is refused (413), nothing is stored. */
export class HeldBodyTooLarge extends GatewayError {
  constructor(readonly limit: number) {
    super('GW_BODY_TOO_LARGE', 413, `the request body is larger than the ${limit} bytes an approval keeps`);
  }
}

/**
 * What is kept of a request to send later: method, path and query, the rule's headers (never
 * cookies, credentials or identity headers: the rule refused those at start), and the body up
 * to the rule's limit. The body stream is read here; the request never goes upstream itself.
 */
export async function captureRequest(ctx: FilterContext, rule: ApprovalRule): Promise<HeldRequest> {
  const { request } = ctx;
  const declared = Number(request.headers['content-length'] ?? 0);
  if (Number.isFinite(declared) && declared > rule.maxBodyBytes) throw new HeldBodyTooLarge(rule.maxBodyBytes);
  const body = await readBody(request.body, rule.maxBodyBytes);
  const headers: Record<string, string> = {};
  for (const name of rule.headers) {
    const value = request.headers[name];
    if (typeof value === 'string') headers[name] = value;
    else if (Array.isArray(value)) headers[name] = value.join(', ');
  }
  return { method: request.method, url: request.url, headers, body: body.toString('base64'), bodyBytes: body.length };
}

/** The requester as the token sent on their behalf will name them. */
export function requesterOf(ctx: FilterContext): Requester | undefined {
  const s = ctx.subject;
  if (!s) return undefined;
  return { loginId: s.loginId, roles: [...s.roles], groups: [...s.groups], attributes: { ...s.attributes }, level: s.level, amr: [...s.amr], authenticator: s.authenticator };
}

async function readBody(body: unknown, limit: number): Promise<Buffer> {
  if (body === undefined || body === null) return Buffer.alloc(0);
  if (Buffer.isBuffer(body)) return check(body, limit);
  if (typeof body === 'string') return check(Buffer.from(body), limit);
  if (typeof (body as Readable).on !== 'function') return check(Buffer.from(JSON.stringify(body)), limit);
  const stream = body as Readable;
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer | string) => {
      const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
      size += buf.length;
      // stop reading at once: a client must not make the gateway buffer more than the limit
      if (size > limit) {
        stream.off('data', onData).off('end', onEnd).off('error', reject);
        stream.pause();
        reject(new HeldBodyTooLarge(limit));
        return;
      }
      chunks.push(buf);
    };
    const onEnd = () => resolve(Buffer.concat(chunks));
    stream.on('data', onData).once('end', onEnd).once('error', reject);
  });
}

function check(buf: Buffer, limit: number): Buffer {
  if (buf.length > limit) throw new HeldBodyTooLarge(limit);
  return buf;
}
