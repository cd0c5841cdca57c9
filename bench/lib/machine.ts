import os from 'node:os';

export interface Machine {
  node: string;
  platform: string;
  cpus: number;
  cpuModel: string;
  memory: string;
  date: string;
  /** 1-minute load average when the run started: how busy the shared machine already was. */
  loadAtStart: number;
}

export function describeMachine(): Machine {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: `${os.type()} ${os.release()} (${os.arch()})`,
    cpus: cpus.length,
    cpuModel: cpus[0]?.model.trim() || 'unknown',
    memory: `${Math.round(os.totalmem() / 1024 ** 3)} GiB`,
    date: new Date().toISOString().replace(/\.\d{3}Z$/, 'Z'),
    loadAtStart: os.loadavg()[0] ?? 0,
  };
}
