import type { EmulatorState } from './state.js';
import type { KeyRing } from './tokens.js';

/** What every request handler needs; one per emulator. */
export interface EmulatorContext {
  state: EmulatorState;
  keys: KeyRing;
  /** The emulator's base URL, also the `iss` of every token. */
  issuer: string;
  log: (line: string) => void;
}
