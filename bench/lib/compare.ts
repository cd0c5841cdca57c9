import { Bench, type Fn } from 'tinybench';

import { median } from './stats.js';

export interface Contender {
  name: string;
  fn: Fn;
}

export interface CompareOptions {
  /** Independent tinybench runs; medians are taken across them. */
  rounds: number;
  /** Measured time per task per round, in ms. */
  timeMs: number;
  /** Warm-up time per task per round, in ms (JIT, key-set fetch, caches). */
  warmupMs: number;
}

export interface ContenderResult {
  name: string;
  /** Median across rounds of each round's mean throughput. */
  opsPerSecond: number;
  /** Median across rounds of each round's median latency, in µs. */
  medianLatencyUs: number;
  /** Median across rounds of (this ÷ baseline) throughput, measured in the same round. */
  ratio: number;
  /** Each round's ratio, to show how stable it was. */
  ratios: number[];
  samples: number;
}

export const DEFAULT_COMPARE: CompareOptions = { rounds: 3, timeMs: 700, warmupMs: 200 };

/**
 * Runs the baseline and the contenders side by side, `rounds` times, rotating
 * their order each round so that neither always runs first (turbo, GC debt and
 * neighbours on a shared machine drift over seconds). The ratio for each round
 * compares numbers taken seconds apart; the reported ratio is their median.
 *
 * Bounded: tinybench stops a task after `timeMs` once it has 8 samples, and
 * each round also has a hard time limit in case an operation turns out slow.
 */
export async function compare(baseline: Contender, contenders: Contender[], options = DEFAULT_COMPARE): Promise<ContenderResult[]> {
  const all = [baseline, ...contenders];
  const perRound = new Map<string, { ops: number[]; latencyUs: number[]; samples: number }>(
    all.map((c) => [c.name, { ops: [], latencyUs: [], samples: 0 }]),
  );
  const ratios = new Map<string, number[]>(all.map((c) => [c.name, []]));

  for (let round = 0; round < options.rounds; round++) {
    const hardLimitMs = all.length * (options.timeMs + options.warmupMs) * 4 + 5_000;
    const bench = new Bench({
      time: options.timeMs,
      warmupTime: options.warmupMs,
      iterations: 8,
      warmupIterations: 8,
      throws: true,
      signal: AbortSignal.timeout(hardLimitMs),
    });
    const order = all.map((_, i) => all[(i + round) % all.length] as Contender);
    for (const contender of order) bench.add(contender.name, contender.fn);
    await bench.run();

    const roundOps = new Map<string, number>();
    for (const task of bench.tasks) {
      const result = task.result;
      if (!result || result.error || !result.latency) throw new Error(`${task.name}: no result${result?.error ? ` (${result.error.message})` : ''}`);
      const entry = perRound.get(task.name);
      if (!entry) continue;
      const ops = 1000 / result.latency.mean;
      entry.ops.push(ops);
      entry.latencyUs.push((result.latency.p50 ?? result.latency.mean) * 1000);
      entry.samples += result.latency.samples.length;
      roundOps.set(task.name, ops);
    }
    const base = roundOps.get(baseline.name) ?? Number.NaN;
    for (const contender of all) ratios.get(contender.name)?.push((roundOps.get(contender.name) ?? Number.NaN) / base);
  }

  return all.map((contender) => {
    const entry = perRound.get(contender.name) ?? { ops: [], latencyUs: [], samples: 0 };
    const contenderRatios = ratios.get(contender.name) ?? [];
    return {
      name: contender.name,
      opsPerSecond: median(entry.ops),
      medianLatencyUs: median(entry.latencyUs),
      ratio: median(contenderRatios),
      ratios: contenderRatios,
      samples: entry.samples,
    };
  });
}
