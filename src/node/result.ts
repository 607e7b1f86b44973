/**
 * A Node result's types, apart from the code that makes them, so the entry's
 * declarations never reach onnxruntime-node's or sharp's own types: a server's
 * TypeScript then checks them without those packages' DOM-flavoured declarations.
 */
import type { LocalRuntime, ModerationResult } from '../result.js';

/** Where and how a Node result was computed: onnxruntime-node's CPU provider, with its intra-op threads. */
export interface NodeRuntime extends Omit<LocalRuntime, 'provider'> {
  provider: 'cpu';
}

/** The browser's result, field for field, with the Node runtime. */
export interface NodeModerationResult extends Omit<ModerationResult, 'runtime'> {
  runtime: NodeRuntime;
}
