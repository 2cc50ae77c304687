/**
 * One HTTP/1.1 request written byte for byte on a TCP socket, for what fetch refuses to send:
 * two Host headers, unnormalised paths (`/app/../admin/`, `%2f`), headers with underscores.
 */
import { connect } from 'node:net';

export interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
  json<T = any>(): T;
}

/** Send `GET <target>` (or `method`) with exactly these header lines; `Connection: close` is added. */
export function rawRequest(base: string, target: string, headerLines: string[] = [], method = 'GET', body = ''): Promise<RawAnswer> {
  const { hostname, port } = new URL(base);
  const lines = [`${method} ${target} HTTP/1.1`, ...headerLines];
  if (!headerLines.some((l) => /^host:/i.test(l))) lines.push(`Host: ${hostname}:${port}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  lines.push('Connection: close', '', body);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port) });
    const chunks: Buffer[] = [];
    socket.setTimeout(10_000, () => socket.destroy(new Error(`no answer to ${method} ${target} within 10 s`)));
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      socket.destroy();
      const text = Buffer.concat(chunks).toString('utf8');
      const end = text.indexOf('\r\n\r\n');
      const head = text.slice(0, end).split('\r\n');
      const status = Number(head[0]?.split(' ')[1]);
      const headers: Record<string, string> = {};
      for (const line of head.slice(1)) {
        const colon = line.indexOf(':');
        headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
      }
      let rest = text.slice(end + 4);
      if (/chunked/i.test(headers['transfer-encoding'] ?? '')) rest = dechunk(rest);
      resolve({ status, headers, body: rest, json: () => JSON.parse(rest) });
    };
    // an answer is complete at its length or last chunk; the connection may stay open (keep-alive)
    socket.on('data', (c) => {
      chunks.push(c);
      const all = Buffer.concat(chunks);
      const end = all.indexOf('\r\n\r\n');
      if (end === -1) return;
      const head = all.subarray(0, end).toString('latin1');
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length ? all.length - end - 4 >= Number(length[1]) : /chunked/i.test(head) ? all.subarray(end).includes('\r\n0\r\n\r\n') : false) finish();
    });
    socket.on('error', (err) => (done ? undefined : reject(err)));
    socket.on('close', finish);
    socket.write(lines.join('\r\n'));
  });
}

function dechunk(text: string): string {
  let out = '';
  let i = 0;
  while (i < text.length) {
    const eol = text.indexOf('\r\n', i);
    const size = parseInt(text.slice(i, eol), 16);
    if (!size) break;
    out += text.slice(eol + 2, eol + 2 + size);
    i = eol + 2 + size + 2;
  }
  return out;
}
