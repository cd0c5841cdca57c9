import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { keyEntry, loadGenerated } from './load.js';

let mod: Awaited<ReturnType<typeof loadGenerated>>;
beforeAll(async () => {
  mod = await loadGenerated({ framework: 'express' }, 'core-crypto');
});
afterAll(() => rm(mod.root, { recursive: true, force: true }));

const ring = (...entries: string[]) => mod.keys.parseKeyring(entries.join(','), 'TEST_KEYS');

describe('keyring', () => {
  it('parses comma and newline separated entries, newest first', () => {
    const a = keyEntry('a');
    const b = keyEntry('b');
    const parsed = mod.keys.parseKeyring(`${b}\n${a}\n`, 'TEST_KEYS');
    expect(parsed.map((k) => k.kid)).toEqual(['b', 'a']);
    expect(parsed[0].key).toHaveLength(32);
  });

  const bad: [string, string, RegExp][] = [
    ['empty', '', /TEST_KEYS holds no keys/],
    ['no colon', 'abc', /entry 1 is not in the form kid:key/],
    ['short key', `k1:${Buffer.alloc(31).toString('base64url')}`, /entry 1 \(kid "k1"\) decodes to 31 bytes; each key must be exactly 32 bytes/],
    ['long key', `k1:${Buffer.alloc(33).toString('base64url')}`, /decodes to 33 bytes/],
    ['not base64url', 'k1:abc+def/==', /entry 1 \(kid "k1"\) is not base64url/],
    ['bad kid', `k.1:${Buffer.alloc(32).toString('base64url')}`, /entry 1 has an invalid kid/],
  ];
  it.each(bad)('rejects %s with a message naming the entry', (_name, text, message) => {
    expect(() => mod.keys.parseKeyring(text, 'TEST_KEYS')).toThrow(message);
  });

  it('rejects a duplicate kid', () => {
    expect(() => ring(keyEntry('k1'), keyEntry('k2'), keyEntry('k1'))).toThrow(/entry 3 repeats kid "k1"/);
  });

  it('never puts key material in an error message', () => {
    const secret = Buffer.alloc(31, 7).toString('base64url');
    try {
      mod.keys.parseKeyring(`k1:${secret}`, 'TEST_KEYS');
      expect.unreachable();
    } catch (error) {
      expect((error as Error).message).not.toContain(secret);
    }
  });
});

