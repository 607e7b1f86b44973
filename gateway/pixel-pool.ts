/**
 * The decode workers: at most `size` images are worked on at once, each on a
 * worker thread (pixel-worker.ts running pixel-job.ts), the rest wait in order.
 * The image's base64 or bytes go to a worker; its bytes, `input` block and
 * tensors (1.2 MB at 320, 0.6 MB for a 224 classifier) come back, so the main
 * thread never holds or loops over a decoded bitmap. Workers start when first needed and stay; a request whose
 * timeout runs out while its image waits or decodes is answered 5025 at once,
 * its worker finishing the job in the background.
 */
import { Worker } from 'node:worker_threads';
// Loaded here too, as sharp asks of programs that use it in worker threads: with glibc, the
// last worker to exit would otherwise unload libvips and break the next one that loads it.
import 'sharp';
import { ErrorCodes, VeilError, type ErrorCode } from '../src/errors.js';
import { Gate } from './concurrency.js';
import type { PixelJob, PixelResult } from './pixel-job.js';

export type PixelAnswer = { result: PixelResult } | { error: { code?: ErrorCode; message: string } };

const timedOut = () =>
  new VeilError(ErrorCodes.TIMED_OUT, "The image was not decoded within the request's timeout: the gateway is busy; retry later or raise timeout.");

/**
 * A worker thread running pixel-worker. From TypeScript source (the tests run
 * the gateway so) the worker loads its .ts through tsx, as Node 20 cannot;
 * compiled, it is the .js beside this file.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) return new Worker(new URL('./pixel-worker.js', import.meta.url));
  const tsx = import.meta.resolve('tsx/esm/api');
  const entry = new URL('./pixel-worker.ts', import.meta.url).href;
  return new Worker(`import(${JSON.stringify(tsx)}).then(({ register }) => { register(); return import(${JSON.stringify(entry)}); })`, { eval: true });
}

export class PixelPool {
  private readonly gate: Gate;
  private readonly idle: Worker[] = [];
  private readonly all = new Set<Worker>();

  constructor(private readonly size: number) {
    this.gate = new Gate(size);
  }

  /** Images decoding now and waiting for a worker. */
  get depth(): { running: number; queued: number } {
    return this.gate.depth;
  }

  /** Starts every worker now, so the first images do not wait for one to load. */
  warm(): void {
    while (this.all.size < this.size) this.idle.push(this.spawn());
  }

  /** Runs `job` on a worker; rejects 5025 when `signal` aborts first. */
  async run(job: PixelJob, signal: AbortSignal): Promise<PixelResult> {
    const release = await this.gate.enter(signal).catch(() => Promise.reject(timedOut()));
    const worker = this.idle.pop() ?? this.spawn();
    const done = this.post(worker, job);
    void done
      .then(() => this.idle.push(worker), () => (this.all.has(worker) ? this.idle.push(worker) : undefined))
      .finally(release);
    return new Promise<PixelResult>((resolve, reject) => {
      const onAbort = () => reject(timedOut());
      if (signal.aborted) onAbort();
      signal.addEventListener('abort', onAbort, { once: true });
      done.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
    });
  }

  private spawn(): Worker {
    const worker = startWorker();
    worker.unref();
    this.all.add(worker);
    // A worker that dies while idle (it failed to load, say) is dropped, not left to crash the server.
    worker.on('error', () => this.forget(worker)).on('exit', () => this.forget(worker));
    return worker;
  }

  private forget(worker: Worker): void {
    this.all.delete(worker);
    const at = this.idle.indexOf(worker);
    if (at >= 0) this.idle.splice(at, 1);
  }

  private post(worker: Worker, job: PixelJob): Promise<PixelResult> {
    return new Promise((resolve, reject) => {
      const settle = () => worker.off('message', onMessage).off('error', onError).off('exit', onExit);
      const onMessage = (answer: PixelAnswer) => {
        settle();
        if ('result' in answer) resolve(answer.result);
        else if (answer.error.code) reject(new VeilError(answer.error.code, answer.error.message));
        else reject(new Error(`decode worker: ${answer.error.message}`));
      };
      // A worker that dies takes its job with it; the next job starts a new one.
      const onError = (error: Error) => {
        settle();
        this.forget(worker);
        void worker.terminate();
        reject(new Error(`decode worker failed: ${error.message}`, { cause: error }));
      };
      const onExit = (code: number) => onError(new Error(`exited with code ${code}`));
      worker.on('message', onMessage).on('error', onError).on('exit', onExit);
      if ('text' in job.image) return worker.postMessage(job);
      // A copy of its own, moved rather than cloned: the bytes may be a view of a larger buffer.
      const own = job.image.bytes.slice();
      worker.postMessage({ ...job, image: { bytes: own } }, [own.buffer as ArrayBuffer]);
    });
  }

  /** Waits for decodes under way (sharp must not be torn down mid-image), then stops the workers. */
  async close(): Promise<void> {
    for (let waited = 0; this.gate.depth.running > 0 && waited < 10_000; waited += 50) {
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await Promise.all([...this.all].map((worker) => worker.terminate()));
    this.all.clear();
    this.idle.length = 0;
  }
}
