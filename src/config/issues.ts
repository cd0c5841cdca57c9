import type { z } from 'zod';

/** Turns one validation issue into `path: message (got …; allowed …)`. */
export function formatIssue(issue: z.core.$ZodIssue, input: unknown, knownKeys: (path: PropertyKey[]) => string[]): string[] {
  const at = (path: PropertyKey[]) => formatPath(path);
  switch (issue.code) {
    case 'unrecognized_keys':
      return issue.keys.map((key) =>
        line(at([...issue.path, key]), 'is not a setting', readAt(input, [...issue.path, key]), knownKeys(issue.path).join(', ')),
      );
    case 'invalid_type':
      return [
        line(
          at(issue.path),
          readAt(input, issue.path) === undefined ? 'is required' : `must be ${article(issue.expected)}`,
          readAt(input, issue.path),
          issue.expected,
        ),
      ];
    case 'invalid_value':
      return [line(at(issue.path), 'is not one of the allowed values', readAt(input, issue.path), issue.values.map((v) => JSON.stringify(v)).join(' | '))];
    case 'invalid_union': {
      const discriminator = 'discriminator' in issue && typeof issue.discriminator === 'string' ? issue.discriminator : undefined;
      if (discriminator) {
        const last = issue.path[issue.path.length - 1];
        const path = last === discriminator ? issue.path : [...issue.path, discriminator];
        return [line(at(path), 'is not a known type', readAt(input, path), KEY_SOURCE_TYPES)];
      }
      return [line(at(issue.path), 'matches none of the allowed shapes', readAt(input, issue.path), undefined)];
    }
    case 'too_small':
    case 'too_big': {
      const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
      const word = issue.origin === 'array' ? 'items' : issue.origin === 'string' ? 'characters' : '';
      const relation = issue.code === 'too_small' ? 'at least' : 'at most';
      const message = `must be ${relation} ${String(bound)}${word ? ` ${word}` : ''}`;
      return [line(at(issue.path), message, readAt(input, issue.path), `${relation} ${String(bound)}${word ? ` ${word}` : ''}`)];
    }
    case 'custom': {
      const allowed = typeof issue.params?.allowed === 'string' ? issue.params.allowed : undefined;
      // Cross-field rules report the value they checked, which may be a default.
      const got = issue.params && 'got' in issue.params ? issue.params.got : readAt(input, issue.path);
      return [line(at(issue.path), issue.message, got, allowed)];
    }
    default:
      return [line(at(issue.path), issue.message, readAt(input, issue.path), undefined)];
  }
}

export function line(path: string, message: string, got: unknown, allowed: string | undefined): string {
  const parts = [`got ${describe(got)}`];
  if (allowed) parts.push(`allowed ${allowed}`);
  return `${path}: ${message} (${parts.join('; ')})`;
}

export function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(config)';
  return path
    .map((key, i) => (typeof key === 'number' ? `[${key}]` : `${i === 0 ? '' : '.'}${String(key)}`))
    .join('');
}

export function readAt(value: unknown, path: readonly PropertyKey[]): unknown {
  let current = value;
  for (const key of path) {
    if (current === null || typeof current !== 'object') return undefined;
    current = (current as Record<PropertyKey, unknown>)[key];
  }
  return current;
}

/** A short, single-line, escaped rendering of what the user wrote. */
function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function article(expected: string): string {
  return /^[aeiou]/.test(expected) ? `an ${expected}` : `a ${expected}`;
}

// The schema's only union is encryption.keySource.
const KEY_SOURCE_TYPES = '"env" | "file"';
