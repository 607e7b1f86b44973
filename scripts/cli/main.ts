#!/usr/bin/env node
/**
 * `npx veil-nsfw <command>`: the package's command, for an app that installed
 * veil-nsfw from the registry (in this repository, `npx tsx scripts/cli/main.ts`,
 * or the npm scripts that run it). Node-only: it is built to dist/cli/ and never
 * reaches a browser bundle.
 *
 *   models <id...>   fetch NudeNet's weights, or convert nsfwjs's classifiers
 *   assets --out DIR copy the worker, runtime and .wasm files into a folder
 *   gateway [opts]   the image-nsfw gateway API server
 *
 * Exit codes, for every command: 0 done, 1 failed for a reason said in one
 * sentence, 2 a usage error (unknown command or option), 130/143 interrupted.
 */
import { readFileSync } from 'node:fs';

const USAGE = `Usage: npx veil-nsfw <command> [options]

Commands:
  models <id...>    download NudeNet's weights (320n, 640m), or convert nsfwjs's
                    classifiers from the app's installed nsfwjs package to ONNX;
                    checks each against Veil's model contract, prints its SHA-256
  assets --out DIR  copy Veil's worker, onnxruntime-web's runtime and its .wasm
                    files into DIR, for bundlers that do not emit them
  gateway [options] run the image-nsfw gateway API server (needs its server
                    packages: see npx veil-nsfw gateway --help)

Run npx veil-nsfw <command> --help for a command's options.

Exit codes: 0 done; 1 failed (the reason in one sentence); 2 usage error;
130 or 143 interrupted.
`;

function version(): string {
  // dist/cli/ and scripts/cli/ are both two folders below the package's root.
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

/** Runs one command and resolves to its exit code; null for the gateway, whose server keeps the process alive (or exits it). */
export async function cli(argv: string[]): Promise<number | null> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'models': {
      const { main } = await import('../model-fetch/main.js');
      return main(rest);
    }
    case 'assets': {
      const { assets } = await import('./assets.js');
      return assets(rest);
    }
    case 'gateway': {
      const { runGateway } = await import('../../gateway/run.js');
      await runGateway(rest);
      return null;
    }
    case undefined:
      process.stderr.write(USAGE);
      return 2;
    case '-h':
    case '--help':
    case 'help':
      process.stdout.write(USAGE);
      return 0;
    case '-v':
    case '--version':
      process.stdout.write(`${version()}\n`);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}"; the commands are models, assets and gateway (run npx veil-nsfw --help).\n`);
      return 2;
  }
}

const onSignal = async (signal: NodeJS.Signals) => {
  // A model download in progress leaves a temporary file; the gateway handles its own signals.
  const { removeAllTempPaths } = await import('../model-fetch/download.js');
  removeAllTempPaths();
  process.stderr.write(`\nInterrupted (${signal}); the download in progress was discarded.\n`);
  process.exit(signal === 'SIGINT' ? 130 : 143);
};
if (process.argv[2] !== 'gateway') {
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
}

cli(process.argv.slice(2)).then(
  (code) => {
    if (code !== null) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`Unexpected error: ${error instanceof Error ? error.message : String(error)}\n`);
    if (process.env.DEBUG) console.error(error);
    process.exitCode = 1;
  },
);
