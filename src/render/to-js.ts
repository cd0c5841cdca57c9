import ts from 'typescript';

/**
 * Turns one rendered TypeScript file into JavaScript that reads as if written
 * by hand: the TypeScript templates stay the one source of truth.
 *
 * Works by editing the source text (never by re-printing it), so every
 * comment and blank line survives; the caller formats the result with
 * Prettier. Types move into JSDoc, which editors and `checkJs` read:
 * annotations become `@param`/`@returns`/`@type`, interfaces and type aliases
 * `@typedef`, type-only imports `@import`, `as`/`satisfies` JSDoc casts. With
 * `format: 'cjs'` imports become `const { x } = require('./x.js')` and the
 * exports one `module.exports = { … }` at the end.
 *
 * Module augmentation (`declare global`, `declare module`) has no JavaScript
 * form: it is returned separately (`ambient`) for a `.d.ts` beside the output.
 * Syntax the templates must not use (enums, namespaces, parameter properties,
 * generic calls) is refused with an error naming the file, so a template
 * change cannot silently produce broken JavaScript.
 */
export interface ToJsOptions {
  format: 'esm' | 'cjs';
  /** Maps a relative import specifier (`./x.js`) to the one the output uses (`./x.cjs`). */
  specifier: (value: string) => string;
  /** For error messages. */
  fileName: string;
}

export interface JsOutput {
  code: string;
  /** `declare global` / `declare module` blocks with the imports they use, or undefined. */
  ambient: string | undefined;
}

interface Edit {
  start: number;
  end: number;
  text: string;
  seq: number;
}

const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });

