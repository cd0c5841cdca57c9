import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface Certificate {
  key: string;
  cert: string;
}

/**
 * A throwaway self-signed certificate for localhost and 127.0.0.1, made with
 * the `openssl` CLI (Node has no API that creates X.509 certificates).
 */
export async function selfSignedCertificate(): Promise<Certificate> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'sss-tls-'));
  try {
    const keyFile = path.join(dir, 'key.pem');
    const certFile = path.join(dir, 'cert.pem');
    await run('openssl', [
      'req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-sha256', '-days', '1',
      '-subj', '/CN=localhost',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', keyFile, '-out', certFile,
    ]);
    return { key: await readFile(keyFile, 'utf8'), cert: await readFile(certFile, 'utf8') };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface TlsServer {
  /** `https://<host>:<port>` */
  url: string;
  close(): Promise<void>;
}

/** Answers `path` itself with a page or script; anything else goes to `onOther`. */
export type Pages = Record<string, { type: string; body: string; headers?: Record<string, string> }>;

/**
 * An HTTPS server on loopback: serves `pages` itself and, when `target()`
 * names a port, forwards everything else there over plain HTTP, the way a
 * TLS-terminating proxy sits in front of an app in production.
 */
export async function startTlsServer(
  certificate: Certificate,
  host: 'localhost' | '127.0.0.1',
  pages: Pages,
  target?: () => number | undefined,
): Promise<TlsServer> {
  const server = https.createServer(certificate, (req, res) => {
    const page = pages[new URL(req.url ?? '/', 'https://x').pathname];
    const port = target?.();
    if (page || port === undefined) {
      res.writeHead(page ? 200 : 404, { 'content-type': page?.type ?? 'text/plain', ...page?.headers });
      res.end(page?.body ?? 'not found');
      return;
    }
    const upstream = http.request(
      { host: '127.0.0.1', port, method: req.method, path: req.url, headers: { ...req.headers, 'x-forwarded-proto': 'https' } },
      (response) => {
        res.writeHead(response.statusCode ?? 502, response.headers);
        response.pipe(res);
      },
    );
    upstream.on('error', () => {
      res.writeHead(502);
      res.end();
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `https://${host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
