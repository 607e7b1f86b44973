// @ts-check
/** Gathers the groups into reliability/results/latest.json and prints the table. */
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const results = fileURLToPath(new URL('./results/', import.meta.url));
const dir = `${results}groups`;
if (!existsSync(dir)) {
  console.error('No reliability results: run `npm run reliability`.');
  process.exit(1);
}
/** @type {Record<string, {tried: number, passed: number, failures?: string[], details?: object}>} */
const groups = {};
for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
  groups[file.replace(/\.json$/, '')] = JSON.parse(readFileSync(`${dir}/${file}`, 'utf8'));
}
writeFileSync(`${results}latest.json`, JSON.stringify({ date: new Date().toISOString(), groups }, null, 2));

const rows = Object.entries(groups).map(([name, g]) => [name, String(g.tried), String(g.passed), g.passed === g.tried ? 'ok' : 'FAILED']);
const widths = [0, 1, 2, 3].map((i) => Math.max(...[['group', 'tried', 'passed', ''], ...rows].map((r) => r[i].length)));
const line = (/** @type {string[]} */ r) => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(line(['group', 'tried', 'passed', '']));
for (const row of rows) console.log(line(row));
for (const [name, g] of Object.entries(groups)) {
  if (g.details) console.log(`${name}: ${JSON.stringify(g.details)}`);
  for (const failure of g.failures ?? []) console.log(`  ${name}: ${failure}`);
}
console.log(`written to ${results}latest.json`);
process.exit(Object.values(groups).every((g) => g.passed === g.tried) ? 0 : 1);
