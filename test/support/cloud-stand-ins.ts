/**
 * Loopback stand-ins for the three cloud moderation services, each speaking
 * its vendor's documented wire format: it checks the request as the vendor
 * documents it (method, path, headers, signature or token, body) and refuses
 * one that is wrong the way the vendor does, then answers what the test
 * scripted: a JSON reply, a body that is not JSON, or nothing at all (a stall).
 * The signatures are recomputed here from what arrived and the secret the
 * stand-in was given, so a request signed with another secret, or changed
 * after signing, is refused.
 */
import { createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { aliyunV3 } from '../../gateway/aliyun.js';
import { BAIDU_CENSOR_PATH, BAIDU_TOKEN_PATH } from '../../gateway/baidu.js';
import { tc3 } from '../../gateway/cloud.js';

export type Reply = { status?: number; json: unknown } | 'garbage' | 'stall';

export interface StandIn {
  url: string;
  /** Each request that reached the moderation call, as received. */
  calls: { headers: IncomingMessage['headers']; query: URLSearchParams; body: string }[];
  /** Answers for the next moderation calls, in order; when empty, `reply` answers. */
  queue: Reply[];
  reply: Reply;
  close(): Promise<void>;
}

const sha256 = (text: string) => createHash('sha256').update(text).digest('hex');

async function serve(handle: (req: IncomingMessage, url: URL, body: string, res: ServerResponse) => Reply | null, calls: StandIn['calls'], state: Pick<StandIn, 'queue' | 'reply'>): Promise<StandIn> {
  const held = new Set<ServerResponse>();
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://stand-in');
      const body = Buffer.concat(chunks).toString();
      const refusal = handle(req, url, body, res);
      if (res.writableEnded) return;
      let reply = refusal;
      if (!reply) {
        calls.push({ headers: req.headers, query: url.searchParams, body });
        reply = state.queue.shift() ?? state.reply;
      }
      if (reply === 'stall') {
        held.add(res);
        return;
      }
      if (reply === 'garbage') {
        res.writeHead(502, { 'content-type': 'text/html' }).end('<html>Bad Gateway</html>');
        return;
      }
      res.writeHead(reply.status ?? 200, { 'content-type': 'application/json;charset=utf-8' }).end(JSON.stringify(reply.json));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const stand: StandIn = {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    calls,
    get queue() {
      return state.queue;
    },
    set queue(value) {
      state.queue = value;
    },
    get reply() {
      return state.reply;
    },
    set reply(value) {
      state.reply = value;
    },
    close: () =>
      new Promise((resolve) => {
        for (const res of held) res.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return stand;
}

/** Tencent Cloud API 3.0: POST / with JSON, TC3-HMAC-SHA256 over content-type and host. */
export function tencentStandIn(secret: { id: string; key: string }): Promise<StandIn> {
  const error = (code: string, message: string): Reply => ({ json: { Response: { Error: { Code: code, Message: message }, RequestId: 'stand-in' } } });
  return serve(
    (req, url, body) => {
      if (req.method !== 'POST' || url.pathname !== '/') return error('InvalidAction', 'POST / only');
      if (req.headers['content-type'] !== 'application/json; charset=utf-8') return error('InvalidParameter', 'content-type');
      for (const name of ['x-tc-action', 'x-tc-version', 'x-tc-region', 'x-tc-timestamp']) {
        if (!req.headers[name]) return error('MissingParameter', name);
      }
      const timestamp = Number(req.headers['x-tc-timestamp']);
      if (Math.abs(timestamp - Date.now() / 1000) > 300) return error('AuthFailure.SignatureExpire', 'timestamp');
      const expected = tc3({
        secretId: secret.id,
        secretKey: secret.key,
        service: 'ims',
        host: String(req.headers.host),
        action: String(req.headers['x-tc-action']),
        version: String(req.headers['x-tc-version']),
        region: String(req.headers['x-tc-region']),
        payload: body,
        timestamp,
      }).headers.authorization;
      if (req.headers.authorization !== expected) return error('AuthFailure.SignatureFailure', 'The provided credentials could not be validated.');
      return null;
    },
    [],
    { queue: [], reply: { json: { Response: { Suggestion: 'Pass', Label: 'Normal', Score: 0, RequestId: 'r' } } } },
  );
}

/** Alibaba Cloud RPC API with the V3 signature: POST / with its parameters in the query. */
export function aliyunStandIn(secret: { id: string; key: string }): Promise<StandIn> {
  const error = (status: number, code: string, message: string): Reply => ({ status, json: { RequestId: 'stand-in', Code: code, Message: message } });
  return serve(
    (req, url, body) => {
      if (req.method !== 'POST' || url.pathname !== '/') return error(404, 'InvalidAction.NotFound', 'POST / only');
      const names = ['x-acs-action', 'x-acs-version', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256'];
      for (const name of names) if (!req.headers[name]) return error(400, 'MissingParameter', name);
      if (req.headers['x-acs-content-sha256'] !== sha256(body)) return error(400, 'IncompleteSignature', 'x-acs-content-sha256');
      if (!/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/.test(String(req.headers['x-acs-date']))) return error(400, 'InvalidParameter', 'x-acs-date');
      const query = Object.fromEntries(url.searchParams);
      const { headers } = aliyunV3({
        accessKeyId: secret.id,
        accessKeySecret: secret.key,
        method: 'POST',
        host: String(req.headers.host),
        action: String(req.headers['x-acs-action']),
        version: String(req.headers['x-acs-version']),
        query,
        body,
        date: String(req.headers['x-acs-date']),
        nonce: String(req.headers['x-acs-signature-nonce']),
      });
      if (req.headers.authorization !== headers.authorization) return error(400, 'SignatureDoesNotMatch', 'Specified signature is not matched with our calculation.');
      return null;
    },
    [],
    { queue: [], reply: { json: { Code: 200, Msg: 'OK', RequestId: 'r', Data: { RiskLevel: 'none', Result: [{ Label: 'nonLabel' }] } } } },
  );
}

export interface BaiduStandIn extends StandIn {
  /** Tokens issued so far. */
  issued: string[];
  /** Makes every token issued so far invalid, as an expiry would. */
  expireTokens(): void;
}

/** Baidu AI Cloud: an OAuth token for the API key and secret key, then a form POST with the token in the query. */
export async function baiduStandIn(secret: { apiKey: string; secretKey: string }, expiresIn = 2_592_000): Promise<BaiduStandIn> {
  const issued: string[] = [];
  const valid = new Set<string>();
  const stand = await serve(
    (req, url, body, res) => {
      if (req.method === 'POST' && url.pathname === BAIDU_TOKEN_PATH) {
        const q = url.searchParams;
        if (q.get('grant_type') !== 'client_credentials') {
          res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'unsupported_grant_type', error_description: 'grant type' }));
        } else if (q.get('client_id') !== secret.apiKey || q.get('client_secret') !== secret.secretKey) {
          res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client', error_description: 'unknown client id' }));
        } else {
          const token = `24.${issued.length}.${Date.now()}`;
          issued.push(token);
          valid.add(token);
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ access_token: token, expires_in: expiresIn, scope: 'brain_all_scope' }));
        }
        return null;
      }
      const fail = (code: number, msg: string): Reply => ({ json: { log_id: 1, error_code: code, error_msg: msg } });
      if (req.method !== 'POST' || url.pathname !== BAIDU_CENSOR_PATH) return fail(3, 'Unsupported openapi method');
      if (!valid.has(url.searchParams.get('access_token') ?? '')) return fail(110, 'Access token invalid or no longer valid');
      if (!String(req.headers['content-type']).startsWith('application/x-www-form-urlencoded')) return fail(216100, 'invalid param');
      const form = new URLSearchParams(body);
      if (Number(form.has('image')) + Number(form.has('imgUrl')) !== 1) return fail(216100, 'invalid param');
      return null;
    },
    [],
    { queue: [], reply: { json: { log_id: 1, conclusion: '合规', conclusionType: 1 } } },
  );
  return Object.assign(stand, { issued, expireTokens: () => valid.clear() });
}
