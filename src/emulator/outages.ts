import type { IncomingMessage, ServerResponse } from 'node:http';

import { sendJson } from './http-util.js';
import type { Outage } from './state.js';

export const OUTAGE_BODY = {
  error: 'temporarily_unavailable',
  error_description: 'The Scalekit emulator is simulating an outage of this endpoint.',
} as const;

/** Plays an outage on an HTTP/1.1 request instead of answering it. */
export function applyHttpOutage(outage: Outage, req: IncomingMessage, res: ServerResponse): void {
  switch (outage.mode) {
    case 'refuse':
      // A TCP RST, so the client reads ECONNRESET rather than a clean end of stream.
      req.socket.resetAndDestroy();
      return;
    case 'hang':
      // Leave it unanswered. The socket stays tracked by the server, and close() drops it.
      return;
    case '5xx':
      sendJson(res, outage.status ?? 503, OUTAGE_BODY, { 'cache-control': 'no-store' });
      return;
  }
}
