/**
 * The image-nsfw gateway API's documentation prints five request examples
 * (cURL, Python requests, Node fetch, Go, PHP curl) that it says run as they
 * are once the key is filled in. test/fixtures/documented-examples/ holds them
 * as printed; each runs here in its own language, with only the key and the
 * URLs replaced, against a gateway on loopback. They send `image_url` beside the
 * placeholder `"image_b64": "<image_b64>"` and `"timeout": ""`, which must be
 * answered, not refused. The documentation's form variant (`apikey` as a query
 * or form field, a multipart upload) runs through curl the same way, and
 * docs/gateway-server.md must show the same five, pointed at `npm run gateway`.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IGNORED_B64_NOTE } from '../../../gateway/params.js';
import { IMAGES, imageBytes, KEY, postJson, startImageHost, startTestGateway, type ImageHost } from '../../support/gateway.js';
import { ROOT } from '../../support/fixture-data.js';

const run = promisify(execFile);
const EXAMPLES = join(ROOT, 'test/fixtures/documented-examples');
/** What the documentation's examples call and send, replaced by this test's gateway, image and key. */
const DOC_ENDPOINT = 'https://v1.apizero.cn/api/image-nsfw';
const DOC_IMAGE = 'https://example.com/photo.jpg';
const DOC_KEY = 'YOUR_API_KEY';
/** Where docs/gateway-server.md points them: `npm run gateway`'s default address. */
const OWN_ENDPOINT = 'http://127.0.0.1:8787/api/image-nsfw';
const PHOTO = 'landscape-640x480.jpg';

let gateway: Awaited<ReturnType<typeof startTestGateway>>;
let host: ImageHost;
let dir: string;

