import { Duplex } from 'node:stream';
import type { Socket } from 'node:net';

/**
 * A JS stream over a socket that first replays bytes already read from it.
 *
 * Sniffing the protocol consumes the first chunk. The HTTP/2 server reads straight from a
 * socket's native handle, so `unshift` cannot give those bytes back; handing it this stream
 * instead makes Node wrap it as a JS socket, and the client preface arrives intact.
 */
export class ReplayDuplex extends Duplex {
  constructor(
    readonly raw: Socket,
    head: Buffer,
  ) {
    super();
    this.push(head);
    raw.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) raw.pause();
    });
    raw.on('end', () => this.push(null));
    raw.on('error', (error) => this.destroy(error));
    raw.on('close', () => this.destroy());
  }

  // The HTTP/2 session reads these for logging and `session.socket` accessors.
  get remoteAddress(): string | undefined {
    return this.raw.remoteAddress;
  }

  get remotePort(): number | undefined {
    return this.raw.remotePort;
  }

  override _read(): void {
    this.raw.resume();
  }

  override _write(chunk: Buffer, encoding: BufferEncoding, callback: (error?: Error | null) => void): void {
    this.raw.write(chunk, encoding, callback);
  }

  override _final(callback: (error?: Error | null) => void): void {
    this.raw.end(() => callback());
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.raw.destroy();
    callback(error);
  }
}
