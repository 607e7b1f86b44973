/**
 * The gateway under the attacks its security review found, on loopback, with
 * bounded counts and times. The gateway runs as `npm run gateway` runs it
 * (compiled, its own process) so its memory is its own, at its default limits;
 * the checks that need a held model or a silent DNS server run it in-process.
 * Attackers come from other loopback addresses (127.0.0.x) than the well-behaved
 * client, as they would from other hosts. Each case has a key and an address of
 * its own, so no case is refused for what an earlier one spent (a rate, an
 * allowance, failed key attempts). Then the third review's findings: animations,
 * tenancy and signatures in the result cache, the proxy header, the failed-key
 * table.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { createSocket } from 'node:dgram';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { connect, type AddressInfo, type Socket } from 'node:net';
import { promisify } from 'node:util';
import { createHash } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import sharp from 'sharp';
import { FailureLimiter } from '../gateway/rate-limit.js';
import { createNudenet } from '../gateway/nudenet.js';
import { createResolver } from '../gateway/resolver.js';
import { expect, test } from '../test/browser/fixtures.js';
import { ROOT } from '../test/support/fixture-data.js';
import { blackPng, healthLatency, heldPost, imageBytes, KEY, MODEL_320, postJson, startTestGateway, stripedBmp, type Answer } from '../test/support/gateway.js';
import { startRedis } from '../test/support/redis.js';
import { recordGroup } from './record.js';

const run = promisify(execFile);
const MB = 1024 * 1024;
const FORM = 'application/x-www-form-urlencoded';
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Check {
  name: string;
  passed: boolean;
  details: Record<string, unknown>;
}
const checks: Check[] = [];
function check(name: string, passed: boolean, details: Record<string, unknown>) {
  checks.push({ name, passed, details });
  console.log(`${passed ? 'ok  ' : 'FAIL'} ${name}: ${JSON.stringify(details)}`);
}

/** Each case's own key and client address: its rate, allowance and failed attempts are its own. */
const CASES = ['png', 'bmp-big', 'bmp-under', 'animation'];
const caseKey = (name: string) => `case-${name}`;
const caseAddress = (name: string) => `127.0.1.${CASES.indexOf(name) + 1}`;
/** POSTs JSON as case `name`: its key, from its address. */
const postAs = (name: string, endpoint: string, body: unknown) =>
  heldPost(endpoint, { 'content-type': 'application/json', 'x-api-key': caseKey(name) }, Buffer.from(JSON.stringify(body)), { end: true, localAddress: caseAddress(name) }).answer;

/** The gateway as the package ships it (dist/cli/, built by npm run reliability) in a process of its own, with the default limits. */
async function startProcess(): Promise<{ child: ChildProcess; url: string }> {
  const keys = [KEY, ...CASES.map(caseKey)].join(',');
  const child = spawn(process.execPath, ['dist/cli/veil-nsfw.js', 'gateway', '--port', '0', '--keys', keys, '--model', MODEL_320], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (c: Buffer) => (output += c));
  child.stderr!.on('data', (c: Buffer) => (output += c));
  for (let i = 0; i < 300; i++) {
    const match = /listening on (http:\/\/\S+)\/api\/image-nsfw/.exec(output);
    if (match) return { child, url: match[1]! };
    await sleep(100);
  }
  child.kill('SIGKILL');
  throw new Error(`the gateway did not start: ${output}`);
}

/** Resident memory of a process, in MB (Linux). */
const rssMb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

/**
 * Runs `attack` while sampling the gateway's memory every 50 ms and timing
 * /healthz every 100 ms; says how far memory rose and the slowest /healthz.
 */
async function watched<T>(url: string, pid: number | null, attack: () => Promise<T>) {
  const before = pid ? rssMb(pid) : 0;
  let peak = before;
  let slowest = 0;
  let done = false;
  const sampler = (async () => {
    for (; !done; await sleep(50)) if (pid) peak = Math.max(peak, rssMb(pid));
  })();
  const prober = (async () => {
    for (; !done; await sleep(100)) slowest = Math.max(slowest, await healthLatency(url));
  })();
  const started = performance.now();
  const result = await attack();
  const ms = Math.round(performance.now() - started);
  done = true;
  await Promise.all([sampler, prober]);
  return { result, ms, memoryRiseMb: Math.round(peak - before), healthzMaxMs: Math.round(slowest) };
}

