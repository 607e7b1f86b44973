/**
 * What a user's editor shows of the public API, checked by the compiler
 * (`vitest` runs these with `tsc`): the options, the results, the error codes
 * and the page helpers' signatures, through `veil-nsfw` and `veil-nsfw/node` as
 * their entries export them. A change here is a change users see.
 */
import { describe, expectTypeOf, it } from 'vitest';
import {
  blurOnRender,
  censor,
  createDetector,
  ErrorCodes,
  isVeilError,
  screenUploads,
  VeilError,
  watchVideo,
  type BlurController,
  type BlurOnRenderOptions,
  type CensorInput,
  type CensorOptions,
  type Decision,
  type DetectInput,
  type Detector,
  type DetectorInfo,
  type DetectorLike,
  type DetectorOptions,
  type DetectorSource,
  type ErrorCode,
  type Label,
  type ModerationResult,
  type ScreenUploadsOptions,
  type UploadScreen,
  type VideoResult,
  type VideoWatch,
  type WatchVideoOptions,
} from 'veil-nsfw';
import * as node from '../../src/node/index.js';

describe('options', () => {
  it('createDetector takes DetectorOptions and resolves to a Detector', () => {
    expectTypeOf(createDetector).parameters.toEqualTypeOf<[DetectorOptions]>();
    expectTypeOf(createDetector).returns.resolves.toEqualTypeOf<Detector>();
  });

  it('names its modes, providers, model sources and caches', () => {
    expectTypeOf<DetectorOptions['mode']>().toEqualTypeOf<'local' | 'remote' | 'auto' | undefined>();
    expectTypeOf<NonNullable<DetectorOptions['providers']>>().toEqualTypeOf<('webgpu' | 'wasm')[]>();
    expectTypeOf<NonNullable<DetectorOptions['model']>>().toEqualTypeOf<string | URL | ArrayBuffer | Uint8Array>();
    expectTypeOf<NonNullable<DetectorOptions['cache']>>().toEqualTypeOf<'memory' | 'indexeddb' | false>();
    expectTypeOf<{ model: '/models/320n.onnx'; classifier: 'nsfwjs-mobilenet-v2' }>().toExtend<DetectorOptions>();
    // A misspelt option is an error, not silently ignored.
    // @ts-expect-error `modle` is not an option
    expectTypeOf<{ modle: string }>().toEqualTypeOf<DetectorOptions>();
  });
});

describe('results', () => {
  it('detect takes every input kind and resolves to a ModerationResult', () => {
    expectTypeOf<Detector['detect']>().parameter(0).toEqualTypeOf<DetectInput>();
    expectTypeOf<Detector['detect']>().returns.resolves.toEqualTypeOf<ModerationResult>();
    expectTypeOf<Detector['detectVideo']>().returns.resolves.toEqualTypeOf<VideoResult>();
    for (const kind of [new Blob(), new ArrayBuffer(1), new Uint8Array(1), 'data:,', new URL('https://x.test/a.jpg')] as const) {
      expectTypeOf(kind).toExtend<DetectInput>();
    }
    expectTypeOf<HTMLImageElement | HTMLCanvasElement | HTMLVideoElement | ImageBitmap | ImageData | OffscreenCanvas>().toExtend<DetectInput>();
  });

  it("keeps the gateway's schema: a decision, a label, three categories", () => {
    expectTypeOf<ModerationResult['code']>().toEqualTypeOf<200>();
    expectTypeOf<ModerationResult['decision']>().toEqualTypeOf<Decision>();
    expectTypeOf<Decision>().toEqualTypeOf<'block' | 'review' | 'pass'>();
    expectTypeOf<Label>().toEqualTypeOf<'porn' | 'sexy' | 'normal'>();
    expectTypeOf<ModerationResult['categories']>().toEqualTypeOf<{ porn: number; sexy: number; normal: number }>();
    expectTypeOf<DetectorInfo['location']>().toEqualTypeOf<'local' | 'remote'>();
  });
});

