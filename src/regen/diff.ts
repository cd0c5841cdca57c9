import { createTwoFilesPatch } from 'diff';

/** A unified diff of one file (`a/` → `b/`), or '' when nothing changes. */
export function unifiedDiff(file: string, before: string, after: string): string {
  if (before === after) return '';
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, undefined, undefined, { context: 3 }).replace(/^=+\n/, '');
}
