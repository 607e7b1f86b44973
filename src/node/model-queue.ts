/**
 * One model's turn-taking: inference runs one image at a time, in arrival order
 * (a session run already uses every core, so running two at once only makes
 * both slower), and a request whose timeout runs out while it waits or runs is
 * rejected at once, as the image-nsfw gateway API documents (5021) for a local
 * backend that does not answer. Each model (NudeNet, the classifier) has its own
 * queue, so a request for both waits for each separately.
 */
export interface ModelQueue {
  /** Images inferring now (0 or 1) and waiting their turn. */
  readonly depth: { running: number; queued: number };
  /** Runs `work` in turn; rejects with `timedOut()` when `signal` aborts first (a job not yet started is then skipped). */
  run<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T>;
}

export function createModelQueue(timedOut: () => Error): ModelQueue {
  let queue: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  let running = 0;
  return {
    get depth() {
      return { running, queued: waiting };
    },
    run<T>(work: () => Promise<T>, signal: AbortSignal): Promise<T> {
      waiting++;
      const job = queue.then(async () => {
        waiting--;
        if (signal.aborted) throw timedOut();
        running++;
        try {
          return await work();
        } finally {
          running--;
        }
      });
      // The next image waits for this inference, not for this caller's patience.
      queue = job.catch(() => undefined);
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(timedOut());
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        job.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}
