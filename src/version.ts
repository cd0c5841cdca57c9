import { readFileSync } from 'node:fs';

/** The folder this package is installed in (holds `templates/` and `package.json`). */
export const packageRoot = new URL('../', import.meta.url);

interface PackageJson {
  name: string;
  version: string;
}

const pkg = JSON.parse(readFileSync(new URL('package.json', packageRoot), 'utf8')) as PackageJson;

export const toolName: string = pkg.name;
export const toolVersion: string = pkg.version;
