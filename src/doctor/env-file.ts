/**
 * Reads a `.env` file the way dotenv and Node's `--env-file` do for the forms
 * people write: `KEY=value`, `export KEY=value`, single or double quotes
 * (`\n` expands inside double quotes), `#` comments on their own line or after
 * an unquoted value. Later lines win.
 */
export function parseEnvFile(text: string): Map<string, string> {
  const values = new Map<string, string>();
  const LINE = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_.-]*)\s*=\s*(.*)?$/;
  const lines = text.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const match = LINE.exec(lines[i] as string);
    if (!match) continue;
    const name = match[1] as string;
    let raw = (match[2] ?? '').trim();
    const quote = raw[0];
    if (quote === '"' || quote === "'" || quote === '`') {
      // A quoted value may span lines until its closing quote.
      while (!closes(raw, quote) && i + 1 < lines.length) raw += `\n${lines[++i]}`;
      const end = raw.lastIndexOf(quote);
      let value = end > 0 ? raw.slice(1, end) : raw.slice(1);
      if (quote === '"') value = value.replace(/\\n/g, '\n').replace(/\\r/g, '\r');
      values.set(name, value);
    } else {
      values.set(name, raw.replace(/\s+#.*$/, '').trim());
    }
  }
  return values;
}

function closes(raw: string, quote: string): boolean {
  return raw.length > 1 && raw.slice(1).includes(quote);
}
