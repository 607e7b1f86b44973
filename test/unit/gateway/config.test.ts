/** Flags, environment variables, defaults, and the sentences a bad setting gets. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, readConfig } from '../../../gateway/config.js';

const read = (args: string[], env: NodeJS.ProcessEnv = {}) => {
  const config = readConfig(args, env);
  if (config === 'help') throw new Error('help');
  return config;
};

describe('readConfig', () => {
  it('has the documented defaults', () => {
    const config = read(['--keys', 'a']);
    expect(config).toMatchObject({
      host: '127.0.0.1',
      port: 8787,
      model: null,
      keys: ['a'],
      qps: 2,
      maxBodyBytes: 15 * 1024 * 1024,
      maxImageBytes: 10 * 1024 * 1024,
      corsOrigins: [],
      allowPrivateUrls: [],
      policy: 'balanced',
      cloud: { baidu: null, tencent: null, aliyun: null },
    });
  });

  it('reads every setting from VEIL_GATEWAY_* and lets flags win', () => {
    const env = {
      VEIL_GATEWAY_PORT: '9000',
      VEIL_GATEWAY_HOST: '0.0.0.0',
      VEIL_GATEWAY_MODEL: 'm.onnx',
      VEIL_GATEWAY_KEYS: 'k1, k2',
      VEIL_GATEWAY_QPS: '5',
      VEIL_GATEWAY_MAX_BODY: '2mb',
      VEIL_GATEWAY_MAX_IMAGE: '512kb',
      VEIL_GATEWAY_CORS_ORIGINS: 'https://a.example,http://localhost:5173',
      VEIL_GATEWAY_POLICY: 'strict',
      VEIL_GATEWAY_ALLOW_PRIVATE_URLS: '127.0.0.1/32',
    };
    expect(read([], env)).toMatchObject({
      port: 9000,
      host: '0.0.0.0',
      model: 'm.onnx',
      keys: ['k1', 'k2'],
      qps: 5,
      maxBodyBytes: 2 * 1024 * 1024,
      maxImageBytes: 512 * 1024,
      corsOrigins: ['https://a.example', 'http://localhost:5173'],
      policy: 'strict',
    });
    expect(read([], env).allowPrivateUrls.map((c) => c.text)).toEqual(['127.0.0.1/32']);
    expect(read(['--port', '1234', '--keys', 'x', '--qps', '0.5'], env)).toMatchObject({ port: 1234, keys: ['x'], qps: 0.5 });
  });

  it('has the documented limits, each from a flag or a VEIL_GATEWAY_* variable', () => {
    expect(read(['--keys', 'a'])).toMatchObject({
      formKeyBytes: 4096,
      maxFormFields: 32,
      maxConnections: 512,
      maxConnectionsPerAddress: 32,
      maxInFlight: 32,
      maxInFlightPerKey: 8,
      authFailures: 10,
      decodeWorkers: 2,
      dnsTimeoutMs: 5000,
      maxDnsLookups: 8,
    });
    const env = {
      VEIL_GATEWAY_KEYS: 'k',
      VEIL_GATEWAY_FORM_KEY_BYTES: '1kb',
      VEIL_GATEWAY_MAX_FORM_FIELDS: '8',
      VEIL_GATEWAY_MAX_CONNECTIONS: '100',
      VEIL_GATEWAY_MAX_CONNECTIONS_PER_ADDRESS: '4',
      VEIL_GATEWAY_MAX_IN_FLIGHT: '16',
      VEIL_GATEWAY_MAX_IN_FLIGHT_PER_KEY: '2',
      VEIL_GATEWAY_AUTH_FAILURES: '5',
      VEIL_GATEWAY_DECODE_WORKERS: '1',
      VEIL_GATEWAY_DNS_TIMEOUT: '2.5',
      VEIL_GATEWAY_MAX_DNS_LOOKUPS: '3',
    };
    expect(read([], env)).toMatchObject({
      formKeyBytes: 1024,
      maxFormFields: 8,
      maxConnections: 100,
      maxConnectionsPerAddress: 4,
      maxInFlight: 16,
      maxInFlightPerKey: 2,
      authFailures: 5,
      decodeWorkers: 1,
      dnsTimeoutMs: 2500,
      maxDnsLookups: 3,
    });
    expect(read(['--max-in-flight-per-key', '3', '--dns-timeout', '1'], env)).toMatchObject({ maxInFlightPerKey: 3, dnsTimeoutMs: 1000 });
  });

  it('reads cloud credentials only when complete', () => {
    expect(read(['--keys', 'a'], { VEIL_GATEWAY_BAIDU_API_KEY: 'ak' }).cloud.baidu).toBeNull();
    const cloud = read(['--keys', 'a'], {
      VEIL_GATEWAY_TENCENT_SECRET_ID: 'id',
      VEIL_GATEWAY_TENCENT_SECRET_KEY: 'secret',
      VEIL_GATEWAY_TENCENT_REGION: 'ap-shanghai',
    }).cloud;
    expect(cloud.tencent).toEqual({
      VEIL_GATEWAY_TENCENT_SECRET_ID: 'id',
      VEIL_GATEWAY_TENCENT_SECRET_KEY: 'secret',
      VEIL_GATEWAY_TENCENT_REGION: 'ap-shanghai',
    });
  });

  it.each([
    [[], /at least one API key/],
    [['--keys', 'a', '--port', '70000'], /at most 65535/],
    [['--keys', 'a', '--port', 'http'], /--port must be an integer/],
    [['--keys', 'a', '--qps', '0'], /--qps must be a number of at least 0.01/],
    [['--keys', 'a', '--max-body', '15 gigabytes'], /--max-body must be a size/],
    [['--keys', 'a', '--form-key-bytes', 'lots'], /--form-key-bytes must be a size/],
    [['--keys', 'a', '--max-in-flight', '0'], /--max-in-flight must be an integer of at least 1/],
    [['--keys', 'a', '--max-connections-per-address', '2.5'], /--max-connections-per-address must be an integer/],
    [['--keys', 'a', '--auth-failures', 'many'], /--auth-failures must be an integer/],
    [['--keys', 'a', '--dns-timeout', '0'], /--dns-timeout must be a number of at least 0.1/],
    [['--keys', 'a', '--cors-origins', 'https://a.example/path'], /--cors-origins takes origins/],
    [['--keys', 'a', '--policy', 'paranoid'], /strict, balanced or lenient/],
    [['--keys', 'a', '--allow-private-urls', 'localhost'], /--allow-private-urls takes address ranges/],
    [['--keys', 'a', '--unknown'], /Unknown option '--unknown'/],
    [['--keys', 'a', '--classifier', 'nsfwjs-v9'], /--classifier takes a built-in classifier name \(nsfwjs-mobilenet-v2, nsfwjs-mobilenet-v2-mid, nsfwjs-inception-v3\) or the path/],
    [['--keys', 'a', '--classifier', 'model.onnx'], /an .onnx file goes in --classifier-model/],
    [['--keys', 'a', '--classifier', 'missing.json'], /--classifier missing.json could not be read \(ENOENT\)/],
    [['--keys', 'a', '--classifier-model', 'm.onnx'], /--classifier-model needs --classifier/],
  ])('refuses %j', (args, message) => {
    expect(() => read(args as string[])).toThrow(ConfigError);
    expect(() => read(args as string[])).toThrow(message);
  });

  it('reads --classifier as a built-in name or a JSON description, from a flag or VEIL_GATEWAY_CLASSIFIER', () => {
    expect(read(['--keys', 'a']).classifier).toBeNull();
    const builtIn = read(['--keys', 'a', '--classifier', 'nsfwjs-mobilenet-v2']).classifier!;
    expect(builtIn.model).toBe('public/models/nsfwjs-mobilenet-v2.onnx');
    expect(builtIn.description).toMatchObject({ name: 'nsfwjs-mobilenet-v2', inputSize: 224, classes: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'] });
    const env = { VEIL_GATEWAY_KEYS: 'k', VEIL_GATEWAY_CLASSIFIER: 'nsfwjs-inception-v3', VEIL_GATEWAY_CLASSIFIER_MODEL: '/models/v3.onnx' };
    expect(read([], env).classifier).toMatchObject({ model: '/models/v3.onnx', description: { name: 'nsfwjs-inception-v3', inputSize: 299 } });
    const file = join(mkdtempSync(join(tmpdir(), 'veil-config-')), 'mine.json');
    writeFileSync(file, JSON.stringify({ name: 'mine', model: 'mine.onnx', inputSize: 256, classes: ['ok', 'nsfw'], categories: { ok: 'normal', nsfw: 'porn' }, preprocessing: { mean: [0.5, 0.5, 0.5] } }));
    expect(read(['--keys', 'a', '--classifier', file]).classifier).toEqual({
      model: join(file, '..', 'mine.onnx'),
      description: { name: 'mine', inputSize: 256, classes: ['ok', 'nsfw'], categories: { ok: 'normal', nsfw: 'porn' }, preprocessing: { divisor: 255, mean: [0.5, 0.5, 0.5], std: [1, 1, 1] } },
    });
  });

  it.each([
    ['not JSON', '{ name: ', /is not JSON/],
    ['a list', '[]', /must hold a JSON object/],
    ['no name', { model: 'm.onnx' }, /must give the classifier's "name"/],
    ['a name backend means otherwise', { name: 'nudenet', model: 'm.onnx' }, /cannot be auto, nudenet, local, baidu, tencent, aliyun or contain "\+"/],
    ['no model', { name: 'mine', inputSize: 224, classes: ['a', 'b'], categories: { a: 'porn', b: 'normal' } }, /must give "model"/],
    ['a class with no category', { name: 'mine', model: 'm.onnx', inputSize: 224, classes: ['a', 'b'], categories: { a: 'porn' } }, /does not describe a usable classifier: `classifier.categories` must map the class "b"/],
  ])('refuses a --classifier file with %s', (_, content, message) => {
    const file = join(mkdtempSync(join(tmpdir(), 'veil-config-')), 'c.json');
    writeFileSync(file, typeof content === 'string' ? content : JSON.stringify(content));
    expect(() => read(['--keys', 'a', '--classifier', file])).toThrow(ConfigError);
    expect(() => read(['--keys', 'a', '--classifier', file])).toThrow(message);
  });

  it('answers --help', () => {
    expect(readConfig(['--help'], {})).toBe('help');
  });
});
