/** Public API of the local Scalekit emulator. */
export type {
  CounterName,
  CreateSessionOptions,
  Emulator,
  EmulatorControls,
  EmulatorCounts,
  EmulatorLogger,
  EmulatorOptions,
  EmulatorUser,
  IssuedSession,
  LogoutCall,
  MintOptions,
  OutageEndpoint,
  OutageMode,
  OutageOptions,
  SessionSnapshot,
  SessionStatus,
  SessionsMethod,
} from './types.js';
export { startEmulator } from './start.js';
export { runEmulatorCommand } from './command.js';
export type { EmulatorCommandOptions } from './command.js';
