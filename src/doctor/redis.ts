import net from 'node:net';
import tls from 'node:tls';

/**
 * Asks the Redis of the Redis session store whether the app will be able to
 * use it: can this machine connect (TLS for `rediss://`), are the URL's
 * credentials accepted, does it answer PING. Speaks just enough of the Redis
 * protocol for that, so `doctor` needs no Redis client of its own.
 */
export type RedisProbe =
  | { status: 'ok'; detail: string }
  | { status: 'malformed' | 'unreachable' | 'refused'; detail: string };

/** Why a Redis URL cannot work, or `undefined` when it can (the text never repeats a password). */
export function redisUrlProblem(value: string): string | undefined {
  if (!URL.canParse(value)) return 'is not a URL (expected redis://host:port, or rediss:// for TLS)';
  const url = new URL(value);
  if (url.protocol !== 'redis:' && url.protocol !== 'rediss:') return `uses ${url.protocol.slice(0, -1)}:, not redis: or rediss:`;
  if (url.hostname === '') return 'has no host';
  return undefined;
}

/** The URL with its password replaced, for messages. */
export function shownRedisUrl(value: string): string {
  const url = new URL(value);
  if (url.password !== '') url.password = '***';
  return url.href;
}

export async function probeRedis(value: string, timeoutMs: number): Promise<RedisProbe> {
  const problem = redisUrlProblem(value);
  if (problem) return { status: 'malformed', detail: problem };
  const url = new URL(value);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 6379);
  const commands: string[][] = [];
  if (url.password !== '') {
    const password = decodeURIComponent(url.password);
    commands.push(url.username === '' ? ['AUTH', password] : ['AUTH', decodeURIComponent(url.username), password]);
  }
  commands.push(['PING']);

  return new Promise<RedisProbe>((resolve) => {
    const socket: net.Socket =
      url.protocol === 'rediss:' ? tls.connect({ host, port, servername: net.isIP(host) ? undefined : host }) : net.connect({ host, port });
    let replies = '';
    const finish = (probe: RedisProbe) => {
      clearTimeout(timer);
      socket.destroy();
      resolve(probe);
    };
    const timer = setTimeout(
      () => finish({ status: 'unreachable', detail: `${shownRedisUrl(value)}: no answer within ${timeoutMs} ms (store.timeoutMs)` }),
      timeoutMs,
    );
    socket.once(url.protocol === 'rediss:' ? 'secureConnect' : 'connect', () => {
      socket.write(commands.map((args) => `*${args.length}\r\n${args.map((arg) => `$${Buffer.byteLength(arg)}\r\n${arg}\r\n`).join('')}`).join(''));
    });
    socket.on('data', (chunk: Buffer) => {
      replies += chunk.toString('utf8');
      const lines = replies.split('\r\n').filter((line) => line !== '');
      const error = lines.find((line) => line.startsWith('-'));
      if (error) {
        // The server's own words (NOAUTH, WRONGPASS, LOADING…), never our password.
        finish({ status: 'refused', detail: `${shownRedisUrl(value)} answered ${error.slice(1).split(' ')[0]}: ${error.slice(1)}` });
      } else if (lines.length >= commands.length) {
        finish({ status: 'ok', detail: `${shownRedisUrl(value)} answers PING` });
      }
    });
    socket.on('error', (error: NodeJS.ErrnoException) => {
      finish({ status: 'unreachable', detail: `${shownRedisUrl(value)}: ${error.code ?? error.message}` });
    });
  });
}
