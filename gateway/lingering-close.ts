/**
 * The lingering close after an early answer (a refusal before the body was read,
 * or past its limit): what the server does with the body it will not use.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

/**
 * After an early answer, lets the client read it: closing at once would reset a
 * connection the client is still writing to, and a reset can drop the answer
 * from its receive buffer. So, like a web server's lingering close, the rest is
 * read into nothing for at most a second and at most `maxBytes`, then the socket
 * is closed either way.
 */
export function discardRest(req: IncomingMessage, res: ServerResponse, maxBytes: number): void {
  const close = () => req.socket.destroy();
  const timer = setTimeout(close, 1000);
  timer.unref();
  let discarded = 0;
  req.on('data', (chunk: Buffer) => {
    discarded += chunk.length;
    if (discarded > maxBytes) close();
  });
  req.on('end', () => {
    clearTimeout(timer);
    if (res.writableFinished) close();
    else res.once('finish', close);
  });
  req.on('error', close);
  req.resume();
}
