/**
 * Debian's nginx as the load balancer in front of gateway instances, started by
 * the test itself: a free loopback port, its config, logs, pid and temp files
 * in a temp dir, killed when the test is done. The config is docs/gateway.md's
 * example: round robin, keep-alive to the instances, the client's address in
 * X-Forwarded-For, a request id, and a POST retried on another instance when
 * the first could not be reached, dropped the connection, or answered 503 (it
 * is starting, stopping or busy): screening an image twice gives the same
 * answer (see docs/gateway.md).
 */
import type { ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, spawnTracked, startFailure, stopProcess, waitForPort } from './redis.js';

export const NGINX = process.env.VEIL_NGINX ?? (existsSync('/usr/sbin/nginx') ? '/usr/sbin/nginx' : 'nginx');

export interface Nginx {
  url: string;
  /** nginx's error log so far: what it said about instances that failed. */
  errors(): string;
  close(): Promise<void>;
}

export function nginxConfig(dir: string, port: number, upstreams: number[]): string {
  const temp = (name: string) => `${name}_temp_path ${join(dir, name)};`;
  return `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${join(dir, 'nginx.pid')};
error_log ${join(dir, 'error.log')} warn;
events { worker_connections 1024; }
http {
  access_log off;
  ${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map(temp).join('\n  ')}
  client_max_body_size 16m;
  client_body_buffer_size 16m;
  upstream veil_gateway {
    ${upstreams.map((p) => `server 127.0.0.1:${p} max_fails=1 fail_timeout=1s;`).join('\n    ')}
    keepalive 32;
  }
  server {
    listen 127.0.0.1:${port};
    location /api/image-nsfw {
      proxy_pass http://veil_gateway;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Request-Id $request_id;
      proxy_next_upstream error timeout http_503 non_idempotent;
      proxy_next_upstream_tries 3;
      proxy_read_timeout 75s;
      error_page 502 503 504 = @unavailable;
    }
    location @unavailable {
      default_type application/json;
      return 503 '{"code":5021,"desc":"No gateway instance could answer: retry after 1 s."}';
    }
  }
}
`;
}

/** Starts nginx balancing over the gateway instances on `upstreams` (loopback ports). */
export async function startNginx(upstreams: number[]): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'veil-nginx-'));
  for (const name of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, name));
  const port = await freePort();
  const config = join(dir, 'nginx.conf');
  writeFileSync(config, nginxConfig(dir, port, upstreams));
  const child: ChildProcess = spawnTracked(NGINX, ['-p', dir, '-c', config, '-e', join(dir, 'error.log'), '-g', 'daemon off;']);
  let output = '';
  child.stderr!.on('data', (c: Buffer) => (output += c));
  await Promise.race([waitForPort(port), startFailure(child, 'nginx', "Debian's nginx")]).catch((error: Error) => {
    throw new Error(`${error.message}\n${output}`);
  });
  return {
    url: `http://127.0.0.1:${port}`,
    errors: () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''),
    async close() {
      await stopProcess(child, 'SIGTERM'); // nginx's fast shutdown, its workers with it
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