const status = (answers: (Answer | null)[]) => answers.map((a) => a?.status ?? 0);

async function attackProcess(url: string, pid: number) {
  const endpoint = `${url}/api/image-nsfw`;
  await sleep(1000); // the decode workers load

  // 8 keyless 14 MB forms, each holding back its last byte.
  const body = Buffer.alloc(14 * MB, 'a');
  const held = Array.from({ length: 8 }, () =>
    heldPost(endpoint, { 'content-type': FORM, 'content-length': body.length }, body.subarray(0, body.length - 1), { localAddress: '127.0.0.2' }),
  );
  const forms = await watched(url, pid, () => Promise.race([Promise.all(held.map((h) => h.answer)), sleep(5000).then(() => [])]));
  held.forEach((h) => h.abort());
  check('keyless 14 MB forms held open', forms.result.length === 8 && status(forms.result).every((s) => s === 401) && forms.memoryRiseMb < 50 && forms.healthzMaxMs < 1000, {
    statuses: status(forms.result),
    ms: forms.ms,
    memoryRiseMb: forms.memoryRiseMb,
    healthzMaxMs: forms.healthzMaxMs,
  });

  // Two keyless 14 MB bodies of "a&": 7 million fields each, if anything parsed them.
  const fields = Buffer.from('a&'.repeat(7 * MB));
  const flood = await watched(url, pid, () =>
    Promise.all([0, 1].map(() => heldPost(endpoint, { 'content-type': FORM, 'content-length': fields.length }, fields, { end: true, localAddress: '127.0.0.3' }).answer.catch(() => null))),
  );
  check('keyless 14 MB bodies of "a&"', status(flood.result).every((s) => s === 401) && flood.healthzMaxMs < 1000 && flood.memoryRiseMb < 50, {
    statuses: status(flood.result),
    ms: flood.ms,
    memoryRiseMb: flood.memoryRiseMb,
    healthzMaxMs: flood.healthzMaxMs,
  });

  // Images whose headers declare more than the library's memory ceiling (40 megapixels decoded at once), and a BMP just under it.
  for (const [name, bytes, want, who] of [
    ['a 10000 x 10000 PNG', blackPng(10_000, 10_000), 413, 'png'],
    ['a 10000 x 8000 1-bit BMP', stripedBmp(10_000, 8000), 413, 'bmp-big'],
    ['a 6000 x 6600 1-bit BMP (39.6 megapixels)', stripedBmp(6000, 6600), 200, 'bmp-under'],
  ] as const) {
    const image = await watched(url, pid, () => postAs(who, endpoint, { image_b64: bytes.toString('base64'), timeout: 60 }));
    const quick = want === 200 || image.ms < 1000;
    check(`${name}, ${bytes.length} bytes`, image.result.status === want && quick && image.healthzMaxMs < 1000 && image.memoryRiseMb < 200, {
      status: image.result.status,
      code: image.result.body.code,
      ms: image.ms,
      memoryRiseMb: image.memoryRiseMb,
      healthzMaxMs: image.healthzMaxMs,
    });
  }

  // 40 wrong keys at once from one address.
  const guesses = await Promise.all(
    Array.from({ length: 40 }, (_, i) =>
      heldPost(endpoint, { 'content-type': 'application/json', 'x-api-key': `guess-${i}` }, Buffer.from('{}'), { end: true, localAddress: '127.0.0.4' }).answer,
    ),
  );
  const limited = guesses.filter((a) => a.status === 429 && a.body.code === 4029 && Number(a.headers.get('retry-after')) >= 1);
  check('a burst of 40 wrong keys', limited.length >= 25 && guesses.every((a) => a.status === 401 || limited.includes(a)), {
    unauthorised: guesses.filter((a) => a.status === 401).length,
    limited: limited.length,
  });

  // 40 idle connections from one address, then a request from it and one from elsewhere.
  const { hostname, port } = new URL(url);
  const sockets = await Promise.all(
    Array.from({ length: 40 }, () => new Promise<Socket>((resolve) => {
      const socket = connect({ host: hostname, port: Number(port), localAddress: '127.0.0.5' }, () => resolve(socket));
      socket.on('error', () => resolve(socket));
    })),
  );
  await sleep(100);
  const crowded = await heldPost(endpoint, { 'content-type': 'application/json', 'x-api-key': KEY }, Buffer.from('{}'), { end: true, localAddress: '127.0.0.5' }).answer.catch(() => null);
  const elsewhere = await postJson(endpoint, {});
  sockets.forEach((s) => s.destroy());
  check('40 idle connections from one address', crowded?.status === 429 && elsewhere.status === 400, { crowded: crowded?.status ?? 0, elsewhere: elsewhere.status });

  // A harmless first frame, an explicit (red) second: judged by its frames, not its first.
  const frame = (r: number, g: number, b: number) => sharp({ create: { width: 200, height: 150, channels: 3, background: { r, g, b } } }).png().toBuffer();
  const gif = await sharp([await frame(128, 128, 128), await frame(255, 0, 0)], { join: { animated: true } }).gif().toBuffer();
  const animated = await postAs('animation', endpoint, { image_b64: gif.toString('base64') });
  check('a GIF whose explicit frame comes second', animated.body.decision === 'block' && animated.body.animation?.scanned === 2, {
    status: animated.status,
    decision: animated.body.decision,
    animation: animated.body.animation,
  });
}

