/**
 * API keys with what belongs to each: a name for logs, metrics and Redis (never
 * the key itself, which is a secret), and optionally a daily allowance and a
 * rate of its own, and the tenant it belongs to. `--keys` gives bare keys;
 * `--keys-file` a JSON list:
 *
 *   [{ "key": "sk_live_…", "id": "shop", "tenant": "acme", "daily_quota": 5000, "qps": 10 }, { "key": "sk_…" }]
 *
 * The result cache and the hash look-up are scoped by tenant (result-cache.ts):
 * a key learns nothing about images that keys of other tenants sent. A key
 * without a tenant is a tenant of its own (its id).
 *
 * A key without an id is named by the first 12 hex digits of its SHA-256, the
 * same on every instance, so its counts in Redis are shared without the key
 * ever being written there.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

export interface KeyDetails {
  /** What logs, metrics and Redis call the key. */
  id: string;
  /** Calls a UTC day; null for the gateway's --daily-quota, 0 for no limit. */
  dailyQuota: number | null;
  /** Requests a second; null for the gateway's --qps. */
  qps: number | null;
  /** Whose cached results this key may be answered from: keys of one tenant share them. */
  tenant: string;
}

const ID = /^[\w.-]{1,64}$/;

export const keyIdOf = (key: string) => `key-${createHash('sha256').update(key, 'utf8').digest('hex').slice(0, 12)}`;

/** A setting that cannot work, in one sentence; config.ts turns it into a ConfigError. */
export class KeysFileError extends Error {}

/** The keys of a --keys-file, checked: each a non-empty string, ids unique and plain, quotas whole numbers. */
export function readKeysFile(path: string): { keys: string[]; details: KeyDetails[] } {
  let entries: unknown;
  try {
    entries = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? 'it is not JSON';
    throw new KeysFileError(`--keys-file ${path} could not be read (${reason}).`);
  }
  if (!Array.isArray(entries)) throw new KeysFileError(`--keys-file ${path} must hold a JSON list of { "key", "id", "daily_quota", "qps" }.`);
  const keys: string[] = [];
  const details: KeyDetails[] = [];
  entries.forEach((entry: unknown, index) => {
    const where = `--keys-file entry ${index + 1}`;
    const { key, id, tenant, daily_quota: quota, qps } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<string, unknown>;
    if (typeof key !== 'string' || key.trim() === '') throw new KeysFileError(`${where} needs "key", a non-empty string.`);
    if (id !== undefined && (typeof id !== 'string' || !ID.test(id))) {
      throw new KeysFileError(`${where}: "id" must be 1 to 64 letters, digits, "_", "." or "-".`);
    }
    // The request log names keyless calls "anonymous": a key of that name would be told apart from them by nothing.
    if (id === 'anonymous') throw new KeysFileError(`${where}: "id" cannot be "anonymous", the name the request log gives calls without a key.`);
    if (tenant !== undefined && (typeof tenant !== 'string' || !ID.test(tenant))) {
      throw new KeysFileError(`${where}: "tenant" must be 1 to 64 letters, digits, "_", "." or "-".`);
    }
    if (quota !== undefined && quota !== null && !(Number.isInteger(quota) && (quota as number) >= 0)) {
      throw new KeysFileError(`${where}: "daily_quota" must be a whole number of calls (0 for no limit).`);
    }
    if (qps !== undefined && qps !== null && !(typeof qps === 'number' && qps >= 0.01)) {
      throw new KeysFileError(`${where}: "qps" must be a number of requests a second, at least 0.01.`);
    }
    keys.push(key.trim());
    const keyId = (id as string | undefined) ?? keyIdOf(key.trim());
    details.push({ id: keyId, dailyQuota: (quota as number | null | undefined) ?? null, qps: (qps as number | null | undefined) ?? null, tenant: (tenant as string | undefined) ?? keyId });
  });
  return { keys, details };
}

/** --keys and --keys-file together; a key in both takes the file's details. Ids must name one key each. */
export function mergeKeys(listed: string[], file: { keys: string[]; details: KeyDetails[] } | null): { keys: string[]; details: KeyDetails[] } {
  const keys = [...(file?.keys ?? [])];
  const details = [...(file?.details ?? [])];
  for (const key of listed) {
    if (keys.includes(key)) continue;
    keys.push(key);
    details.push({ id: keyIdOf(key), dailyQuota: null, qps: null, tenant: keyIdOf(key) });
  }
  const seen = new Set<string>();
  for (const { id } of details) {
    if (seen.has(id)) throw new KeysFileError(`Two keys are named "${id}": each key's id must be its own.`);
    seen.add(id);
  }
  return { keys, details };
}
