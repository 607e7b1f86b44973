/**
 * comlink's own error transfer keeps only name, message and stack, which would
 * lose a VeilError's `code` between the worker and the page. This wraps its
 * "throw" handler so a VeilError arrives whole; other errors pass as before.
 * Both sides must call it: the worker to send, the page to receive.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { isVeilError, VeilError, type LimitDetail } from '../errors.js';

interface Thrown {
  value: unknown;
}

interface SerializedVeilError {
  veil: true;
  code: VeilError['code'];
  message: string;
  limit?: LimitDetail;
}

let registered = false;

export function registerErrorTransfer(): void {
  if (registered) return;
  registered = true;
  const base = transferHandlers.get('throw') as TransferHandler<Thrown, unknown>;
  transferHandlers.set('throw', {
    canHandle: (value: unknown): value is Thrown => base.canHandle(value),
    serialize(thrown: Thrown) {
      const { value } = thrown;
      if (isVeilError(value)) {
        const data: SerializedVeilError = { veil: true, code: value.code, message: value.message, ...(value.limit && { limit: value.limit }) };
        return [data, []];
      }
      return base.serialize(thrown);
    },
    deserialize(data: unknown) {
      const veil = data as Partial<SerializedVeilError>;
      if (veil && veil.veil === true && typeof veil.code === 'string') {
        throw new VeilError(veil.code, veil.message ?? '', veil.limit ? { limit: veil.limit } : undefined);
      }
      return base.deserialize(data);
    },
  } satisfies TransferHandler<Thrown, unknown>);
}
