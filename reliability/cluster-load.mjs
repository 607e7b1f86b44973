// @ts-check
/**
 * A second process that loads the gateway, usually through nginx in front of
 * several instances: REQUESTS requests, CONCURRENCY at a time, over DISTINCT
 * images (one JPEG with DISTINCT different tails after its end marker: still
 * valid, each with its own SHA-256), request i sending image i % DISTINCT, so
 * later requests repeat earlier images and may be answered from the cache.
 * Every answer is checked against the image it was for: its `input.sha256`
 * must be that image's, so an answer mixed up with another request's shows.
 * On SIGINT it stops sending, waits for the answers due, and reports, so a test
 * can keep traffic steady for as long as it needs. Prints one JSON object.
 *
 *   node reliability/cluster-load.mjs ENDPOINT KEY IMAGE REQUESTS CONCURRENCY DISTINCT
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const [endpoint, key, image, requests, concurrency, distinct] = process.argv.slice(2);
const total = Number(requests);
const base = readFileSync(/** @type {string} */ (image));
const images = Array.from({ length: Number(distinct) }, (_, i) => {
  const bytes = Buffer.concat([base, Buffer.from(`veil-cluster-${i}`)]);
  return { body: JSON.stringify({ image_b64: bytes.toString('base64'), backend: 'nudenet', timeout: 60 }), sha256: createHash('sha256').update(bytes).digest('hex') };
});

let stopping = false;
process.once('SIGINT', () => (stopping = true));
// Said once SIGINT is handled, so a test that stops the load by it knows it may.
process.stderr.write('sending\n');

/** @type {{ i: number, ms: number, status: number, code?: number, desc?: string, error?: string, hit?: boolean, sha256?: string, sent: string, decision?: string }[]} */
const answers = [];
let next = 0;
const started = performance.now();

async function one(/** @type {number} */ i) {
  const { body, sha256 } = images[i % images.length];
  const t0 = performance.now();
  try {
    const response = await fetch(/** @type {string} */ (endpoint), {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-api-key': /** @type {string} */ (key) },
      body,
    });
    const text = await response.text();
    let answer;
    try {
      answer = JSON.parse(text);
    } catch {
      answer = { desc: text.slice(0, 200) };
    }
    answers.push({
      i,
      ms: performance.now() - t0,
      status: response.status,
      code: answer.code,
      desc: response.status === 200 ? undefined : answer.desc,
      hit: response.headers.get('x-cache') === 'hit',
      sha256: answer.input?.sha256,
      sent: sha256,
      decision: answer.decision,
    });
  } catch (error) {
    answers.push({ i, ms: performance.now() - t0, status: 0, error: String(error), sent: sha256 });
  }
}

async function worker() {
  while (!stopping && next < total) await one(next++);
}
await Promise.all(Array.from({ length: Number(concurrency) }, worker));
const seconds = (performance.now() - started) / 1000;

const ok = answers.filter((a) => a.status === 200 && a.code === 200);
// An answer for another image, or a 200 without the schema's verdict, is wrong; a refusal is only a failure.
const firstDecision = ok[0]?.decision;
const wrong = ok.filter((a) => a.sha256 !== a.sent || !['block', 'review', 'pass'].includes(a.decision ?? '') || a.decision !== firstDecision);
const failed = answers.filter((a) => !(a.status === 200 && a.code === 200));
/** The q-quantile of these answers' times, in ms to one decimal; null for none. */
const quantile = (/** @type {typeof answers} */ list, /** @type {number} */ q) => {
  const sorted = list.map((a) => a.ms).sort((a, b) => a - b);
  return sorted.length ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] * 10) / 10 : null;
};
const sorted = ok.map((a) => a.ms).sort((a, b) => a - b);
const at = (/** @type {number} */ q) => quantile(ok, q);
/** @type {Record<string, number>} */
const statuses = {};
for (const a of answers) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
const hits = ok.filter((a) => a.hit).length;

process.stdout.write(
  JSON.stringify({
    requests: answers.length,
    answered: answers.length,
    ok: ok.length,
    wrong: wrong.slice(0, 20),
    wrong_total: wrong.length,
    failed: failed.slice(0, 50),
    failed_total: failed.length,
    statuses,
    cache_hits: hits,
    hit_rate: ok.length ? Math.round((hits / ok.length) * 1000) / 1000 : 0,
    p50_ms: at(0.5),
    p95_ms: at(0.95),
    // Answers from the cache and those screened, apart: what a hit saves.
    p50_hit_ms: quantile(ok.filter((a) => a.hit), 0.5),
    p50_miss_ms: quantile(ok.filter((a) => !a.hit), 0.5),
    max_ms: sorted.length ? Math.round(sorted[sorted.length - 1]) : null,
    seconds: Math.round(seconds * 100) / 100,
    per_second: Math.round((answers.length / seconds) * 10) / 10,
  }),
);