export function toJavaScript(source: string, options: ToJsOptions): JsOutput {
  const sf = ts.createSourceFile(options.fileName, source, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
  const edits: Edit[] = [];
  let seq = 0;
  const edit = (start: number, end: number, text: string): void => {
    edits.push({ start, end, text, seq: seq++ });
  };
  const fail = (node: ts.Node, what: string): never => {
    const { line } = sf.getLineAndCharacterOfPosition(node.getStart(sf));
    throw new Error(`${options.fileName}:${line + 1}: ${what} has no JavaScript form; change the template`);
  };
  const exported: string[] = [];
  const ambientBlocks: ts.ModuleDeclaration[] = [];
  const cjs = options.format === 'cjs';

  // Names the JavaScript still mentions (type imports used only by module
  // augmentation move to the .d.ts with it, and must not linger unused here).
  const mentioned = new Set<string>();
  const mention = (node: ts.Node): void => {
    if (ts.isIdentifier(node)) mentioned.add(node.text);
    ts.forEachChild(node, mention);
  };
  for (const statement of sf.statements) {
    const ambient = ts.isModuleDeclaration(statement) && hasModifier(statement, ts.SyntaxKind.DeclareKeyword);
    if (!ts.isImportDeclaration(statement) && !ambient) mention(statement);
  }

  /** A type as one line of JSDoc type text, without comments. */
  const typeText = (type: ts.TypeNode): string =>
    printer
      .printNode(ts.EmitHint.Unspecified, type, sf)
      .replace(/\s+/g, ' ')
      .replace(/;\s*}/g, ' }')
      .replace(/\[ /g, '[')
      .replace(/ \]/g, ']')
      .trim();

  const indentAt = (pos: number): string => {
    const lineStart = source.lastIndexOf('\n', pos - 1) + 1;
    return /^[ \t]*/.exec(source.slice(lineStart))?.[0] ?? '';
  };

  /** Deletes a type annotation with its `:` (and a `?` before it). */
  const removeAnnotation = (type: ts.TypeNode) => {
    let colon = type.getFullStart() - 1;
    while (colon >= 0 && source[colon] !== ':') colon--;
    edit(colon, type.end, '');
  };

  const lastDoc = (node: ts.Node): ts.JSDoc | undefined => {
    const docs = (node as { jsDoc?: ts.JSDoc[] }).jsDoc;
    return docs?.[docs.length - 1];
  };

  /**
   * Adds tag lines to the node's JSDoc (or a new one before it). Tags go
   * before the first existing tag, so an `@example` stays last.
   */
  const addDoc = (node: ts.Node, tags: string[], at = node.getStart(sf)) => {
    if (tags.length === 0) return;
    const doc = lastDoc(node);
    const indent = indentAt(at);
    if (!doc) {
      // Statements and class members get the doc on its own line; a function
      // expression gets it in front, as in `map(/** @param … */ (x) => …)`.
      const statement = ts.isStatement(node) || ts.isClassElement(node);
      const after = statement ? `\n${indent}` : ' ';
      const text =
        tags.length === 1 ? `/** ${tags[0]} */` : `/**\n${tags.map((tag) => `${indent} * ${tag}\n`).join('')}${indent} */`;
      // A comment with a line break after `return` would end the statement (ASI): parenthesise.
      if (!statement && ts.isReturnStatement(node.parent)) {
        edit(at, at, `(${text}\n${indent}`);
        edit(node.end, node.end, ')');
      } else edit(at, at, `${text}${after}`);
      return;
    }
    const start = doc.getStart(sf);
    const raw = source.slice(start, doc.end);
    const lines = raw
      .replace(/^\/\*\*/, '')
      .replace(/\*\/$/, '')
      .split('\n')
      .map((line) => line.replace(/^\s*\*? ?/, '').replace(/\s+$/, ''));
    while (lines.length > 0 && lines[0] === '') lines.shift();
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
    const firstTag = lines.findIndex((line) => line.startsWith('@'));
    const at2 = firstTag === -1 ? lines.length : firstTag;
    const body = [...lines.slice(0, at2), ...tags, ...lines.slice(at2)];
    edit(start, doc.end, `/**\n${body.map((line) => `${indent} *${line === '' ? '' : ` ${line}`}\n`).join('')}${indent} */`);
  };

  const paramTags = (fn: ts.SignatureDeclaration): string[] => {
    const tags: string[] = [];
    for (const param of fn.parameters) {
      if (!ts.isIdentifier(param.name)) fail(param, 'a destructured parameter');
      const name = param.name.getText(sf);
      if (name === 'this') fail(param, 'a `this` parameter');
      if (param.modifiers?.length) fail(param, 'a parameter property');
      if (param.type) {
        const optional = param.questionToken !== undefined || param.initializer !== undefined;
        tags.push(`@param {${typeText(param.type)}} ${optional ? `[${name}]` : name}`);
        removeAnnotation(param.type);
      }
      if (param.questionToken) edit(param.questionToken.getStart(sf), param.questionToken.end, '');
      if (param.initializer) visit(param.initializer);
    }
    if (fn.typeParameters) fail(fn, 'a generic function');
    if (fn.type) {
      tags.push(`@returns {${typeText(fn.type)}}`);
      removeAnnotation(fn.type);
    }
    return tags;
  };

  const removeTypeArguments = (node: ts.CallExpression | ts.NewExpression) => {
    const args = node.typeArguments;
    if (!args) return;
    let open = args.pos - 1;
    while (source[open] !== '<') open--;
    let close = args.end;
    while (source[close] !== '>') close++;
    edit(open, close + 1, '');
  };

  /** `new Map<K, V>()` as the type `Map<K, V>`, for a declaration that has no annotation. */
  const constructedType = (init: ts.Expression | undefined): string | undefined =>
    init && ts.isNewExpression(init) && init.typeArguments
      ? `${init.expression.getText(sf)}<${init.typeArguments.map(typeText).join(', ')}>`
      : undefined;

  const removeModifier = (node: ts.HasModifiers, kinds: ts.SyntaxKind[]) => {
    for (const modifier of ts.getModifiers(node) ?? []) {
      if (!kinds.includes(modifier.kind)) continue;
      let end = modifier.end;
      while (source[end] === ' ') end++;
      edit(modifier.getStart(sf), end, '');
    }
  };

  const cast = (node: ts.AsExpression | ts.SatisfiesExpression, tag: string) => {
    const start = node.expression.getStart(sf);
    edit(start, start, `/** ${tag} */ (`);
    visit(node.expression);
    edit(node.expression.end, node.end, ')');
  };

  function visit(node: ts.Node): void {
    if (ts.isAsExpression(node)) {
      const isConst = ts.isTypeReferenceNode(node.type) && node.type.typeName.getText(sf) === 'const';
      return cast(node, `@type {${isConst ? 'const' : typeText(node.type)}}`);
    }
    if (ts.isSatisfiesExpression(node)) return cast(node, `@satisfies {${typeText(node.type)}}`);
    if (ts.isNonNullExpression(node)) {
      visit(node.expression);
      return edit(node.expression.end, node.end, '');
    }
    if (ts.isTypeAssertionExpression(node)) fail(node, 'an angle-bracket type assertion');
    if (ts.isCallExpression(node) && node.typeArguments) fail(node, 'a call with explicit type arguments');
    if (ts.isNewExpression(node)) removeTypeArguments(node);
    if (ts.isArrowFunction(node) || ts.isFunctionExpression(node)) {
      addDoc(node, paramTags(node));
      if (node.body) visit(node.body);
      return;
    }
    if (ts.isFunctionDeclaration(node)) return visitFunction(node);
    if (ts.isClassDeclaration(node) || ts.isClassExpression(node)) return visitClass(node);
    if (ts.isVariableStatement(node)) return visitVariables(node);
    if (ts.isInterfaceDeclaration(node)) return visitInterface(node);
    if (ts.isTypeAliasDeclaration(node)) return visitTypeAlias(node);
    if (ts.isCatchClause(node) && node.variableDeclaration?.type) removeAnnotation(node.variableDeclaration.type);
    if (ts.isVariableDeclaration(node) && node.type) fail(node, 'a typed variable outside a `const`/`let` statement');
    if (ts.isEnumDeclaration(node)) fail(node, 'an enum');
    if (ts.isModuleDeclaration(node)) fail(node, 'a namespace');
    if (ts.isMetaProperty(node) && cjs) fail(node, '`import.meta` in CommonJS');
    ts.forEachChild(node, visit);
  }

  function visitFunction(node: ts.FunctionDeclaration) {
    if (!node.body) return edit(node.getStart(sf), node.end, ''); // an overload signature
    exportOf(node, node.name?.text);
    addDoc(node, paramTags(node));
    visit(node.body);
  }

  function visitVariables(node: ts.VariableStatement) {
    if (hasModifier(node, ts.SyntaxKind.DeclareKeyword)) fail(node, 'a `declare` variable');
    const declarations = node.declarationList.declarations;
    const tags: string[] = [];
    for (const declaration of declarations) {
      if (declaration.exclamationToken) fail(declaration, 'a definite assignment');
      const type = declaration.type ? typeText(declaration.type) : constructedType(declaration.initializer);
      if (type !== undefined) {
        if (declarations.length > 1) fail(declaration, 'a typed declaration in a list');
        tags.push(`@type {${type}}`);
      }
      if (declaration.type) removeAnnotation(declaration.type);
      if (declaration.initializer) visit(declaration.initializer);
    }
    if (hasModifier(node, ts.SyntaxKind.ExportKeyword)) {
      exportOf(node, ...declarations.map((d) => (ts.isIdentifier(d.name) ? d.name.text : fail(d, 'an exported destructuring'))));
    }
    addDoc(node, tags);
  }

  function visitClass(node: ts.ClassDeclaration | ts.ClassExpression) {
    if (ts.isClassDeclaration(node)) exportOf(node, node.name?.text);
    if (node.typeParameters) fail(node, 'a generic class');
    for (const clause of node.heritageClauses ?? []) {
      if (clause.token === ts.SyntaxKind.ImplementsKeyword) fail(clause, '`implements`');
      for (const type of clause.types) {
        if (type.typeArguments) fail(type, 'a generic base class');
        visit(type.expression);
      }
    }
    for (const member of node.members) {
      const tags: string[] = [];
      if (hasModifier(member, ts.SyntaxKind.AbstractKeyword) || hasModifier(member, ts.SyntaxKind.DeclareKeyword)) {
        fail(member, 'an abstract or declared member');
      }
      if (hasModifier(member, ts.SyntaxKind.PrivateKeyword)) tags.push('@private');
      if (hasModifier(member, ts.SyntaxKind.ProtectedKeyword)) tags.push('@protected');
      if (hasModifier(member, ts.SyntaxKind.ReadonlyKeyword)) tags.push('@readonly');
      if (hasModifier(member, ts.SyntaxKind.OverrideKeyword)) tags.push('@override');
      if (ts.canHaveModifiers(member)) {
        removeModifier(member, [
          ts.SyntaxKind.PrivateKeyword,
          ts.SyntaxKind.ProtectedKeyword,
          ts.SyntaxKind.PublicKeyword,
          ts.SyntaxKind.ReadonlyKeyword,
          ts.SyntaxKind.OverrideKeyword,
        ]);
      }
      if (ts.isPropertyDeclaration(member)) {
        if (member.questionToken || member.exclamationToken) fail(member, 'an optional or definite property');
        const type = member.type ? typeText(member.type) : constructedType(member.initializer);
        if (type !== undefined) tags.push(`@type {${type}}`);
        if (member.type) removeAnnotation(member.type);
        // A property with neither a type nor a value is a TypeScript-only declaration.
        if (!member.initializer) {
          if (!member.type) fail(member, 'an untyped property without a value');
        } else visit(member.initializer);
        addDoc(member, tags);
      } else if (ts.isConstructorDeclaration(member) || ts.isMethodDeclaration(member) || ts.isAccessor(member)) {
        if (!member.body) {
          edit(member.getStart(sf), member.end, '');
          continue;
        }
        addDoc(member, [...tags, ...paramTags(member)]);
        visit(member.body);
      } else if (ts.isIndexSignatureDeclaration(member)) {
        fail(member, 'an index signature');
      } else {
        visit(member);
      }
    }
  }

  function visitInterface(node: ts.InterfaceDeclaration) {
    if (node.typeParameters) fail(node, 'a generic interface');
    const name = node.name.text;
    const heritage = node.heritageClauses?.flatMap((clause) => clause.types.map((t) => t.getText(sf))) ?? [];
    const members = node.members.map((member) => {
      if (!ts.isPropertySignature(member) || !member.type) return fail(member, 'a non-property interface member');
      const doc = lastDoc(member);
      const description = doc ? (ts.getTextOfJSDocComment(doc.comment) ?? '') : '';
      return { name: member.name.getText(sf), optional: member.questionToken !== undefined, type: typeText(member.type), description };
    });
    let tags: string[];
    if (heritage.length > 0) {
      const own = members.map((m) => `${m.name}${m.optional ? '?' : ''}: ${m.type}`).join('; ');
      tags = [`@typedef {${[...heritage, `{ ${own} }`].join(' & ')}} ${name}`];
    } else {
      tags = [`@typedef {object} ${name}`];
      for (const m of members) {
        const [first = '', ...rest] = m.description.split('\n');
        tags.push(`@property {${m.type}} ${m.optional ? `[${m.name}]` : m.name}${first ? ` ${first}` : ''}`, ...rest.map((line) => `  ${line}`));
      }
    }
    replaceWithDoc(node, tags);
  }

  function visitTypeAlias(node: ts.TypeAliasDeclaration) {
    if (node.typeParameters) fail(node, 'a generic type alias');
    replaceWithDoc(node, [`@typedef {${typeText(node.type)}} ${node.name.text}`]);
  }

  /** Replaces a type-only declaration by its JSDoc (merged with the doc it had). */
  function replaceWithDoc(node: ts.Node, tags: string[]) {
    addDoc(node, tags);
    edit(node.getStart(sf), node.end, '');
  }

  /** CommonJS: drops `export` and remembers the names for `module.exports`. */
  function exportOf(node: ts.Node, ...names: (string | undefined)[]) {
    if (!hasModifier(node, ts.SyntaxKind.ExportKeyword)) return;
    if (hasModifier(node, ts.SyntaxKind.DefaultKeyword)) fail(node, 'a default export');
    if (!cjs) return;
    removeModifier(node as ts.HasModifiers, [ts.SyntaxKind.ExportKeyword]);
    for (const name of names) if (name !== undefined) exported.push(name);
  }

  const quote = (text: string) => JSON.stringify(text);
  const moduleOf = (node: ts.ImportDeclaration | ts.ExportDeclaration): string => {
    const spec = node.moduleSpecifier;
    if (!spec || !ts.isStringLiteral(spec)) return fail(node, 'an import without a module');
    return spec.text.startsWith('.') ? options.specifier(spec.text) : spec.text;
  };
  const importTag = (names: string[], from: string) => `/** @import { ${names.join(', ')} } from ${quote(from)} */`;

  function visitImport(node: ts.ImportDeclaration) {
    const from = moduleOf(node);
    const clause = node.importClause;
    if (!clause) return edit(node.getStart(sf), node.end, cjs ? `require(${quote(from)});` : `import ${quote(from)};`);
    const bindings = clause.namedBindings;
    const named = bindings && ts.isNamedImports(bindings) ? bindings.elements : [];
    const typeNames = named
      .filter((el) => (clause.isTypeOnly || el.isTypeOnly) && mentioned.has(el.name.text))
      .map((el) => (el.propertyName ? `${el.propertyName.text} as ${el.name.text}` : el.name.text));
    const values = clause.isTypeOnly ? [] : named.filter((el) => !el.isTypeOnly);
    const defaultName = clause.isTypeOnly ? undefined : clause.name?.text;
    const namespace = !clause.isTypeOnly && bindings && ts.isNamespaceImport(bindings) ? bindings.name.text : undefined;
    if (clause.isTypeOnly && (clause.name || (bindings && ts.isNamespaceImport(bindings)))) {
      fail(node, 'a default or namespace type import');
    }
    const lines: string[] = [];
    if (cjs) {
      if ([defaultName, namespace, values.length > 0 ? 'named' : undefined].filter(Boolean).length > 1) {
        fail(node, 'a default and named import in one statement');
      }
      if (defaultName ?? namespace) lines.push(`const ${defaultName ?? namespace} = require(${quote(from)});`);
      if (values.length > 0) {
        const names = values.map((el) => (el.propertyName ? `${el.propertyName.text}: ${el.name.text}` : el.name.text));
        lines.push(`const { ${names.join(', ')} } = require(${quote(from)});`);
      }
    } else if (defaultName ?? namespace ?? values.length > 0) {
      const parts: string[] = [];
      if (defaultName) parts.push(defaultName);
      if (namespace) parts.push(`* as ${namespace}`);
      if (values.length > 0) parts.push(`{ ${values.map((el) => el.getText(sf)).join(', ')} }`);
      lines.push(`import ${parts.join(', ')} from ${quote(from)};`);
    }
    if (typeNames.length > 0) lines.push(importTag(typeNames, from));
    edit(node.getStart(sf), node.end, lines.join('\n'));
  }

  function visitExport(node: ts.ExportDeclaration) {
    const clause = node.exportClause;
    if (!clause || !ts.isNamedExports(clause)) return fail(node, '`export *`');
    const from = node.moduleSpecifier ? moduleOf(node) : undefined;
    const types = clause.elements.filter((el) => node.isTypeOnly || el.isTypeOnly);
    const values = clause.elements.filter((el) => !node.isTypeOnly && !el.isTypeOnly);
    const lines: string[] = [];
    if (values.length > 0) {
      if (!cjs) {
        lines.push(`export { ${values.map((el) => el.getText(sf)).join(', ')} }${from ? ` from ${quote(from)}` : ''};`);
      } else {
        if (values.some((el) => el.propertyName)) fail(node, 'a renamed export');
        const names = values.map((el) => el.name.text);
        if (from) lines.push(`const { ${names.join(', ')} } = require(${quote(from)});`);
        exported.push(...names);
      }
    }
    for (const el of types) {
      const original = (el.propertyName ?? el.name).text;
      // A local type is exported by its @typedef already.
      if (from) lines.push(`/** @typedef {import(${quote(from)}).${original}} ${el.name.text} */`);
    }
    edit(node.getStart(sf), node.end, lines.join('\n'));
  }

  for (const statement of sf.statements) {
    if (ts.isImportDeclaration(statement)) visitImport(statement);
    else if (ts.isExportDeclaration(statement)) visitExport(statement);
    else if (ts.isExportAssignment(statement)) fail(statement, 'a default export');
    else if (ts.isImportEqualsDeclaration(statement)) fail(statement, '`import =`');
    else if (ts.isModuleDeclaration(statement) && hasModifier(statement, ts.SyntaxKind.DeclareKeyword)) {
      ambientBlocks.push(statement);
      edit(
        statement.getStart(sf),
        statement.end,
        '// The request type gains `auth` through declaration merging, which has no\n' +
          '// JavaScript form: it is declared in ./types.d.ts for editors and checkJs.',
      );
    } else visit(statement);
  }

  if (cjs) {
    const header = /^(?:\/\/.*\n)*\n*/.exec(source)?.[0].length ?? 0;
    // Before anything else inserted at the same place (a JSDoc for the first statement).
    edits.push({ start: header, end: header, text: "'use strict';\n\n", seq: -1 });
    if (exported.length > 0) edit(source.length, source.length, `\nmodule.exports = { ${exported.join(', ')} };\n`);
  }

  let code = applyEdits(source, edits, options.fileName);
  // Usage examples in comments speak the file's module format too.
  if (cjs) {
    code = code
      .replace(/^(\s*\* )import (\w+) from (['"][^'"]+['"]);$/gm, '$1const $2 = require($3);')
      .replace(/^(\s*\* )import \{ ([^}]+) \} from (['"][^'"]+['"]);$/gm, '$1const { $2 } = require($3);');
  }
  return { code, ambient: ambientFile(sf, ambientBlocks, options) };
}

