/** The built-in dialects, one per moderation service Veil speaks to, and their names. */
import type { Dialect, DialectName } from '../dialect.js';
import { gatewayDialect } from './gateway.js';
import { nsfwCategorizeDialect } from './nsfw-categorize.js';
import { tencentCosDialect } from './tencent-cos.js';
import { yuanxiDialect } from './yuanxi.js';

export { gatewayDialect, type GatewayOptions } from './gateway.js';
export { nsfwCategorizeDialect } from './nsfw-categorize.js';
export { tencentAiDialect, tencentAiSign, type TencentAiOptions } from './tencent-ai.js';
export { tencentCosDialect } from './tencent-cos.js';
export { yuanxiDialect, type YuanxiOptions } from './yuanxi.js';

/** The built-in dialects that need no settings, by name, with their defaults. */
const BY_NAME: Record<Exclude<DialectName, 'tencent-ai'>, () => Dialect> = {
  gateway: gatewayDialect,
  yuanxi: yuanxiDialect,
  'tencent-cos': tencentCosDialect,
  'nsfw-categorize': nsfwCategorizeDialect,
};

/** A built-in dialect by name. Tencent AI needs its appId: use tencentAiDialect(). */
export function dialectByName(name: DialectName): Dialect | null {
  return name !== 'tencent-ai' && Object.hasOwn(BY_NAME, name) ? BY_NAME[name]() : null;
}
