/**
 * `GET /metrics` in Prometheus's text format, through prom-client. Each gateway
 * has its own registry (tests run several in one process). What an operator
 * watches: requests by route, code and backend; latency; the time decoding and
 * inference take; the result cache's hits; refusals by which limit refused; the
 * queues; and whether Redis is reachable. Counts are this instance's: Prometheus
 * adds up the instances it scrapes.
 */
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import type { Refusal } from './admission.js';
import type { CacheOutcome } from './result-cache.js';

type Depth = { running: number; queued: number };

/** What /healthz reports as `load`, read again at each scrape. */
export interface LoadSnapshot {
  connections: number;
  in_flight: number;
  decoding: Depth;
  inference: Depth;
  classifier: Depth;
  dns: Depth;
}

const SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'route' | 'code' | 'backend'>;
  private readonly duration: Histogram<'route'>;
  private readonly stages: Histogram<'stage' | 'backend'>;
  private readonly cache: Counter<'outcome' | 'route'>;
  private readonly refusals: Counter<'limit'>;
  private readonly redis: Gauge;

  /** `processMetrics`: Node's own (memory, event loop lag, GC); the command turns them on, tests need not. */
  constructor(load: () => LoadSnapshot, { redis, processMetrics = false }: { redis: boolean; processMetrics?: boolean }) {
    const registers = [this.registry];
    this.requests = new Counter({ name: 'veil_gateway_requests_total', help: 'Requests answered, by route, code (the body\'s) and backend', labelNames: ['route', 'code', 'backend'], registers });
    this.duration = new Histogram({ name: 'veil_gateway_request_duration_seconds', help: 'Time from request to answer', labelNames: ['route'], buckets: SECONDS, registers });
    this.stages = new Histogram({
      name: 'veil_gateway_stage_duration_seconds',
      help: 'Time spent decoding an image (on a worker, waiting included) and in inference (waiting for the model included)',
      labelNames: ['stage', 'backend'],
      buckets: [0.001, ...SECONDS],
      registers,
    });
    this.cache = new Counter({
      name: 'veil_gateway_cache_lookups_total',
      help: 'Result cache look-ups: hit, miss, or error (the store failed: answered as a miss)',
      labelNames: ['outcome', 'route'],
      registers,
    });
    this.refusals = new Counter({
      name: 'veil_gateway_rate_limited_total',
      help: 'Requests refused by a limit: rate, quota, hash_rate, quota_unavailable (Redis down), other (in flight, connections, failed keys)',
      labelNames: ['limit'],
      registers,
    });
    this.redis = new Gauge({ name: 'veil_gateway_redis_up', help: '1 when the shared Redis answers, 0 when not; absent without --redis', registers: redis ? registers : [] });
    new Gauge({
      name: 'veil_gateway_queue_depth',
      help: 'Work held now: decoding, inference (nudenet, classifier) and DNS, running or queued; connections and requests in flight',
      labelNames: ['queue', 'state'],
      registers,
      collect() {
        const now = load();
        for (const queue of ['decoding', 'inference', 'classifier', 'dns'] as const) {
          this.set({ queue, state: 'running' }, now[queue].running);
          this.set({ queue, state: 'queued' }, now[queue].queued);
        }
        this.set({ queue: 'connections', state: 'open' }, now.connections);
        this.set({ queue: 'requests', state: 'in_flight' }, now.in_flight);
      },
    });
    if (processMetrics) collectDefaultMetrics({ register: this.registry });
  }

  answered(route: string, code: number, backend: string | null, seconds: number): void {
    this.requests.inc({ route, code: String(code), backend: backend ?? 'none' });
    this.duration.observe({ route }, seconds);
  }

  stage(stage: 'decode' | 'inference', backend: string, seconds: number): void {
    this.stages.observe({ stage, backend }, seconds);
  }

  looked(outcome: CacheOutcome, route: 'detect' | 'hash'): void {
    this.cache.inc({ outcome, route });
  }

  refused(limit: Refusal | 'other'): void {
    this.refusals.inc({ limit });
  }

  redisUp(up: boolean): void {
    this.redis.set(up ? 1 : 0);
  }

  text(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }
}
