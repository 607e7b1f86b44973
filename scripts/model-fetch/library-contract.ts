/**
 * The library's own model check (src/nudenet/contract.ts), as the fetch script
 * needs it: a verdict rather than a thrown VeilError, so the manifest and the
 * downloaded file are judged by the very rule the browser session and the
 * gateway apply when they load a model, and cannot drift from it.
 */
import { isVeilError } from '../../src/errors.js';
import { checkContract, type ModelSignature } from '../../src/nudenet/contract.js';

export type ContractVerdict = { readonly size: number } | { readonly refused: string };

export function libraryContract(signature: ModelSignature): ContractVerdict {
  try {
    return { size: checkContract(signature) };
  } catch (err) {
    if (!isVeilError(err)) throw err;
    // The library's message ends with advice for app users ("Use NudeNet's ...");
    // the script's sentences give their own, so only the diagnosis is kept.
    return { refused: err.message.replace(/\.\s.*$/s, '').replace(/\.$/, '') };
  }
}