describe('seal / open', () => {
  it('round-trips and uses the documented wire format', () => {
    const keyring = ring(keyEntry('k1'));
    const sealed = mod.crypto.seal('access', 'token-value', keyring);
    expect(sealed).toMatch(/^v1\.k1\.[A-Za-z0-9_-]{16}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
    expect(mod.crypto.open('access', sealed, keyring)).toEqual({ plaintext: 'token-value', stale: false });
  });

  it('uses a fresh IV every time', () => {
    const keyring = ring(keyEntry('k1'));
    const a = mod.crypto.seal('access', 'same', keyring);
    const b = mod.crypto.seal('access', 'same', keyring);
    expect(a.split('.')[2]).not.toBe(b.split('.')[2]);
  });

  it('binds the value to the cookie name it was sealed for', () => {
    const keyring = ring(keyEntry('k1'));
    expect(mod.crypto.open('refresh', mod.crypto.seal('access', 'x', keyring), keyring)).toBeNull();
  });

  it('opens values sealed with an older key and flags them for re-sealing', () => {
    const old = keyEntry('old');
    const sealed = mod.crypto.seal('access', 'x', ring(old));
    const rotated = ring(keyEntry('new'), old);
    expect(mod.crypto.open('access', sealed, rotated)).toEqual({ plaintext: 'x', stale: true });
    expect(mod.crypto.seal('access', 'x', rotated).split('.')[1]).toBe('new');
  });

  it('refuses a value sealed with a key that is not in the ring', () => {
    const sealed = mod.crypto.seal('access', 'x', ring(keyEntry('k1')));
    expect(mod.crypto.open('access', sealed, ring(keyEntry('k1')))).toBeNull();
  });

  describe('bad inputs all open to null', () => {
    const flip = (text: string, at: number) => text.slice(0, at) + (text[at] === 'A' ? 'B' : 'A') + text.slice(at + 1);
    const cases: [string, (sealed: string) => string][] = [
      ['empty', () => ''],
      ['whitespace', () => '   '],
      ['tampered IV', (s) => { const p = s.split('.'); p[2] = flip(p[2]!, 3); return p.join('.'); }],
      ['tampered ciphertext', (s) => { const p = s.split('.'); p[3] = flip(p[3]!, 0); return p.join('.'); }],
      ['tampered tag', (s) => { const p = s.split('.'); p[4] = flip(p[4]!, 5); return p.join('.'); }],
      ['truncated value', (s) => s.slice(0, -10)],
      ['appended bytes', (s) => `${s}AAAA`],
      ['truncated tag', (s) => { const p = s.split('.'); p[4] = p[4]!.slice(0, 16); return p.join('.'); }],
      ['too few parts', (s) => s.split('.').slice(0, 4).join('.')],
      ['too many parts', (s) => `${s}.x`],
      ['unknown version', (s) => s.replace(/^v1/, 'v2')],
      ['unknown kid', (s) => s.replace('.k1.', '.k9.')],
      ['invalid base64 in IV', (s) => { const p = s.split('.'); p[2] = `${p[2]!.slice(0, -1)}!`; return p.join('.'); }],
      ['invalid base64 in ciphertext', (s) => { const p = s.split('.'); p[3] = `*${p[3]}`; return p.join('.'); }],
      ['padding in tag', (s) => { const p = s.split('.'); p[4] = `${p[4]}==`; return p.join('.'); }],
      // 16 bytes take 22 base64url characters with 4 unused low bits: Node's
      // lenient decoder gives the same tag for this text, the strict one refuses it.
      ['non-canonical tag encoding', (s) => { const p = s.split('.'); p[4] = `${p[4]!.slice(0, -1)}${flipUnusedBits(p[4]!.at(-1)!)}`; return p.join('.'); }],
      ['semicolon', (s) => `${s};x=1`],
      ['CR LF', (s) => `${s}\r\nSet-Cookie: x=1`],
      ['NUL', (s) => `${s}\u0000`],
      ['huge', () => `v1.k1.${'A'.repeat(20_000)}`],
    ];
    it.each(cases)('%s', (_name, mutate) => {
      const keyring = ring(keyEntry('k1'));
      const sealed = mod.crypto.seal('access', 'secret-token', keyring);
      expect(mod.crypto.open('access', mutate(sealed), keyring)).toBeNull();
    });
  });
});

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
function flipUnusedBits(char: string): string {
  const index = ALPHABET.indexOf(char);
  return ALPHABET[(index & ~0xf) | ((index + 1) & 0xf)]!;
}

describe('strict base64url', () => {
  it('the lenient decoder would accept the non-canonical tag (so the strict check matters)', () => {
    const tag = Buffer.alloc(16, 9).toString('base64url');
    const variant = `${tag.slice(0, -1)}${flipUnusedBits(tag.at(-1)!)}`;
    expect(variant).not.toBe(tag);
    expect(Buffer.from(variant, 'base64url').equals(Buffer.from(tag, 'base64url'))).toBe(true);
  });
});

describe('the wire format is exact', () => {
  // Written by someone holding the key but not by `seal`: GCM itself accepts
  // any IV length and a tag down to 4 bytes, so only the format check refuses these.
  it.each([
    ['a 16-byte IV', 16, 16],
    ['an 8-byte IV', 8, 16],
    ['a 12-byte tag', 12, 12],
  ])('a value sealed with %s does not open', async (_name, ivBytes, tagBytes) => {
    const { createCipheriv, randomBytes } = await import('node:crypto');
    const keyring = ring(keyEntry('k1'));
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', keyring[0]!.key, iv, { authTagLength: tagBytes });
    cipher.setAAD(Buffer.from('v1.access.k1', 'utf8'));
    const ciphertext = Buffer.concat([cipher.update('secret-token', 'utf8'), cipher.final()]);
    const sealed = ['v1', 'k1', iv.toString('base64url'), ciphertext.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
    expect(mod.crypto.open('access', sealed, keyring)).toBeNull();
    // Control: the same construction with the real sizes opens.
    const iv12 = randomBytes(12);
    const good = createCipheriv('aes-256-gcm', keyring[0]!.key, iv12, { authTagLength: 16 });
    good.setAAD(Buffer.from('v1.access.k1', 'utf8'));
    const body = Buffer.concat([good.update('secret-token', 'utf8'), good.final()]);
    const control = ['v1', 'k1', iv12.toString('base64url'), body.toString('base64url'), good.getAuthTag().toString('base64url')].join('.');
    expect(mod.crypto.open('access', control, keyring)?.plaintext).toBe('secret-token');
  });
});
