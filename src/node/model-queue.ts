/**
 * One model's turn-taking: inference runs one image at a time, in arrival order
 * (a session run already uses every core, so running two at once only makes
 * both slower). A caller that passes an AbortSignal (the gateway: the request's
 * timeout) is rejected at once when it fires while its image waits or runs,
 * with the error the session was opened with; a job not yet started is then
 * skipped. Each model has its own queue, so a request for NudeNet and the
 * classifier waits for each separately.
 */
export interface ModelQueue {
  /** Images inferring now (0 or 1) and waiting their turn. */
  readonly depth: { running: number; queued: number };
  /** Runs `work` in turn; rejects with `timedOut()` when `signal` aborts first. */
  run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T>;
}

export function createModelQueue(timedOut: () => Error): ModelQueue {
  let queue: Promise<unknown> = Promise.resolve();
  let waiting = 0;
  let running = 0;
  return {
    get depth() {
      return { running, queued: waiting };
    },
    run<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
      waiting++;
      const job = queue.then(async () => {
        waiting--;
        if (signal?.aborted) throw timedOut();
        running++;
        try {
          return await work();
        } finally {
          running--;
        }
      });
      // The next image waits for this inference, not for this caller's patience.
      queue = job.catch(() => undefined);
      if (!signal) return job;
      return new Promise<T>((resolve, reject) => {
        const onAbort = () => reject(timedOut());
        if (signal.aborted) onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
        job.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}
