/**
 * A loopback HTTP server that answers with canned bodies and records what it was
 * sent, for testing remote dialects against the services' documented exchanges.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

export type Reply = { status?: number; body: unknown; headers?: Record<string, string>; delayMs?: number } | 'hang';

export interface ReplayServer {
  url: string;
  requests: Recorded[];
  /** Replies in order; the last one repeats. A function sees the request. */
  reply(...replies: (Reply | ((req: Recorded) => Reply))[]): void;
  close(): Promise<void>;
}

export async function startReplayServer(): Promise<ReplayServer> {
  const requests: Recorded[] = [];
  let replies: (Reply | ((req: Recorded) => Reply))[] = [{ body: {} }];
  let served = 0;
  const hanging = new Set<ServerResponse>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const recorded: Recorded = { method: req.method ?? '', path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks) };
      const cors = {
        'access-control-allow-origin': '*',
        'access-control-allow-headers': '*',
        'access-control-allow-methods': 'GET, POST, OPTIONS',
        'cross-origin-resource-policy': 'cross-origin',
      };
      if (req.method === 'OPTIONS') {
        res.writeHead(204, cors).end();
        return;
      }
      requests.push(recorded);
      const next = replies[Math.min(served++, replies.length - 1)]!;
      const reply = typeof next === 'function' ? next(recorded) : next;
      if (reply === 'hang') {
        hanging.add(res);
        return;
      }
      const send = () => {
        const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body);
        res.writeHead(reply.status ?? 200, { 'content-type': 'application/json; charset=utf-8', ...cors, ...reply.headers }).end(text);
      };
      if (reply.delayMs) setTimeout(send, reply.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    reply(...next) {
      replies = next;
      served = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of hanging) res.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
