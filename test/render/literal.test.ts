import { describe, expect, it } from 'vitest';

import { toLiteral } from '../../src/render/engine.js';

// `{{lit}}` emits config values into generated code: no value may close a
// comment or a <script>, or end a line inside a string (issue #15).
describe('toLiteral', () => {
  it('escapes <, >, U+2028 and U+2029 as \\u escapes', () => {
    const out = toLiteral('</script>*/ a\u2028b\u2029c');
    expect(out).not.toMatch(/[<>\u2028\u2029]/);
    expect(out).toBe('"\\u003c/script\\u003e*/ a\\u2028b\\u2029c"');
  });

  it('round-trips through JavaScript for every character class that matters', () => {
    const value = { s: '<>\u2028\u2029"\\\n\t', n: [1, null, true] };
    expect(new Function(`return ${toLiteral(value)};`)()).toEqual(value);
  });
});