/** Two tenants sharing one Redis cache, a forged entry, a proxy's header and a flood of addresses. */
async function attackRoundThree() {
  const redis = await startRedis();
  const client = new Redis(redis.url, { maxRetriesPerRequest: 1 });
  const file = join(mkdtempSync(join(tmpdir(), 'veil-keys-')), 'keys.json');
  writeFileSync(file, JSON.stringify([{ key: 'sk-a', tenant: 'a' }, { key: 'sk-b', tenant: 'b', daily_quota: 1 }]));
  const gateway = await startTestGateway(['--redis', redis.url, '--redis-prefix', 'rel:', '--keys-file', file]);
  try {
    const photo = imageBytes('landscape-640x480.jpg');
    const sha256 = createHash('sha256').update(photo).digest('hex');
    await postJson(gateway.endpoint, { image_b64: photo.toString('base64') }, 'sk-a');
    const asked = await postJson(`${gateway.endpoint}/hash`, { sha256 }, 'sk-b');
    check("another tenant's hash look-up", asked.status === 404 && asked.body.code === 4040, { status: asked.status, code: asked.body.code });

    const [key] = await client.keys('rel:result:*');
    await client.set(key!, JSON.stringify({ result: { decision: 'pass' }, input: { sha256 } }));
    const forged = await postJson(gateway.endpoint, { image_b64: photo.toString('base64') }, 'sk-a');
    check('a forged cache entry', forged.body.decision === 'block' && forged.headers.get('x-cache') === 'miss', { decision: forged.body.decision, cache: forged.headers.get('x-cache') });
  } finally {
    client.disconnect();
    await gateway.close();
    await redis.close();
  }

  const proxied = await startTestGateway(['--trust-proxy', '127.0.0.1/32', '--proxy-header', 'x-real-ip', '--auth-failures', '10']);
  try {
    const codes: number[] = [];
    for (let i = 0; i < 30; i++) codes.push((await postJson(proxied.endpoint, {}, `wrong-${i}`, { 'x-real-ip': '198.51.100.7', 'x-forwarded-for': `203.0.113.${i + 1}` })).body.code);
    const limited = codes.filter((c) => c === 4029).length;
    check('30 wrong keys rotating X-Forwarded-For behind an X-Real-IP proxy', limited === 20, { unauthorised: codes.filter((c) => c === 4015).length, limited });
  } finally {
    await proxied.close();
  }

  const limiter = new FailureLimiter(10);
  const costs: number[] = [];
  for (let c = 0; c < 10; c++) {
    const started = performance.now();
    for (let i = c * 10_000; i < (c + 1) * 10_000; i++) limiter.failed(`2001:db8::${i.toString(16)}`);
    costs.push(performance.now() - started);
  }
  const ratio = costs.slice(-3).reduce((a, b) => a + b) / costs.slice(1, 4).reduce((a, b) => a + b);
  check('100,000 addresses with failed keys', ratio < 4 && limiter.tracked <= 50_000, { msPer10000: costs.map(Math.round), lastToFirst: Number(ratio.toFixed(2)), tracked: limiter.tracked });
}

