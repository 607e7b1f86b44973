/**
 * onnxruntime-node and sharp, the Node entry's two optional peer dependencies.
 * They are imported here only, and only when a detector starts, so the browser
 * entry never names them and a browser app never installs them; a server that
 * lacks one is told which to install, with a VeilError rather than Node's own
 * "Cannot find package".
 */
import type * as Ort from 'onnxruntime-node';
import type SharpFactory from 'sharp';
import { ErrorCodes, VeilError } from '../errors.js';

export type OrtModule = typeof Ort;
export type Sharp = typeof SharpFactory;

/** What each peer is for, in the sentence that asks for it. */
const ROLE = {
  'onnxruntime-node': 'runs the models with onnxruntime-node',
  sharp: 'decodes images with sharp',
} as const;

type Peer = keyof typeof ROLE;

/** Node's "not installed": the package itself is missing, not something it imports. */
function isMissing(error: unknown, name: Peer): boolean {
  const { code, message } = (error ?? {}) as { code?: unknown; message?: unknown };
  return (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && typeof message === 'string' && message.includes(`'${name}'`);
}

async function load<T>(name: Peer, importer: () => Promise<T>): Promise<T> {
  try {
    return await importer();
  } catch (error) {
    const install = `npm install ${name}`;
    if (isMissing(error, name)) {
      throw new VeilError(
        ErrorCodes.NO_BACKEND,
        `veil-nsfw/node ${ROLE[name]}, an optional peer dependency that is not installed: run \`${install}\` (the Node entry needs onnxruntime-node and sharp; the browser entry needs neither).`,
        { cause: error },
      );
    }
    // Installed but unusable, typically a native binary built for another platform.
    const detail = error instanceof Error ? error.message : String(error);
    throw new VeilError(ErrorCodes.NO_BACKEND, `${name} is installed but could not be loaded (${detail}). Reinstall it on this machine: \`${install}\`.`, {
      cause: error,
    });
  }
}

// The specifiers are literal so bundlers and Node see ordinary dynamic imports.
export const loadOrt = (): Promise<OrtModule> => load('onnxruntime-node', () => import('onnxruntime-node'));

export const loadSharp = (): Promise<Sharp> => load('sharp', async () => (await import('sharp')).default);

/** Both peers, loaded together; a server missing both is asked for both in one sentence. */
export async function loadPeers(): Promise<{ ort: OrtModule; sharp: Sharp }> {
  const [ort, sharp] = await Promise.allSettled([loadOrt(), loadSharp()]);
  if (ort.status === 'rejected' && sharp.status === 'rejected' && isMissing(ort.reason.cause, 'onnxruntime-node') && isMissing(sharp.reason.cause, 'sharp')) {
    throw new VeilError(
      ErrorCodes.NO_BACKEND,
      'veil-nsfw/node runs the models with onnxruntime-node and decodes images with sharp, optional peer dependencies that are not installed: run `npm install onnxruntime-node sharp` (the browser entry needs neither).',
    );
  }
  if (ort.status === 'rejected') throw ort.reason;
  if (sharp.status === 'rejected') throw sharp.reason;
  return { ort: ort.value, sharp: sharp.value };
}
