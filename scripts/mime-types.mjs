// @ts-check
/**
 * Content types for the repository's own static servers (the browser tests' and
 * the benchmark's): what a module worker, a .wasm file and the fixture images
 * and clips need to be taken for what they are.
 */
import { extname } from 'node:path';

/** @type {Readonly<Record<string, string>>} */
const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css',
  '.json': 'application/json',
  '.map': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.gif': 'image/gif',
  '.bmp': 'image/bmp',
  '.webm': 'video/webm',
  '.mp4': 'video/mp4',
};

/**
 * The Content-Type for a file path; models (.onnx, .ort) and anything unknown are bytes.
 * @param {string} path
 */
export function contentType(path) {
  return TYPES[extname(path)] ?? 'application/octet-stream';
}
