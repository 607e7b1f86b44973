/**
 * The gateway's server-only packages. They are optional peer dependencies of
 * veil-nsfw, so a page that only bundles the browser library never installs
 * them; a server installs them with the one command below. A missing one is
 * named in one sentence instead of Node's stack trace from deep in an import.
 */

/** Every package the gateway can load, and what each is for. */
export const SERVER_PACKAGES = {
  'onnxruntime-node': 'runs the models',
  sharp: 'decodes images',
  pino: 'writes the request log',
  'prom-client': 'serves /metrics',
  ioredis: 'shares limits and the cache across instances (--redis)',
} as const;

export const INSTALL_SERVER_PACKAGES = `npm install ${Object.keys(SERVER_PACKAGES).join(' ')}`;

/** The package name in Node's "Cannot find package 'x'" / "Cannot find module 'x'" error, when it is one of ours. */
export function missingServerPackage(error: unknown): keyof typeof SERVER_PACKAGES | null {
  const code = (error as { code?: unknown } | null)?.code;
  if (code !== 'ERR_MODULE_NOT_FOUND' && code !== 'MODULE_NOT_FOUND') return null;
  const name = /Cannot find (?:package|module) '([^']+)'/.exec(String((error as Error).message))?.[1];
  if (!name) return null;
  // "sharp/lib/index.js" and "@img/sharp-linux-x64" both mean sharp's install is incomplete.
  const root = name.startsWith('@img/sharp') ? 'sharp' : name.startsWith('@') ? name.split('/').slice(0, 2).join('/') : name.split('/')[0]!;
  return Object.hasOwn(SERVER_PACKAGES, root) ? (root as keyof typeof SERVER_PACKAGES) : null;
}

/** One sentence for a missing server package: which, what for, and the command that installs all of them. */
export function missingServerPackageMessage(name: keyof typeof SERVER_PACKAGES): string {
  return `The gateway needs the npm package ${name}, which ${SERVER_PACKAGES[name]}, and it is not installed: run \`${INSTALL_SERVER_PACKAGES}\` in the folder you start the gateway from.`;
}
