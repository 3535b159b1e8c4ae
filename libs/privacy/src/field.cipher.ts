import { createCipheriv, createDecipheriv, createHmac, hkdfSync } from 'node:crypto';
import type { SealedValue } from '@ticketing/contracts';
import type { SubjectKey } from './subject-key.store';

export { isSealedValue, type SealedValue } from '@ticketing/contracts';

/** The key's two working keys, derived once: one encrypts, one makes the synthetic nonce. */
export type FieldKeys = Readonly<{ id: string; encryption: Buffer; nonce: Buffer }>;

const IV_BYTES = 12;
const TAG_BYTES = 16;

export function fieldKeysOf(key: SubjectKey): FieldKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', key.material, Buffer.alloc(0), info, 32));
  return { id: key.id, encryption: derive('ticketing personal data v1 encryption'), nonce: derive('ticketing personal data v1 nonce') };
}

/**
 * Seals `plaintext` for one place (`context`: the event id and field path). The nonce is an HMAC of
 * place and plaintext (a synthetic IV), so sealing the same event again gives the same bytes and
 * two different values never share a nonce; the place is authenticated, so a sealed value copied
 * to another event or field does not open.
 */
export function sealField(keys: FieldKeys, context: string, plaintext: string): SealedValue {
  const iv = createHmac('sha256', keys.nonce).update(context).update('\u0000').update(plaintext).digest().subarray(0, IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', keys.encryption, iv);
  cipher.setAAD(Buffer.from(`${keys.id}\u0000${context}`));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return { pd: 1, kid: keys.id, ct: Buffer.concat([iv, body, cipher.getAuthTag()]).toString('base64url') };
}

/** Opens a sealed value; throws when it was altered or belongs to another place or key. */
export function openField(keys: FieldKeys, context: string, sealed: SealedValue): string {
  const bytes = Buffer.from(sealed.ct, 'base64url');
  if (sealed.kid !== keys.id || bytes.length < IV_BYTES + TAG_BYTES) throw new Error('sealed value does not match its key');
  const decipher = createDecipheriv('aes-256-gcm', keys.encryption, bytes.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(`${keys.id}\u0000${context}`));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString('utf8');
}
