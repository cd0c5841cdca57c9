import { diff3Merge } from 'node-diff3';

export const MARKERS = { yours: '<<<<<<< yours', separator: '=======', generated: '>>>>>>> generated' } as const;

export interface MergeOutcome {
  /** The merge, conflicting regions written with markers. */
  text: string;
  /** The merge with each conflicting region resolved to your lines (`--on-conflict keep`). */
  yours: string;
  /** Conflicting regions. */
  conflicts: number;
}

/**
 * Three-way merge by lines (LF text): what changed between `base` (what we
 * generated last time) and `yours` (the file now) is combined with what
 * changed between `base` and `generated` (the new output). Regions both sides
 * changed differently are conflicts.
 */
export function threeWayMerge(base: string, yours: string, generated: string): MergeOutcome {
  const regions = diff3Merge(yours.split('\n'), base.split('\n'), generated.split('\n'), { excludeFalseConflicts: true });
  const marked: string[] = [];
  const kept: string[] = [];
  let conflicts = 0;
  for (const region of regions) {
    if (region.ok) {
      marked.push(...region.ok);
      kept.push(...region.ok);
    } else if (region.conflict) {
      conflicts++;
      marked.push(MARKERS.yours, ...region.conflict.a, MARKERS.separator, ...region.conflict.b, MARKERS.generated);
      kept.push(...region.conflict.a);
    }
  }
  return { text: marked.join('\n'), yours: kept.join('\n'), conflicts };
}

// Any marker line git or this tool writes: `<<<<<<< x`, `|||||||`, a lone `=======`, `>>>>>>> x`.
const MARKER_LINE = /^(?:<{7}|>{7}|\|{7})(?: .*)?\r?$|^={7}\r?$/m;

/** Whether a file still holds conflict markers (any one marker line, even a lone `=======`). */
export function hasConflictMarkers(text: string): boolean {
  return MARKER_LINE.test(text);
}
