/**
 * The figures in docs/gateway.md: 2,000 requests from a second process
 * (reliability/cluster-load.mjs) through Debian's nginx to one, then three
 * gateway instances sharing a fresh redis-server, 32 at a time, over 500
 * images (so at most 1,500 can come from the cache). Every answer is checked
 * against its image by SHA-256: none may be lost or mixed up. Throughput,
 * p50/p95 latency and the cache hit rate are recorded for each.
 *
 * `npx playwright test --config reliability/playwright.config.ts gateway-cluster`
 */
import { expect, test } from '@playwright/test';
import { runLoad, startDeployment } from '../test/support/cluster.js';
import { MODEL_320 } from '../test/support/gateway.js';
import { recordGroup } from './record.js';

const REQUESTS = 2000;
const KEYS = [{ key: 'sk-load', id: 'load', qps: 100_000, daily_quota: 0 }];

for (const count of [1, 3]) {
  test(`gateway: ${REQUESTS} requests through nginx to ${count} instance(s) sharing Redis`, async () => {
    test.setTimeout(10 * 60_000);
    const deployment = await startDeployment(count, ['--model', MODEL_320, '--log-level', 'warn'], KEYS);
    try {
      const report = await runLoad(deployment.endpoint, 'sk-load', { requests: REQUESTS, concurrency: 32, distinct: 500 });
      const figures = {
        instances: count,
        requests: report.requests,
        per_second: report.per_second,
        p50_ms: report.p50_ms,
        p95_ms: report.p95_ms,
        p50_hit_ms: report.p50_hit_ms,
        p50_miss_ms: report.p50_miss_ms,
        max_ms: report.max_ms,
        hit_rate: report.hit_rate,
        seconds: report.seconds,
      };
      console.log(`gateway cluster: ${JSON.stringify(figures)}`);
      const failures = [...report.wrong, ...report.failed].map((a) => JSON.stringify(a));
      recordGroup(`gateway-cluster-${count}`, { tried: REQUESTS, passed: report.ok - report.wrong_total, failures, details: figures });
      expect([report.requests, report.ok, report.wrong_total, report.failed_total]).toEqual([REQUESTS, REQUESTS, 0, 0]);
    } finally {
      await deployment.close();
    }
  });
}
