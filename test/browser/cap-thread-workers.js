// Lets this worker start `?allow=` thread workers of its own (1 unless told) and
// refuses the next, as a browser does that caps how many workers a worker may start.
const allowed = Number(new URL(self.location.href).searchParams.get('allow') ?? 1);
const Native = globalThis.Worker;
let started = 0;
globalThis.Worker = class extends Native {
  constructor(url, options) {
    if (String(options?.name).startsWith('em-pthread') && ++started > allowed) throw new DOMException('This worker may start no more workers.', 'QuotaExceededError');
    super(url, options);
  }
};
