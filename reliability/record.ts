/** Each reliability group writes what it tried and what passed; report.mjs gathers them. */
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const RESULTS = fileURLToPath(new URL('./results/', import.meta.url));

export interface GroupResult {
  tried: number;
  passed: number;
  /** Up to 20 failures, each a short sentence, and anything worth knowing (seed, memory). */
  failures?: string[];
  details?: Record<string, unknown>;
}

export function recordGroup(name: string, result: GroupResult): void {
  mkdirSync(`${RESULTS}groups`, { recursive: true });
  writeFileSync(`${RESULTS}groups/${name}.json`, JSON.stringify({ ...result, failures: result.failures?.slice(0, 20) }, null, 2));
}
