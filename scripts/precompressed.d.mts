/** The copy of `path` to send for this Accept-Encoding (FILE.br, FILE.gz), or null for the file itself; stale copies are never sent. */
export function precompressed(
  path: string,
  acceptEncoding: string | undefined,
): { path: string; encoding: 'br' | 'gzip'; size: number } | null;
