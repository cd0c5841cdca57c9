import path from 'node:path';
import ts from 'typescript';

// Parsed declaration files (node_modules, the TS lib) are the same in every
// project a test builds: parse each once per worker, keyed by what changes a parse.
const sourceCache = new Map<string, ts.SourceFile>();

/**
 * Typechecks the project whose tsconfig.json is in `root` with the compiler
 * API (what `tsc --noEmit -p root` reports), returning the diagnostics as text,
 * '' when there are none. Files under `root` itself are never cached.
 */
export function typecheckProject(root: string, extraOptions: ts.CompilerOptions = {}): string {
  const configPath = path.join(root, 'tsconfig.json');
  const read = ts.readConfigFile(configPath, (file) => ts.sys.readFile(file));
  if (read.error) return format([read.error]);
  const parsed = ts.parseJsonConfigFileContent(read.config, ts.sys, root, { ...extraOptions, noEmit: true }, configPath);
  if (parsed.errors.length > 0) return format(parsed.errors);
  const host = ts.createCompilerHost(parsed.options);
  const getSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    if (!fileName.includes(`${path.sep}node_modules${path.sep}`) && !path.basename(fileName).startsWith('lib.')) {
      return getSourceFile(fileName, languageVersion, onError, shouldCreate);
    }
    const options = typeof languageVersion === 'object' ? languageVersion : { languageVersion };
    const key = `${fileName}\0${options.languageVersion}\0${options.impliedNodeFormat ?? ''}`;
    let file = sourceCache.get(key);
    if (!file) {
      file = getSourceFile(fileName, languageVersion, onError, shouldCreate);
      if (file) sourceCache.set(key, file);
    }
    return file;
  };
  const program = ts.createProgram({ rootNames: parsed.fileNames, options: parsed.options, host });
  return format(ts.getPreEmitDiagnostics(program));
}

function format(diagnostics: readonly ts.Diagnostic[]): string {
  if (diagnostics.length === 0) return '';
  return ts.formatDiagnostics(diagnostics, {
    getCanonicalFileName: (name) => name,
    getCurrentDirectory: () => process.cwd(),
    getNewLine: () => '\n',
  });
}
