/** The shape every benchmark hands back, and its Markdown rendering. */

export interface Table {
  headers: string[];
  rows: string[][];
}

export interface Section {
  title: string;
  /** Markdown paragraphs or lists: what is compared and how. */
  method: string[];
  tables: Table[];
  /** Observations, caveats, and where ours is slower. */
  notes: string[];
  /** One line for the summary at the top and the console. */
  headline: string;
}

export function renderTable(table: Table): string {
  const escape = (cell: string) => cell.replaceAll('|', '\\|');
  // Right-align columns of single quantities (1,234 · 1.23× · 12 µs · 3 / 100), left-align the rest.
  const quantity = /^[\d.,]+(?: ?(?:×|µs|ms|MiB|B))?(?: \/ \d+)?$/;
  const numeric = table.headers.map((_, i) => i > 0 && table.rows.every((row) => quantity.test(row[i] ?? '')));
  const lines = [
    `| ${table.headers.map(escape).join(' | ')} |`,
    `| ${numeric.map((right) => (right ? '---:' : '---')).join(' | ')} |`,
    ...table.rows.map((row) => `| ${row.map(escape).join(' | ')} |`),
  ];
  return lines.join('\n');
}

export function renderSection(section: Section, index: number): string {
  const parts = [`## ${index}. ${section.title}`, '', '**Method.**', '', ...section.method.flatMap((p) => [p, ''])];
  parts.push('**Results.**', '');
  for (const table of section.tables) parts.push(renderTable(table), '');
  for (const note of section.notes) parts.push(note, '');
  return parts.join('\n').trimEnd() + '\n';
}
