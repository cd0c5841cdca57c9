import http from 'node:http';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { CookieJar, send } from '../../src/demo/http-client.js';
import { freePort } from '../../src/demo/project.js';
import { REPLICA_HEADER, type RoundRobinProxy, startProxy } from './replicas.js';

// The multi-replica suites trust this proxy to be a plain load balancer: it
// must pass requests and answers through untouched, or a pass could be the
// proxy's doing. Checked against echo servers that report what they received.
describe('the round-robin test proxy', () => {
  const servers: http.Server[] = [];
  let proxy: RoundRobinProxy;

  beforeAll(async () => {
    const urls: string[] = [];
    for (let index = 0; index < 3; index++) {
      const server = http.createServer((req, res) => {
        let body = '';
        req.on('data', (chunk: Buffer) => (body += chunk.toString()));
        req.on('end', () => {
          res.setHeader('set-cookie', [`a=${index}; Path=/; HttpOnly`, 'b=2; Max-Age=0']);
          res.writeHead(index === 2 ? 401 : 200, { 'content-type': 'application/json', 'retry-after': '1' });
          res.end(JSON.stringify({ index, method: req.method, url: req.url, headers: req.rawHeaders, body }));
        });
      });
      const port = await freePort();
      await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
      servers.push(server);
      urls.push(`http://127.0.0.1:${port}`);
    }
    proxy = await startProxy(urls);
  });
  afterAll(async () => {
    await proxy?.close();
    for (const server of servers) {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('forwards method, path, query, headers and body; returns status, headers and every Set-Cookie', async () => {
    const body = 'x'.repeat(70_000);
    const response = await fetch(`${proxy.url}/auth/refresh?x=1&y=%2F`, {
      method: 'POST',
      headers: { origin: 'http://example.test', cookie: 'sk_session=v1.abc', 'content-type': 'text/plain' },
      body,
    });
    const seen = (await response.json()) as { index: number; method: string; url: string; headers: string[]; body: string };
    expect(seen.method).toBe('POST');
    expect(seen.url).toBe('/auth/refresh?x=1&y=%2F');
    expect(seen.body).toBe(body);
    const headers = Object.fromEntries(seen.headers.flatMap((value, i, all) => (i % 2 === 0 ? [[value.toLowerCase(), all[i + 1]]] : [])));
    expect(headers).toMatchObject({ origin: 'http://example.test', cookie: 'sk_session=v1.abc', host: new URL(proxy.url).host });
    expect(response.headers.getSetCookie()).toEqual([`a=${seen.index}; Path=/; HttpOnly`, 'b=2; Max-Age=0']);
    expect(response.headers.get('retry-after')).toBe('1');
    expect(response.headers.get(REPLICA_HEADER)).toBe(String(seen.index));
  });

  it('spreads requests round robin, skips a replica marked down, and answers 502 when none is up', async () => {
    const jar = new CookieJar();
    const order = [];
    for (let i = 0; i < 6; i++) order.push((await send(jar, 'GET', `${proxy.url}/`)).headers.get(REPLICA_HEADER));
    expect([...order].sort()).toEqual(['0', '0', '1', '1', '2', '2']);
    expect(new Set(order.slice(0, 3)).size).toBe(3);
    const statuses = new Set<number>();
    proxy.down.add(1);
    for (let i = 0; i < 4; i++) {
      const result = await send(jar, 'GET', `${proxy.url}/`);
      expect(result.headers.get(REPLICA_HEADER)).not.toBe('1');
      statuses.add(result.status);
    }
    expect(statuses).toEqual(new Set([200, 401]));
    proxy.down.add(0).add(2);
    expect((await send(jar, 'GET', `${proxy.url}/`)).status).toBe(502);
    proxy.down.clear();
  });
});
