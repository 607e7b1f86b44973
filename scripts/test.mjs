// @ts-check
/**
 * `npm test`: every check, ordered to keep the machines' two cores busy.
 *
 * 1. the system packages (scripts/ensure-system-deps.mjs);
 * 2. at once: the type checks (one core, tsc), and the fixtures, the build and the
 *    extension's build one after another (they wait on the network and the disk);
 * 3. vitest: the unit and integration tests (two files at a time);
 * 4. Playwright: the library's browser tests, the consumer and component apps, and
 *    the browser extension, in Chromium, two workers (playwright.config.ts);
 * 5. the browser matrix: the built library in Firefox ESR and WebKitGTK.
 *
 * Stops at the first step that fails, stopping the steps beside it, and exits
 * with its status. Each step is the command `npm run` would run; their output
 * goes to this terminal as it comes.
 */
import { spawn } from 'node:child_process';

/** @type {Set<import('node:child_process').ChildProcess>} */
const running = new Set();

/** @param {string} command @param {string[]} args @returns {Promise<void>} */
function run(command, args) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: 'inherit' });
    running.add(child);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      running.delete(child);
      if (code === 0) resolve();
      else reject(Object.assign(new Error(`\`${[command, ...args].join(' ')}\` failed (${signal ?? `exit ${code}`})`), { code: code ?? 1 }));
    });
  });
}

/** @param {...[string, string[]]} steps */
const inOrder = async (...steps) => {
  for (const [command, args] of steps) await run(command, args);
};

try {
  await run('node', ['scripts/ensure-system-deps.mjs']);
  await Promise.all([
    run('npm', ['run', '--silent', 'typecheck']),
    inOrder(['node', ['test/fixtures/prepare.mjs']], ['npm', ['run', 'build']], ['node', ['extension/build.mjs']]),
  ]);
  await run('npx', ['vitest', 'run']);
  await run('npx', ['playwright', 'test']);
  await run('npx', ['vitest', 'run', '--config', 'test/engines/vitest.config.ts']);
} catch (error) {
  for (const child of running) child.kill('SIGTERM');
  console.error(`\nnpm test: ${/** @type {Error} */ (error).message}`);
  process.exit(/** @type {{ code?: number }} */ (error).code || 1);
}