function hasModifier(node: ts.Node, kind: ts.SyntaxKind): boolean {
  return ts.canHaveModifiers(node) && (ts.getModifiers(node) ?? []).some((m) => m.kind === kind);
}

function applyEdits(source: string, edits: Edit[], fileName: string): string {
  const sorted = [...edits].sort((a, b) => a.start - b.start || a.end - b.end || a.seq - b.seq);
  let out = '';
  let cursor = 0;
  for (const e of sorted) {
    if (e.start < cursor) throw new Error(`${fileName}: overlapping JavaScript edits at ${e.start}`);
    out += source.slice(cursor, e.start) + e.text;
    cursor = e.end;
  }
  return out + source.slice(cursor);
}

/** The augmentation blocks as a module, with `import type` for the names they use. */
function ambientFile(sf: ts.SourceFile, blocks: ts.ModuleDeclaration[], options: ToJsOptions): string | undefined {
  const source = (node: ts.Node) => sf.text.slice(node.getStart(sf), node.end);
  if (blocks.length === 0) return undefined;
  const text = blocks.map((block) => source(block)).join('\n\n');
  const used = new Set<string>();
  const collect = (node: ts.Node): void => {
    if (ts.isTypeReferenceNode(node)) {
      let name: ts.EntityName = node.typeName;
      while (ts.isQualifiedName(name)) name = name.left;
      used.add(name.text);
    }
    ts.forEachChild(node, collect);
  };
  for (const block of blocks) collect(block);
  const imports: string[] = [];
  for (const statement of sf.statements) {
    if (!ts.isImportDeclaration(statement) || !ts.isStringLiteral(statement.moduleSpecifier)) continue;
    const bindings = statement.importClause?.namedBindings;
    if (!bindings || !ts.isNamedImports(bindings)) continue;
    const names = bindings.elements.map((el) => el.getText(sf).replace(/^type\s+/, '')).filter((text) => used.has(text.split(/\s+/).pop() ?? ''));
    if (names.length === 0) continue;
    const spec = statement.moduleSpecifier.text;
    imports.push(`import type { ${names.join(', ')} } from '${spec.startsWith('.') ? options.specifier(spec) : spec}';`);
  }
  return `${imports.length > 0 ? imports.join('\n') : 'export {};'}\n\n${text}\n`;
}
