// Every event each image fires, for the test to count.
window.veilEvents = [];
for (const type of ['veil-result', 'veil-blocked', 'veil-error']) {
  document.addEventListener(type, (e) => {
    window.veilEvents.push({ type, id: e.target.id, decision: e.detail.result?.decision ?? null, error: e.detail.error ? String(e.detail.error.message) : null });
  });
}
