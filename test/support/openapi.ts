/**
 * Checks a gateway answer against the gateway's OpenAPI document
 * (gateway/openapi.ts): the path and method must be documented (an unknown
 * path may only be answered 4044), the HTTP status must be one the operation
 * lists, and the JSON body must validate against that response's schema, with
 * Ajv's JSON Schema 2020-12 dialect, which OpenAPI 3.1 schemas are. The gateway
 * test helpers (gateway.ts) call it on every answer they return, so a server
 * change the document does not describe fails the tests that see it.
 */
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';
import { openApiDocument } from '../../gateway/openapi.js';

const document = openApiDocument({ anonymousDaily: 1 });
const ajv = new Ajv2020({ strict: false, allErrors: true });
(addFormats as unknown as (ajv: Ajv2020) => void)(ajv);
ajv.addSchema(document, 'openapi.json');

const compiled = new Map<string, ValidateFunction>();
const pointer = (...parts: string[]) => parts.map((p) => p.replaceAll('~', '~0').replaceAll('/', '~1')).join('/');

function validatorFor(path: string, method: string, status: string): ValidateFunction {
  const at = `openapi.json#/${pointer('paths', path, method, 'responses', status, 'content', 'application/json', 'schema')}`;
  let validate = compiled.get(at);
  if (!validate) compiled.set(at, (validate = ajv.compile({ $ref: at })));
  return validate;
}

const errorOnly = () => ajv.getSchema('openapi.json#/components/schemas/Error')!;

type Operation = { responses: Record<string, { content?: Record<string, unknown> }> };

/**
 * Throws, naming what disagrees, unless `body` (parsed JSON, or null when the
 * answer was not JSON) is what the document says `method url` answers with `status`.
 */
export function checkAgainstOpenApi(url: string, method: string, status: number, contentType: string | null, body: unknown): void {
  const path = new URL(url).pathname;
  const item = (document.paths as Record<string, Record<string, Operation>>)[path];
  const where = `${method} ${path} answered ${status}`;
  const fail = (why: string) => {
    throw new Error(`OpenAPI drift: ${where} ${why}; body: ${JSON.stringify(body).slice(0, 300)}`);
  };
  const lower = method.toLowerCase();
  const operation = item?.[lower];
  if (!operation) {
    // Not a documented operation: only the generic refusals (no such path 4044, wrong method 4000 with 405) may answer it.
    if (!item && status !== 404) fail('for a path the document does not have (only 404 with 4044 may)');
    if (lower === 'options' || lower === 'head') return;
    if (!errorOnly()(body)) fail(`with a body that is not the document's Error: ${ajv.errorsText(errorOnly().errors)}`);
    return;
  }
  const response = operation.responses[String(status)];
  if (!response) fail(`with a status the document does not list for it (${Object.keys(operation.responses).join(', ')})`);
  if (!response!.content?.['application/json']) {
    if (!contentType?.startsWith(Object.keys(response!.content ?? {})[0] ?? '')) fail(`with Content-Type ${contentType}`);
    return;
  }
  if (!contentType?.startsWith('application/json')) fail(`with Content-Type ${contentType}, not JSON`);
  const validate = validatorFor(path, lower, String(status));
  if (!validate(body)) fail(`with a body the document does not allow: ${ajv.errorsText(validate.errors)}`);
}

export { document as gatewayOpenApi };
