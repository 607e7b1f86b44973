import { expose, wrap } from 'comlink';
import { describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../gateway/openapi.js';
import { HTTP_STATUS } from '../../gateway/responses.js';
import { type ErrorCode, ErrorCodes, isVeilError, VeilError } from '../../src/errors.js';
import { registerErrorTransfer } from '../../src/worker/error-transfer.js';

describe('VeilError', () => {
  it('carries a string code and a sentence', () => {
    const error = new VeilError(ErrorCodes.BAD_INPUT, 'Pass an image.');
    expect(error).toBeInstanceOf(Error);
    expect([error.name, error.code, error.message]).toEqual(['VeilError', '4000', 'Pass an image.']);
  });

  it('is recognised across realms by name and code, not instanceof alone', () => {
    expect(isVeilError({ name: 'VeilError', code: '5020', message: 'x' })).toBe(true);
    expect(isVeilError(new Error('x'))).toBe(false);
    expect(isVeilError({ name: 'VeilError' })).toBe(false);
  });

  it('keeps the error codes of the image-nsfw gateway API', () => {
    expect(ErrorCodes).toMatchObject({
      BAD_INPUT: '4000',
      BAD_OPTION: '4001',
      MISSING_CREDENTIALS: '4011',
      BAD_API_KEY: '4015',
      NO_BACKEND: '5020',
      REMOTE_UNREACHABLE: '5021',
    });
    const codes = Object.values(ErrorCodes);
    expect(new Set(codes).size).toBe(codes.length);
  });

  it("names every code the gateway server answers, busy and timed out apart from 5021, under the statuses it always had", () => {
    expect(ErrorCodes).toMatchObject({ HASH_NOT_SEEN: '4040', BUSY: '5024', TIMED_OUT: '5025' });
    const known = new Set<string>(Object.values(ErrorCodes));
    expect(Object.keys(ERROR_CODES).filter((code) => !known.has(code))).toEqual([]);
    expect(Object.keys(ERROR_CODES).filter((code) => HTTP_STATUS[code as ErrorCode] === undefined)).toEqual([]);
    expect([HTTP_STATUS[ErrorCodes.HASH_NOT_SEEN], HTTP_STATUS[ErrorCodes.BUSY], HTTP_STATUS[ErrorCodes.TIMED_OUT]]).toEqual([404, 503, 503]);
    // Each code's text says what it means, not only which service sent it.
    expect(ERROR_CODES[5024]).toMatch(/busy/);
    expect(ERROR_CODES[5025]).toMatch(/timeout ran out/);
  });
});

describe('error transfer through comlink', () => {
  it('delivers code and message across a MessageChannel; other errors still arrive', async () => {
    registerErrorTransfer();
    const { port1, port2 } = new MessageChannel();
    expose(
      {
        fail() {
          throw new VeilError(ErrorCodes.NO_BACKEND, 'No execution provider could run the model.');
        },
        crash() {
          throw new TypeError('boom');
        },
      },
      port1,
    );
    const remote = wrap<{ fail(): void; crash(): void }>(port2);
    const error = await remote.fail().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(VeilError);
    expect(error).toMatchObject({ name: 'VeilError', code: '5020', message: 'No execution provider could run the model.' });
    const other = await remote.crash().catch((e: unknown) => e);
    expect(other).toMatchObject({ message: 'boom' });
    port1.close();
    port2.close();
  });
});
