import type { EmulatorContext } from './context.js';
import { createControls } from './controls.js';
import { createHttpHandler } from './http-app.js';
import { DualProtocolServer, LOOPBACK } from './server.js';
import { createGrpcHandler } from './sessions-grpc.js';
import { EmulatorState } from './state.js';
import { KeyRing } from './tokens.js';
import type { Emulator, EmulatorOptions } from './types.js';

function checkOptions(options: EmulatorOptions): void {
  const { port } = options;
  if (port !== undefined && (!Number.isInteger(port) || port < 0 || port > 65_535)) {
    throw new RangeError(`emulator port must be an integer from 0 to 65535, got ${port}`);
  }
  const ttls = {
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
    idTokenTtlSeconds: options.idTokenTtlSeconds,
    sessionIdleTtlSeconds: options.sessionIdleTtlSeconds,
    sessionAbsoluteTtlSeconds: options.sessionAbsoluteTtlSeconds,
  };
  for (const [name, value] of Object.entries(ttls)) {
    if (value !== undefined && (!Number.isInteger(value) || value <= 0)) {
      throw new RangeError(`emulator option ${name} must be a positive whole number of seconds, got ${value}`);
    }
  }
}

/**
 * Starts a local Scalekit stand-in on 127.0.0.1: OIDC discovery, `/keys`, `/oauth/authorize`
 * (signs the configured user in without a page), `/oauth/token`, `/oidc/logout`, and the gRPC
 * SessionService, all on one port. Point `ScalekitClient` at `url` with `clientId`/`clientSecret`.
 *
 * @example
 * const emulator = await startEmulator({ user: { email: 'dev@example.com' } });
 * const scalekit = new ScalekitClient(emulator.url, emulator.clientId, emulator.clientSecret);
 * // ... run the app against it; in tests:
 * emulator.controls.setOutage('token', '5xx');
 * await emulator.close();
 */
export async function startEmulator(options: EmulatorOptions = {}): Promise<Emulator> {
  checkOptions(options);
  const state = new EmulatorState(options);
  const keys = await KeyRing.create();
  const logger = options.logger;
  // The issuer contains the port, so it is filled in once the listener is bound.
  const ctx: EmulatorContext = { state, keys, issuer: '', log: (line) => logger?.(line) };
  const server = new DualProtocolServer({ http: createHttpHandler(ctx), grpc: createGrpcHandler(ctx) });
  const port = await server.listen(options.port ?? 0);
  ctx.issuer = `http://${LOOPBACK}:${port}`;
  ctx.log(`Scalekit emulator listening on ${ctx.issuer}`);

  let closing: Promise<void> | undefined;
  return {
    url: ctx.issuer,
    port,
    clientId: state.clientId,
    clientSecret: state.clientSecret,
    controls: createControls(ctx, server),
    close: () => (closing ??= server.close()),
  };
}
