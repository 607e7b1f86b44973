/** The built-in dialects, one per seed service, and their names. */
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

/** A built-in dialect by name, with its defaults. Tencent AI needs its appId: use tencentAiDialect(). */
export function dialectByName(name: DialectName): Dialect | null {
  switch (name) {
    case 'gateway':
      return gatewayDialect();
    case 'yuanxi':
      return yuanxiDialect();
    case 'tencent-cos':
      return tencentCosDialect();
    case 'nsfw-categorize':
      return nsfwCategorizeDialect();
    default:
      return null;
  }
}
