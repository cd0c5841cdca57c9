import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpServer, IncomingMessage, ServerResponse } from 'node:http';
import { createServer as createHttp2Server } from 'node:http2';
import type { Http2Server, Http2ServerRequest, Http2ServerResponse, ServerHttp2Session } from 'node:http2';
import { createServer as createNetServer } from 'node:net';
import type { Server, Socket } from 'node:net';

import { ReplayDuplex } from './replay-duplex.js';

/** Every HTTP/2 connection with prior knowledge (h2c) starts with this (RFC 9113 §3.4). */
const H2_PREFACE_START = Buffer.from('PRI * HTTP/2.0');

export const LOOPBACK = '127.0.0.1';

export interface ServerHandlers {
  http: (req: IncomingMessage, res: ServerResponse) => void;
  grpc: (req: Http2ServerRequest, res: Http2ServerResponse) => void;
}

/**
 * One loopback port for both protocols: a plain TCP listener reads the first bytes of each
 * connection and hands it to the HTTP/1.1 server (OAuth endpoints) or the HTTP/2 server (gRPC).
 * Neither inner server listens itself; they only receive connections.
 */
export class DualProtocolServer {
  private readonly listener: Server;
  private readonly http1: HttpServer;
  private readonly http2: Http2Server;
  private readonly sockets = new Set<Socket>();
  private readonly h2Sessions = new Set<ServerHttp2Session>();
  private boundPort = 0;
  private listening = false;
  private closed = false;

  constructor(handlers: ServerHandlers) {
    this.http1 = createHttpServer(handlers.http);
    this.http2 = createHttp2Server(handlers.grpc);
    this.http2.on('session', (session: ServerHttp2Session) => {
      this.h2Sessions.add(session);
      session.once('close', () => this.h2Sessions.delete(session));
      // A peer resetting the connection is routine here (clients, outage modes); not a crash.
      session.on('error', () => undefined);
    });
    this.listener = createNetServer((socket) => this.route(socket));
  }

  get port(): number {
    return this.boundPort;
  }

  /** Binds to 127.0.0.1; port 0 picks a free port, which later restarts reuse. */
  async listen(port: number): Promise<number> {
    await new Promise<void>((resolve, reject) => {
      const onError = (error: Error): void => reject(error);
      this.listener.once('error', onError);
      this.listener.listen({ port, host: LOOPBACK }, () => {
        this.listener.off('error', onError);
        resolve();
      });
    });
    const address = this.listener.address();
    if (address === null || typeof address === 'string') throw new Error('emulator listener has no TCP address');
    this.boundPort = address.port;
    this.listening = true;
    return this.boundPort;
  }

  /** Stops accepting and drops every open connection, so clients get ECONNREFUSED. */
  async stopListening(): Promise<void> {
    if (!this.listening) return;
    this.listening = false;
    const closed = new Promise<void>((resolve) => this.listener.close(() => resolve()));
    this.dropConnections();
    await closed;
    // Give clients in this process a few event-loop turns to notice their pooled keep-alive
    // sockets closed; otherwise their next request reuses one and reads "socket hang up"
    // instead of dialling anew and meeting ECONNREFUSED.
    await new Promise<void>((resolve) => setTimeout(resolve, 20));
  }

  async startListening(): Promise<void> {
    if (this.closed) throw new Error('the emulator was closed; start a new one with startEmulator()');
    if (this.listening) return;
    await this.listen(this.boundPort);
  }

  async close(): Promise<void> {
    this.closed = true;
    await this.stopListening();
    this.dropConnections();
  }

  private dropConnections(): void {
    for (const session of this.h2Sessions) session.destroy();
    for (const socket of this.sockets) socket.destroy();
  }

  private route(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);

    let head = Buffer.alloc(0);
    const onData = (chunk: Buffer): void => {
      head = Buffer.concat([head, chunk]);
      // Too short to tell yet: wait for more only while it still looks like the preface.
      if (head.length < H2_PREFACE_START.length && H2_PREFACE_START.subarray(0, head.length).equals(head)) return;
      socket.off('data', onData);
      socket.pause();
      if (head.subarray(0, H2_PREFACE_START.length).equals(H2_PREFACE_START)) {
        this.http2.emit('connection', new ReplayDuplex(socket, head));
      } else {
        // The HTTP/1.1 parser reads JS-level data first, so unshift gives the bytes back.
        socket.unshift(head);
        this.http1.emit('connection', socket);
        socket.resume();
      }
    };
    socket.on('data', onData);
  }
}
