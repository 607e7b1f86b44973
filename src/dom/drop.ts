/**
 * Files arriving at an element other than through its file input: pasted, or
 * dropped from the desktop. The element shows `data-veil-drag` while files are
 * dragged over it, so a page can style the drop zone.
 */
import type { Listeners } from './shared.js';

const filesOf = (list: FileList | null | undefined) => [...(list ?? [])];

/** Calls `onFiles` with pasted files, and with dropped ones unless the element is a file input (it takes drops itself). */
export function acceptFiles(target: Element, listeners: Listeners, onFiles: (files: File[]) => void, drops: boolean): void {
  listeners.on<ClipboardEvent>(target, 'paste', (event) => {
    const files = filesOf(event.clipboardData?.files);
    if (!files.length) return;
    event.preventDefault();
    onFiles(files);
  });
  if (!drops) return;
  listeners.on<DragEvent>(target, 'dragover', (event) => {
    if (!event.dataTransfer?.types.includes('Files')) return;
    event.preventDefault(); // without this the browser opens the file instead
    event.dataTransfer.dropEffect = 'copy';
    target.setAttribute('data-veil-drag', '');
  });
  listeners.on<DragEvent>(target, 'dragleave', (event) => {
    if (!target.contains(event.relatedTarget as Node | null)) target.removeAttribute('data-veil-drag');
  });
  listeners.on<DragEvent>(target, 'drop', (event) => {
    target.removeAttribute('data-veil-drag');
    const files = filesOf(event.dataTransfer?.files);
    if (!files.length) return;
    event.preventDefault();
    onFiles(files);
  });
  listeners.add(() => target.removeAttribute('data-veil-drag'));
}
