import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { lazyChildLoggerFactory } from '../../../gateway/http/lazy-request-logger.js';

function capture(level: string) {
  const lines: string[] = [];
  const sink = new Writable({ write: (chunk, _e, done) => (lines.push(chunk.toString()), done()) });
  const root = pino({ level }, sink);
  let children = 0;
  const parent = new Proxy(root, {
    get: (target, prop) => (prop === 'child' ? (...a: Parameters<typeof root.child>) => (children++, target.child(...a)) : Reflect.get(target, prop)),
  }) as unknown as FastifyBaseLogger;
  return { lines, parent, children: () => children };
}

describe('lazy request logger', () => {
  it('builds no child logger while nothing is logged at an enabled level', () => {
    const { parent, children, lines } = capture('warn');
    const log = lazyChildLoggerFactory(parent, { reqId: 'req-1' }, {});
    log.info('request completed');
    log.debug('detail');
    expect(children()).toBe(0);
    expect(lines).toEqual([]);
  });

  it('logs with the request id once a line is written, reusing one child', () => {
    const { parent, children, lines } = capture('info');
    const log = lazyChildLoggerFactory(parent, { reqId: 'req-7' }, {});
    log.info({ user: 'bob' }, 'login succeeded');
    log.warn('second line');
    expect(children()).toBe(1);
    expect(lines.map((l) => JSON.parse(l))).toMatchObject([{ reqId: 'req-7', user: 'bob', msg: 'login succeeded' }, { reqId: 'req-7', msg: 'second line' }]);
  });

  it('builds the child at once when a route sets its own level', () => {
    const { parent, children } = capture('info');
    lazyChildLoggerFactory(parent, { reqId: 'r' }, { level: 'debug' });
    expect(children()).toBe(1);
  });
});
