/**
 * Runs the NudeNet reference (test/reference/nudenet_reference.py) with a Python
 * that has OpenCV: Debian's python3-opencv, installed by `npm test` when missing.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const REFERENCE_SCRIPT = fileURLToPath(new URL('../reference/nudenet_reference.py', import.meta.url));

/** A python3 that can `import cv2`: $VEIL_PYTHON, Debian's /usr/bin/python3, or python3 on PATH. */
export function pythonWithOpenCv(): string {
  const candidates = [process.env.VEIL_PYTHON, '/usr/bin/python3', 'python3'].filter(Boolean) as string[];
  for (const python of candidates) {
    if (python.startsWith('/') && !existsSync(python)) continue;
    try {
      execFileSync(python, ['-c', 'import cv2, numpy'], { stdio: 'ignore' });
      return python;
    } catch {
      // try the next one
    }
  }
  throw new Error(
    'No Python with OpenCV found: install Debian\'s python3-opencv (apt-get install -y python3-opencv) or set VEIL_PYTHON.',
  );
}

export function runReference(...args: string[]): string {
  return execFileSync(pythonWithOpenCv(), [REFERENCE_SCRIPT, ...args], { encoding: 'utf8' });
}