beforeAll(async () => {
  host = await startImageHost();
  gateway = await startTestGateway(['--allow-private-urls', '127.0.0.1/32']);
  dir = mkdtempSync(join(tmpdir(), 'veil-doc-examples-'));
});
afterAll(async () => {
  await gateway?.close();
  await host?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const example = (file: string) => readFileSync(join(EXAMPLES, file), 'utf8');

/** The example as a developer pastes it: only the key and the two URLs changed. */
function pasted(file: string): string {
  const text = example(file);
  for (const placeholder of [DOC_ENDPOINT, DOC_IMAGE, DOC_KEY]) expect(text).toContain(placeholder);
  return text.replaceAll(DOC_ENDPOINT, gateway.endpoint).replaceAll(DOC_IMAGE, `${host.url}/images/${PHOTO}`).replaceAll(DOC_KEY, KEY);
}

async function runIn(file: string, command: string, args: (path: string) => string[], env: NodeJS.ProcessEnv = {}): Promise<string> {
  const path = join(dir, file);
  writeFileSync(path, pasted(file));
  const { stdout } = await run(command, args(path), { cwd: dir, env: { ...process.env, ...env }, timeout: 170_000 });
  return stdout;
}

/** Each language prints the answer its own way; each must show code 200 and a decision. */
function expectAnswered(printed: string, code: RegExp, decision: RegExp): void {
  expect(printed).toMatch(code);
  expect(printed.match(decision)?.[1]).toMatch(/^(block|review|pass)$/);
}

function expectJsonAnswer(printed: string): void {
  const body = JSON.parse(printed);
  expect(body).toMatchObject({ code: 200, input: { type: 'url', source: `${host.url}/images/${PHOTO}`, width: 640, height: 480 } });
  expect(['block', 'review', 'pass']).toContain(body.decision);
  expect(body.notes).toContain(IGNORED_B64_NOTE);
}

describe("the image-nsfw gateway API documentation's examples, run as printed", () => {
  it('cURL', async () => {
    expectJsonAnswer(await runIn('example.sh', 'sh', (path) => [path]));
  });

  it('Python with requests (Debian python3-requests)', async () => {
    // Debian's python3, which has python3-requests: a python3 first on PATH (pyenv, a venv) may not.
    const printed = await runIn('example.py', '/usr/bin/python3', (path) => [path]);
    expectAnswered(printed, /'code': 200\b/, /'decision': '(\w+)'/);
    expect(printed).toContain(IGNORED_B64_NOTE.slice(0, 40));
  });

  it("Node's fetch", async () => {
    const printed = await runIn('example.mjs', process.execPath, (path) => [path]);
    expectAnswered(printed, /\bcode: 200\b/, /\bdecision: '(\w+)'/);
  });

  it('PHP with curl (Debian php-cli, php-curl)', async () => {
    const printed = await runIn('example.php', 'php', (path) => [path]);
    expectAnswered(printed, /\[code\] => 200\b/, /\[decision\] => (\w+)/);
    expect(printed).toContain(IGNORED_B64_NOTE.slice(0, 40));
  });

  it('Go (Debian golang-go)', { timeout: 180_000 }, async () => {
    // Offline and with the installed toolchain only; the build cache makes later runs quick.
    const env = { GOTOOLCHAIN: 'local', GOPROXY: 'off' };
    expectJsonAnswer(await runIn('example.go', 'go', (path) => ['run', path], env));
  });

  it('docs/gateway-server.md shows the same five, pointed at npm run gateway', () => {
    const docs = readFileSync(join(ROOT, 'docs/gateway-server.md'), 'utf8');
    for (const [file, lang] of [['example.sh', 'sh'], ['example.py', 'python'], ['example.mjs', 'javascript'], ['example.go', 'go'], ['example.php', 'php']] as const) {
      expect(docs).toContain(`\`\`\`${lang}\n${example(file).replaceAll(DOC_ENDPOINT, OWN_ENDPOINT)}\`\`\``);
    }
  });
});

describe("the documentation's form variant: apikey as a query or form field", () => {
  const curl = async (...args: string[]) => JSON.parse((await run('curl', ['-sS', '-X', 'POST', ...args])).stdout);

  it('multipart with the key in the query, the image by URL beside the placeholder', async () => {
    const body = await curl(`${gateway.endpoint}?apikey=${KEY}`, '-F', `image_url=${host.url}/images/${PHOTO}`, '--form-string', 'image_b64=<image_b64>', '-F', 'backend=auto', '-F', 'timeout=');
    expect(body).toMatchObject({ code: 200, input: { type: 'url' } });
    expect(body.notes).toContain(IGNORED_B64_NOTE);
  });

  it('multipart with the key as a form field, the image uploaded', async () => {
    const body = await curl(gateway.endpoint, '-F', `apikey=${KEY}`, '-F', `image=@${join(IMAGES, PHOTO)}`, '-F', 'backend=auto');
    expect(body).toMatchObject({ code: 200, input: { type: 'file', source: PHOTO, width: 640, height: 480 } });
    expect(['block', 'review', 'pass']).toContain(body.decision);
  });

  it('a urlencoded form with the key as a field', async () => {
    const body = await curl(gateway.endpoint, '--data-urlencode', `apikey=${KEY}`, '--data-urlencode', `image_url=${host.url}/images/${PHOTO}`, '--data-urlencode', 'timeout=');
    expect(body).toMatchObject({ code: 200, input: { type: 'url' }, notes: [] });
  });
});

describe('which image wins', () => {
  const url = () => `${host.url}/images/${PHOTO}`;

  it('the URL, when image_b64 is empty (no note) and timeout is "" or null', async () => {
    for (const timeout of ['', null]) {
      const { status, body } = await postJson(gateway.endpoint, { image_url: url(), image_b64: '', timeout });
      expect(status).toBe(200);
      expect(body).toMatchObject({ input: { type: 'url' }, notes: [] });
    }
  });

  it('neither, when both could be an image: base64 or a data URI beside the URL is 4000', async () => {
    const b64 = imageBytes(PHOTO).toString('base64');
    for (const image_b64 of [b64, `data:image/jpeg;base64,${b64}`, 'AAAA']) {
      const { status, body } = await postJson(gateway.endpoint, { image_url: url(), image_b64 });
      expect(status).toBe(400);
      expect(body).toMatchObject({ code: 4000, desc: expect.stringMatching(/one image per request/) });
    }
  });
});
