import type { Dispatcher } from 'undici';
import { randomUUID } from 'node:crypto';
import { REQUEST_ID_HEADER } from '../http/request-id.js';
import type { UpstreamClient } from '../proxy/upstream-client.js';
import { codeOf } from '../proxy/upstream-client.js';
import type { ApprovalRecord } from './record.js';

/** Failures that happen before any byte of the request left: sending again cannot run it twice. */
const NOT_SENT = new Set(['ECONNREFUSED', 'EAI_AGAIN', 'ENOTFOUND', 'UND_ERR_CONNECT_TIMEOUT', 'EHOSTUNREACH', 'ENETUNREACH']);

/** Most of the upstream's answer kept for the requester to read. */
const KEPT_ANSWER_BYTES = 4096;

export type SendOutcome =
  | { kind: 'answered'; status: number; contentType?: string; body: string }
  /** never reached the upstream: safe to try again */
  | { kind: 'unreachable'; error: string }
  /** may or may not have reached it: never sent again */
  | { kind: 'failed'; error: string };

export interface SendTarget {
  client: Pick<UpstreamClient, 'request'>;
  /** the upstream URL's own path, put before the request's (as the proxy does) */
  basePath: string;
  tokenHeader: string;
  tokenScheme: string;
}

/** Send a held request upstream, with the token that names the requester and the approvers. */
export function sendHeld(record: ApprovalRecord, token: string, target: SendTarget): Promise<SendOutcome> {
  const body = Buffer.from(record.request.body, 'base64');
  const headers: Record<string, string> = {
    ...record.request.headers,
    [target.tokenHeader]: target.tokenScheme ? `${target.tokenScheme} ${token}` : token,
    [REQUEST_ID_HEADER]: randomUUID(),
    'x-portcullis-approval': record.id,
  };
  if (body.length > 0) headers['content-length'] = String(body.length);
  const base = target.basePath.replace(/\/+$/, '');
  return new Promise((resolve) => {
    target.client.request(
      { path: base + record.request.url, method: record.request.method, headers, body: body.length > 0 ? body : undefined },
      (err: Error | null, data?: Dispatcher.ResponseData) => {
        if (err || !data) {
          const code = codeOf(err);
          const error = `${code || 'error'}: ${err?.message ?? 'no answer'}`;
          return resolve(NOT_SENT.has(code) ? { kind: 'unreachable', error } : { kind: 'failed', error });
        }
        readSome(data.body, KEPT_ANSWER_BYTES).then(
          (text) => {
            const type = data.headers['content-type'];
            resolve({ kind: 'answered', status: data.statusCode, body: text, ...(typeof type === 'string' ? { contentType: type } : {}) });
          },
          () => resolve({ kind: 'answered', status: data.statusCode, body: '' }),
        );
      },
    );
  });
}

async function readSome(body: Dispatcher.ResponseData['body'], limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    if (size < limit) chunks.push(Buffer.from(chunk as Uint8Array));
    size += (chunk as Uint8Array).length;
  }
  return Buffer.concat(chunks).subarray(0, limit).toString('utf8');
}
