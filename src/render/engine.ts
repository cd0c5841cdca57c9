import Handlebars from 'handlebars';

/**
 * An isolated Handlebars instance: strict (a missing variable is an error,
 * not an empty string), no HTML escaping (we emit TypeScript), and exactly
 * one way for a value to become code: `{{lit value}}`.
 */
const hbs = Handlebars.create();

hbs.registerHelper('lit', (...args: unknown[]) => {
  // Handlebars passes its options object last; `{{lit}}` alone has nothing else.
  if (args.length !== 2) throw new Error('lit takes exactly one value');
  return toLiteral(args[0]);
});

// A cookie's name in `policy`: chosen at run time only when `secure` is "production".
hbs.registerPartial(
  'cookieName',
  '{{#if @root.secureProduction}}SECURE_COOKIES ? {{lit secureName}} : {{lit plainName}}' +
    '{{else if @root.secureAlways}}{{lit secureName}}{{else}}{{lit plainName}}{{/if}}',
);

/**
 * A JSON value as a JS literal. JSON is a subset of JS (ES2019), and `<`, `>`
 * and the line separators are escaped so that no value can close a comment,
 * a template literal or a `</script>` when the code is later embedded.
 */
export function toLiteral(value: unknown): string {
  const json = JSON.stringify(value);
  if (json === undefined) throw new Error(`lit: ${typeof value} cannot be emitted as a literal`);
  return json.replace(/[<>\u2028\u2029]/g, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

export type Template = (context: object) => string;

export function compile(source: string, name: string): Template {
  const template = hbs.compile(source, { strict: true, noEscape: true });
  return (context) => {
    try {
      return template(context);
    } catch (error) {
      throw new Error(`template ${name}: ${(error as Error).message}`, { cause: error });
    }
  };
}