describe('error codes', () => {
  it('are string literals, and a VeilError carries one', () => {
    expectTypeOf(ErrorCodes.BAD_INPUT).toEqualTypeOf<'4000'>();
    expectTypeOf(ErrorCodes.HASH_NOT_SEEN).toEqualTypeOf<'4040'>();
    expectTypeOf(ErrorCodes.REMOTE_UNREACHABLE).toEqualTypeOf<'5021'>();
    expectTypeOf(ErrorCodes.BUSY).toEqualTypeOf<'5024'>();
    expectTypeOf(ErrorCodes.TIMED_OUT).toEqualTypeOf<'5025'>();
    expectTypeOf<VeilError['code']>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<'4000'>().toExtend<ErrorCode>();
    expectTypeOf<'4041'>().not.toExtend<ErrorCode>();
    expectTypeOf(isVeilError).guards.toEqualTypeOf<VeilError>();
  });
});

describe('page helpers', () => {
  it('take an element and options with a detector, and return a handle', () => {
    expectTypeOf(screenUploads).parameters.toEqualTypeOf<[HTMLInputElement | HTMLFormElement | HTMLElement, ScreenUploadsOptions]>();
    expectTypeOf(screenUploads).returns.toEqualTypeOf<UploadScreen>();
    expectTypeOf(blurOnRender).parameters.toEqualTypeOf<[Element | Document, BlurOnRenderOptions]>();
    expectTypeOf(blurOnRender).returns.toEqualTypeOf<BlurController>();
    expectTypeOf(watchVideo).parameters.toEqualTypeOf<[HTMLVideoElement, WatchVideoOptions]>();
    expectTypeOf(watchVideo).returns.toEqualTypeOf<VideoWatch>();
    expectTypeOf(censor).parameter(0).toEqualTypeOf<CensorInput>();
    expectTypeOf(censor).parameter(2).toEqualTypeOf<CensorOptions | undefined>();
    expectTypeOf(censor).returns.resolves.toEqualTypeOf<HTMLCanvasElement>();
    // A result from detect() is what censor() takes.
    expectTypeOf<ModerationResult>().toExtend<Parameters<typeof censor>[1]>();
  });

  it('accept a detector, a promise of one, or a function making one', () => {
    expectTypeOf<ScreenUploadsOptions['detector']>().toEqualTypeOf<DetectorSource>();
    expectTypeOf<BlurOnRenderOptions['detector']>().toEqualTypeOf<DetectorSource>();
    expectTypeOf<Detector>().toExtend<DetectorLike>();
    expectTypeOf<Promise<Detector>>().toExtend<DetectorSource>();
    expectTypeOf<() => Promise<Detector>>().toExtend<DetectorSource>();
  });
});

describe('veil-nsfw/node', () => {
  it('has its own createDetector and input, and shares the codes, policy and result types', () => {
    expectTypeOf(node.createDetector).parameters.toEqualTypeOf<[node.NodeDetectorOptions]>();
    expectTypeOf(node.createDetector).returns.resolves.toEqualTypeOf<node.NodeDetector>();
    expectTypeOf<Uint8Array | ArrayBuffer | Blob | string | URL>().toExtend<node.NodeDetectInput>();
    expectTypeOf(node.ErrorCodes).toEqualTypeOf(ErrorCodes);
    expectTypeOf<node.ErrorCode>().toEqualTypeOf<ErrorCode>();
    expectTypeOf<node.Decision>().toEqualTypeOf<Decision>();
    // Its result is the browser's schema, with a runtime of its own (onnxruntime-node on the CPU).
    expectTypeOf<node.NodeModerationResult['decision']>().toEqualTypeOf<Decision>();
    expectTypeOf<node.NodeModerationResult['categories']>().toEqualTypeOf<ModerationResult['categories']>();
    expectTypeOf<node.NodeModerationResult['runtime']['provider']>().toEqualTypeOf<'cpu'>();
  });
});
