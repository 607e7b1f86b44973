/**
 * The deployment files docs/gateway.md prints, checked by the tools that read
 * them: its nginx block with `nginx -t` (Debian's nginx, a certificate made
 * here in place of /etc/ssl/veil/), and its systemd unit with
 * `systemd-analyze verify`. Each must pass with
 * nothing said: both tools only warn about a mistyped directive.
 */
import { execFile, execFileSync } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/fixture-data.js';
import { NGINX } from '../support/nginx.js';

const doc = readFileSync(join(ROOT, 'docs/gateway.md'), 'utf8');
const block = (lang: string) => {
  const found = [...doc.matchAll(new RegExp('```' + lang + '\\n([\\s\\S]*?)```', 'g'))].map((m) => m[1]!);
  expect(found, `docs/gateway.md has one \`\`\`${lang} block`).toHaveLength(1);
  return found[0]!;
};
const dir = mkdtempSync(join(tmpdir(), 'veil-deploy-docs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs a command; resolves with its exit code and everything it said. */
const said = (file: string, args: string[]) =>
  new Promise<{ code: number; output: string }>((resolve) =>
    execFile(file, args, (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, output: `${stdout}${stderr}`.trim() })),
  );

describe('docs/gateway.md', () => {
  it('its nginx config passes nginx -t', async () => {
    const ssl = join(dir, 'ssl');
    mkdirSync(ssl);
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '1', '-subj', '/CN=gateway.example', '-keyout', join(ssl, 'privkey.pem'), '-out', join(ssl, 'fullchain.pem')], { stdio: 'ignore' });
    const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
    const conf = join(dir, 'nginx.conf');
    // The documented block as it is, inside the http {} a server's nginx.conf has, with this test's paths for what nginx writes.
    writeFileSync(
      conf,
      `pid ${join(dir, 'nginx.pid')};\nerror_log ${join(dir, 'error.log')} warn;\nevents {}\nhttp {\n  access_log off;\n  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}\n${block('nginx').replaceAll('/etc/ssl/veil/', `${ssl}/`)}}\n`,
    );
    const result = await said(NGINX, ['-t', '-q', '-c', conf, '-e', join(dir, 'error.log')]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
    // And nginx -t does fail on a broken copy, so the check above means something.
    writeFileSync(conf, readFileSync(conf, 'utf8').replace('proxy_next_upstream_tries 3;', 'proxy_next_upstream_tries three;'));
    expect((await said(NGINX, ['-t', '-q', '-c', conf, '-e', join(dir, 'error.log')])).code).not.toBe(0);
  });

  // systemd-analyze comes from Debian's systemd package, which scripts/ensure-system-deps.mjs installs.
  it('its systemd unit passes systemd-analyze verify', async () => {
    // The documented layout under a temporary root: verify checks that ExecStart's program exists and is executable.
    const root = join(dir, 'root');
    const bin = join(root, 'srv/veil-gateway/node_modules/.bin');
    mkdirSync(bin, { recursive: true });
    writeFileSync(join(bin, 'veil-nsfw'), '#!/bin/sh\n');
    chmodSync(join(bin, 'veil-nsfw'), 0o755);
    const unit = join(dir, 'veil-gateway.service');
    writeFileSync(unit, block('ini').replaceAll('/srv/veil-gateway', join(root, 'srv/veil-gateway')));
    const result = await said('/usr/bin/systemd-analyze', ['verify', '--man=no', unit]);
    expect(result.output).toBe('');
    expect(result.code).toBe(0);
    writeFileSync(unit, readFileSync(unit, 'utf8').replace('TimeoutStopSec=30', 'TimeoutStopSecs=30'));
    expect((await said('/usr/bin/systemd-analyze', ['verify', '--man=no', unit])).output).toContain("Unknown key 'TimeoutStopSecs'");
  });
});
