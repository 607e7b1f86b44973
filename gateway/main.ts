/**
 * The gateway's entry in this repository (`npm run gateway -- …`, and the tests,
 * through tsx). The package's command `npx veil-nsfw gateway …` runs the same
 * runGateway (run.ts).
 */
import { runGateway } from './run.js';

void runGateway(process.argv.slice(2));
