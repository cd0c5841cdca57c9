import * as prettier from 'prettier';

/**
 * Formats generated code the way the user's project formats its own: their
 * Prettier config (and .editorconfig) resolved from where the file will live.
 */
export async function formatLikeProject(source: string, filePath: string): Promise<string> {
  const options = (await prettier.resolveConfig(filePath, { editorconfig: true })) ?? {};
  const parser = /\.[mc]?js$/.test(filePath) ? 'babel' : 'typescript';
  return prettier.format(source, { ...options, filepath: filePath, parser });
}
