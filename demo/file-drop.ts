/**
 * The demo's ways of handing a tab one file besides its picker: dropping it on
 * `zone` (highlighted while a file is over it) or pasting it while the tab is
 * the one shown.
 */
export function acceptDroppedFile(zone: HTMLElement, active: () => boolean, onFile: (file: File) => void): void {
  zone.addEventListener('dragover', (event) => {
    event.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('over');
    const file = event.dataTransfer?.files[0];
    if (file) onFile(file);
  });
  window.addEventListener('paste', (event) => {
    const file = event.clipboardData?.files[0];
    if (!file || !active()) return;
    event.preventDefault();
    onFile(file);
  });
}
