/**
 * Formats generated code the way the user's project formats its own: their
 * Prettier config (and .editorconfig) resolved from where the file will live.
 */
export async function formatLikeProject(source: string, filePath: string): Promise<string> {
  // Loaded on first use: commands that never format (check's fast path, --help) do not pay for Prettier.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(filePath, { editorconfig: true })) ?? {};
  return prettier.format(source, { ...options, filepath: filePath, parser: 'typescript' });
}
