/**
 * The yuanxiapi.cn image-review API (interface 69), a reseller's service: form
 * fields `id`, `key`, and `img_url` or `img_Base64` (4 MB at most); `data.result`
 * is 1 compliant, 2 non-compliant, 3 suspected, 4 review failed, with the kinds
 * of violation in `resultItems[].nonComplianceMainType` (1 = pornography).
 *
 * Only pornography counts towards Veil's verdict; other violations the service
 * reports (ads, politics...) are listed in `notes` and kept in `raw`.
 */
import { ErrorCodes, VeilError } from '../../errors.js';
import type { Dialect } from '../dialect.js';
import { expectObject, numberOf, requestJson, toBase64 } from '../http.js';

export interface YuanxiOptions {
  /** The service's interface id; 69 is image review. */
  id?: number;
}

const PORN = 1;
const SYSTEM_ERRORS: Record<number, string> = {
  101: 'the key is wrong',
  102: 'the key is banned',
  103: 'this IP is banned',
  104: 'this IP is not on the whitelist',
  105: 'this IP is over its request limit',
  106: 'the request source is unknown',
  107: 'the interface is under maintenance',
  108: 'the balance is used up',
  109: 'the account is not verified',
  110: 'the interface does not exist',
};

interface Item {
  msg?: string;
  nonComplianceMainType?: number | string;
  hits?: { probability?: number | string }[];
}

export function yuanxiDialect(options: YuanxiOptions = {}): Dialect {
  const id = options.id ?? 69;
  return {
    name: 'yuanxi',
    async screen(image, context) {
      const form = new URLSearchParams({ id: String(id), key: context.apiKey ?? '' });
      if (image.bytes) {
        if (image.bytes.length > 4 * 1024 * 1024) {
          throw new VeilError(ErrorCodes.TOO_LARGE, 'This service takes images of 4 MB at most (img_Base64): send a smaller image.');
        }
        form.set('img_Base64', await toBase64(image.bytes));
      } else form.set('img_url', image.url ?? '');
      const { body } = await requestJson(context, context.endpoint, { method: 'POST', body: form });
      const answer = expectObject(body, 'The review service');

      const systemError = numberOf(answer.error_code);
      if (systemError !== null && systemError !== 0) {
        const reason = SYSTEM_ERRORS[systemError] ?? String(answer.reason ?? answer.msg ?? 'unknown');
        const code = systemError <= 102 ? ErrorCodes.BAD_API_KEY : systemError === 105 ? ErrorCodes.RATE_LIMITED : ErrorCodes.REMOTE_FAILED;
        throw new VeilError(code, `The review service refused the call (error_code ${systemError}: ${reason}).`);
      }
      if (numberOf(answer.code) !== 200) {
        throw new VeilError(ErrorCodes.REMOTE_FAILED, `The review service answered code ${String(answer.code)}: ${String(answer.msg ?? '')}.`);
      }
      const data = expectObject(answer.data, 'The review service');
      const result = numberOf(data.result);
      if (result === 4) throw new VeilError(ErrorCodes.REMOTE_FAILED, 'The review service could not review this image (result 4).');
      if (result === null || result < 1 || result > 3) {
        throw new VeilError(ErrorCodes.REMOTE_BAD_RESPONSE, `The review service answered result ${String(data.result)}, not 1 to 4.`);
      }

      const items = (Array.isArray(data.resultItems) ? data.resultItems : []) as Item[];
      const porn = items.filter((item) => numberOf(item.nonComplianceMainType) === PORN);
      const others = items.filter((item) => numberOf(item.nonComplianceMainType) !== PORN);
      const probability = Math.max(0, ...porn.flatMap((item) => (item.hits ?? []).map((h) => numberOf(h.probability) ?? 0)));
      // Non-compliant pornography is certain; "suspected" sits at the review line.
      const pornScore = porn.length === 0 || result === 1 ? 0 : result === 2 ? Math.max(probability, 0.9) : 0.5;
      return {
        backend: 'yuanxi',
        categories: { porn: pornScore, sexy: 0, normal: 1 - pornScore },
        decision: pornScore === 0 ? 'pass' : result === 2 ? 'block' : 'review',
        raw: { yuanxi: answer },
        notes: others.map(
          (item) => `The review service also reported "${item.msg ?? 'a violation'}" (type ${String(item.nonComplianceMainType)}), which is not nudity and does not change the decision.`,
        ),
      };
    },
  };
}