async function attackInFlight() {
  // The model answers only when released: requests pile up as behind a slow backend.
  const waiting: (() => void)[] = [];
  const output = new Float32Array(22 * 2100);
  const nudenet = createNudenet('held.onnx', 320, () => new Promise((resolve) => waiting.push(() => resolve(output))), async () => undefined);
  const gateway = await startTestGateway(['--max-in-flight', '32', '--max-in-flight-per-key', '8'], { nudenet });
  try {
    const image_b64 = stripedBmp(64, 48).toString('base64');
    const answers = Array.from({ length: 12 }, () => postJson(gateway.endpoint, { image_b64, timeout: 30 }));
    let load: Record<string, any> = {};
    for (let i = 0; i < 100 && load.in_flight !== 8; i++, await sleep(50)) load = (await (await fetch(`${gateway.url}/healthz`)).json()).load;
    const release = setInterval(() => waiting.splice(0).forEach((resolve) => resolve()), 20);
    const statuses = status(await Promise.all(answers));
    clearInterval(release);
    const served = statuses.filter((s) => s === 200).length;
    const refused = statuses.filter((s) => s === 429).length;
    check('12 requests at once from one key', served === 8 && refused === 4 && load.in_flight === 8, { served, refused, load });
  } finally {
    await gateway.close();
  }
}

async function attackDns() {
  // A DNS server that takes every query and never answers.
  const silent = createSocket('udp4');
  silent.on('message', () => undefined);
  await new Promise<void>((resolve) => silent.bind(0, '127.0.0.1', resolve));
  const server = `127.0.0.1:${(silent.address() as AddressInfo).port}`;
  const gateway = await startTestGateway([], { resolve: createResolver({ timeoutMs: 5000, servers: [server] }) });
  try {
    const lookups = await watched(gateway.url, null, async () => {
      const answers = Array.from({ length: 16 }, (_, i) => postJson(gateway.endpoint, { image_url: `http://silent-${i}.example/a.jpg`, timeout: 3 }));
      await sleep(500);
      const readStarted = performance.now();
      await Promise.all(Array.from({ length: 8 }, () => readFile(MODEL_320)));
      const readMs = Math.round(performance.now() - readStarted);
      return { answers: await Promise.all(answers), readMs };
    });
    const all4005 = lookups.result.answers.every((a) => a.status === 422 && a.body.code === 4005);
    check('16 image_url hosts whose DNS never answers', all4005 && lookups.ms < 5000 && lookups.healthzMaxMs < 1000 && lookups.result.readMs < 500, {
      codes: [...new Set(lookups.result.answers.map((a) => a.body.code))],
      ms: lookups.ms,
      healthzMaxMs: lookups.healthzMaxMs,
      fileReadsMs: lookups.result.readMs,
    });
  } finally {
    await gateway.close();
    silent.close();
  }
}

test('security-gateway: the review\'s attacks on loopback', async () => {
  test.setTimeout(5 * 60_000);
  const { child, url } = await startProcess();
  try {
    await attackProcess(url, child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
  await attackInFlight();
  await attackDns();
  await attackRoundThree();
  const failures = checks.filter((c) => !c.passed).map((c) => `${c.name}: ${JSON.stringify(c.details)}`);
  recordGroup('security-gateway', {
    tried: checks.length,
    passed: checks.length - failures.length,
    failures,
    details: Object.fromEntries(checks.map((c) => [c.name, c.details])),
  });
  expect(failures).toEqual([]);
});
