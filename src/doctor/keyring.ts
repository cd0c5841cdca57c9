/**
 * The keyring rules of the generated `keys.ts` (templates/_shared/keys.ts.hbs),
 * restated so `doctor` can name a bad entry before the app refuses to start.
 * The generated code is the user's and is not imported; a test feeds both the
 * same generated inputs and requires the same verdict.
 */
const KID_RE = /^[A-Za-z0-9_-]{1,32}$/;
const BASE64URL_RE = /^[A-Za-z0-9_-]+$/;

/** Problems with a keyring value (`kid:key` entries separated by commas or newlines); empty when valid. */
export function keyringProblems(text: string, source: string): string[] {
  const entries = text
    .split(/[,\n]/)
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '');
  if (entries.length === 0) return [`${source} holds no keys`];
  const problems: string[] = [];
  const seen = new Set<string>();
  entries.forEach((entry, index) => {
    const position = `${source} entry ${index + 1}`;
    const colon = entry.indexOf(':');
    if (colon === -1) {
      problems.push(`${position} is not in the form kid:key`);
      return;
    }
    const kid = entry.slice(0, colon);
    const encoded = entry.slice(colon + 1);
    if (!KID_RE.test(kid)) {
      problems.push(`${position} has an invalid kid (1-32 of A-Z a-z 0-9 _ -)`);
      return;
    }
    if (seen.has(kid)) {
      problems.push(`${position} repeats kid "${kid}" (duplicate kid)`);
      return;
    }
    seen.add(kid);
    if (!BASE64URL_RE.test(encoded)) {
      problems.push(`${position} (kid "${kid}") is not base64url`);
      return;
    }
    const bytes = Buffer.from(encoded, 'base64url').length;
    if (bytes !== 32) problems.push(`${position} (kid "${kid}") is ${bytes} bytes, not 32`);
  });
  return problems;
}
