import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { fieldKeysOf, openField, sealField, type SealedValue } from './field.cipher';

const keyOf = (id = 'k-1') => fieldKeysOf({ id, material: randomBytes(32) });
// FC_SEED replays a seed; FRESH_SEEDS draws a new one; otherwise the fixed seed of every property spec.
const fresh = process.env['FRESH_SEEDS'] !== undefined && process.env['FRESH_SEEDS'] !== '';
const seed = process.env['FC_SEED'] ? Number(process.env['FC_SEED']) : fresh ? Math.floor(Math.random() * 2 ** 31) : 20261207;
if (process.env['FC_SEED'] || fresh) console.log(`field cipher property seed: ${seed} (FC_SEED=${seed} replays it)`);

describe('field cipher (AES-256-GCM, synthetic nonce)', () => {
  it('opens what it sealed, for any text', () => {
    const keys = keyOf();
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), fc.string({ minLength: 1, maxLength: 40 }), (text, place) => {
        const sealed = sealField(keys, place, text);
        expect(sealed.kid).toBe('k-1');
        expect(sealed.ct).not.toContain(text.length > 3 ? text : '\u0000never');
        expect(openField(keys, place, sealed)).toBe(text);
      }),
      { seed, numRuns: 300 },
    );
  });

  it('seals the same value in the same place to the same bytes, and different values with different nonces', () => {
    const keys = keyOf();
    expect(sealField(keys, 'e1\u0000body', 'hello')).toEqual(sealField(keys, 'e1\u0000body', 'hello'));
    const nonce = (sealed: SealedValue) => Buffer.from(sealed.ct, 'base64url').subarray(0, 12).toString('hex');
    expect(nonce(sealField(keys, 'e1\u0000body', 'hello'))).not.toBe(nonce(sealField(keys, 'e1\u0000body', 'hellp')));
    expect(nonce(sealField(keys, 'e1\u0000body', 'hello'))).not.toBe(nonce(sealField(keys, 'e2\u0000body', 'hello')));
  });

  it('refuses a value altered by one bit, moved to another place, or opened with another key', () => {
    const keys = keyOf();
    const sealed = sealField(keys, 'e1\u0000body', 'my wallet is 0xabc');
    const bytes = Buffer.from(sealed.ct, 'base64url');
    for (const index of [0, 12, bytes.length - 1]) {
      const flipped = Buffer.from(bytes);
      flipped[index] ^= 1;
      expect(() => openField(keys, 'e1\u0000body', { ...sealed, ct: flipped.toString('base64url') })).toThrow();
    }
    expect(() => openField(keys, 'e2\u0000body', sealed)).toThrow();
    expect(() => openField(keys, 'e1\u0000subject', sealed)).toThrow();
    expect(() => openField(keyOf('k-1'), 'e1\u0000body', sealed)).toThrow();
    expect(() => openField(keys, 'e1\u0000body', { ...sealed, ct: 'AAAA' })).toThrow(/does not match/);
  });
});
