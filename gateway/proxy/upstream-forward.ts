import type { FastifyReply, FastifyRequest } from 'fastify';
import type { IncomingHttpHeaders, OutgoingHttpHeaders } from 'node:http';
import { validateHeaderName, validateHeaderValue } from 'node:http';
import { Readable } from 'node:stream';
import type { Dispatcher } from 'undici';
import { markUpstreamResponse } from '../http/security-headers.js';
import { markUpstreamHeaders, markUpstreamStart } from '../ops/gateway-metrics.js';
import type { UpstreamClient } from './upstream-client.js';

export interface ForwardOptions {
  client: UpstreamClient;
  /** the headers the upstream receives (decided by the route's chain) */
  requestHeaders(request: FastifyRequest): IncomingHttpHeaders;
  /** the upstream's response headers as the client receives them (hop-by-hop dropped, the after phase run) */
  responseHeaders(request: FastifyRequest, upstream: IncomingHttpHeaders, statusCode: number): IncomingHttpHeaders;
  /** answer a request that got no response from the upstream (a page or JSON, through fastify) */
  onFailure(reply: FastifyReply, error: Error): void;
}

/**
 * Send one request to the upstream and stream its answer straight to the client's socket:
 * no body stream object, no second pass through fastify's send. Until the upstream's status
 * line arrives the reply is fastify's, so a failure is answered like any gateway page; from
 * then on it is hijacked and written as it comes, with backpressure both ways. A client that
 * goes away cancels the upstream request (a pooled connection is not held for nobody).
 */
export function forwardToUpstream(request: FastifyRequest, reply: FastifyReply, path: string, options: ForwardOptions): void {
  const res = reply.raw;
  if (res.destroyed) return;
  const body = request.body instanceof Readable ? request.body : null;
  const headers = options.requestHeaders(request);
  markUpstreamStart(request);
  options.client.dispatch({ path, method: request.method as Dispatcher.HttpMethod, headers, body }, new ForwardHandler(request, reply, options));
}

class ForwardHandler implements Dispatcher.DispatchHandler {
  #controller: Dispatcher.DispatchController | undefined;
  #started = false;
  #clientGone = false;
  readonly #request: FastifyRequest;
  readonly #reply: FastifyReply;
  readonly #options: ForwardOptions;
  readonly #onClose = () => {
    if (this.#reply.raw.writableFinished) return;
    this.#clientGone = true;
    this.#controller?.abort(Object.assign(new Error('the client went away'), { code: 'UND_ERR_ABORTED' }));
  };
  readonly #onDrain = () => this.#controller?.resume();

  constructor(request: FastifyRequest, reply: FastifyReply, options: ForwardOptions) {
    this.#request = request;
    this.#reply = reply;
    this.#options = options;
    reply.raw.once('close', this.#onClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#clientGone) this.#onClose();
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, upstream: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx: informational, the final answer follows
    this.#controller = controller;
    const request = this.#request;
    const reply = this.#reply;
    markUpstreamResponse(request);
    markUpstreamHeaders(request);
    const out = reply.getHeaders() as OutgoingHttpHeaders;
    const given = this.#options.responseHeaders(request, upstream, statusCode);
    for (const name in given) {
      const value = given[name];
      if (value === undefined) continue;
      const mine = out[name];
      // the gateway's cookies (a renewed session) and the engine's both reach the browser
      out[name] = name === 'set-cookie' && mine !== undefined ? ([] as string[]).concat(mine as string[], value) : value;
    }
    // an HTTP/1 connection cannot be reused until its request body was read: the upstream answered first
    if (!request.raw.complete && request.raw.httpVersionMajor === 1) out.connection = 'close';
    reply.hijack();
    const res = reply.raw;
    try {
      res.writeHead(statusCode, out);
    } catch {
      // a value Node refuses to write (or a status it cannot send): drop what is invalid, else a bare 502
      try {
        res.writeHead(statusCode, validHeaders(out));
      } catch {
        res.writeHead(502, { 'content-type': 'text/plain; charset=utf-8', 'x-request-id': request.id });
        res.end('the application answered with a response the gateway cannot pass on\n');
        controller.abort(new Error('invalid upstream response'));
        return;
      }
    }
    this.#started = true;
    res.on('drain', this.#onDrain);
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (!this.#started) return;
    if (!this.#reply.raw.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    const res = this.#reply.raw;
    res.off('close', this.#onClose);
    res.off('drain', this.#onDrain);
    if (this.#started) res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    const res = this.#reply.raw;
    res.off('close', this.#onClose);
    res.off('drain', this.#onDrain);
    if (this.#started) {
      // the status line went out: all that can be done is to cut the answer short
      this.#request.log.warn({ code: (error as { code?: string }).code }, 'upstream response broke off');
      res.destroy();
      return;
    }
    this.#options.onFailure(this.#reply, error);
  }
}

function validHeaders(headers: OutgoingHttpHeaders): OutgoingHttpHeaders {
  const out: OutgoingHttpHeaders = {};
  for (const name in headers) {
    try {
      validateHeaderName(name);
      validateHeaderValue(name, headers[name] as string);
      out[name] = headers[name];
    } catch {
      /* dropped */
    }
  }
  return out;
}
