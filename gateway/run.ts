/**
 * The gateway's command:
 *   npx veil-nsfw gateway --port 8787 --model public/models/320n.onnx --classifier nsfwjs-mobilenet-v2 --keys key1,key2
 * (`npm run gateway -- …` in this repository). Starts the gateway, says where it
 * listens on stdout (one line, which tests and scripts read; the request log follows as JSON lines), and on SIGINT or SIGTERM
 * stops gracefully: it takes no new connection, finishes the requests it holds
 * within --shutdown-grace, then exits, so a rolling restart loses nothing.
 */
import { isVeilError } from '../src/errors.js';
import { CLOUD_ORDER } from './backends.js';
import { ConfigError, readConfig, USAGE } from './config.js';
import { missingServerPackage, missingServerPackageMessage } from './server-deps.js';

/**
 * Runs the gateway with `argv` (the options, without node and the script).
 * The server's modules load after the options are read, so `--help` and a bad
 * option need none of the server packages, and a missing one is one sentence.
 */
export async function runGateway(argv: string[]): Promise<void> {
  try {
    await start(argv);
  } catch (error: unknown) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    const missing = missingServerPackage(error);
    if (missing) {
      console.error(missingServerPackageMessage(missing));
      process.exit(1);
    }
    const code = isVeilError(error) ? ` (${error.code})` : '';
    console.error(`The gateway could not start${code}: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
}

async function start(argv: string[]): Promise<void> {
  const config = readConfig(argv);
  if (config === 'help') {
    console.log(USAGE);
    return;
  }
  const { ENDPOINT, startGateway } = await import('./server.js');
  const { redactUrl } = await import('./redis.js');
  if (config.allowPrivateUrls.length > 0) {
    console.warn(
      `WARNING: --allow-private-urls lets image_url reach ${config.allowPrivateUrls.map((c) => c.text).join(', ')}. It exists for tests; never use it on a server others can call.`,
    );
  }
  if (!config.model) console.warn('No --model given: the nudenet backend is off.');
  const gateway = await startGateway(config, { warm: true, processMetrics: true });
  const { nudenet, classifier } = gateway;
  const backends = [
    nudenet ? `nudenet (${nudenet.modelPath}, input ${nudenet.inputSize})` : null,
    classifier ? `${classifier.description.name} (${classifier.modelPath}, input ${classifier.description.inputSize})` : null,
  ]
    .concat(CLOUD_ORDER.filter((b) => config.cloud[b]))
    .filter(Boolean);
  const allowance = config.dailyQuota > 0 ? `${config.dailyQuota} calls a day` : 'no daily limit';
  const state = config.redis ? `shared in ${redactUrl(config.redis)}` : 'in this process';
  console.log(
    `Veil gateway listening on ${gateway.url}${ENDPOINT} (backends: ${backends.join(', ') || 'none'}; ${config.keys.length} key(s), ${config.qps} req/s each, ${allowance}; limits and cache ${state})`,
  );

  let stopping = false;
  const stop = (signal: string) => {
    // Repeats are ignored: under `npm run` (or systemd's control-group kill) the signal can arrive twice at once.
    if (stopping) return;
    stopping = true;
    console.log(`${signal}: stopping, finishing the requests held within ${config.shutdownGraceMs / 1000} s`);
    gateway.drain(config.shutdownGraceMs).then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
