import { diff3Merge } from 'node-diff3';

export const MARKERS = { yours: '<<<<<<< yours', separator: '=======', generated: '>>>>>>> generated' } as const;

export interface MergeOutcome {
  text: string;
  /** Conflicting regions written with markers. */
  conflicts: number;
}

/**
 * Three-way merge by lines: what changed between `base` (what we generated
 * last time) and `yours` (the file now) is combined with what changed between
 * `base` and `generated` (the new output). Regions both sides changed
 * differently are written with standard conflict markers.
 */
export function threeWayMerge(base: string, yours: string, generated: string): MergeOutcome {
  const regions = diff3Merge(yours.split('\n'), base.split('\n'), generated.split('\n'), { excludeFalseConflicts: true });
  const lines: string[] = [];
  let conflicts = 0;
  for (const region of regions) {
    if (region.ok) {
      lines.push(...region.ok);
    } else if (region.conflict) {
      conflicts++;
      lines.push(MARKERS.yours, ...region.conflict.a, MARKERS.separator, ...region.conflict.b, MARKERS.generated);
    }
  }
  return { text: lines.join('\n'), conflicts };
}

/** Whether a file still holds markers a merge left (a line that is exactly one). */
export function hasConflictMarkers(text: string): boolean {
  return text.split('\n').some((line) => line === MARKERS.yours || line === MARKERS.generated);
}
