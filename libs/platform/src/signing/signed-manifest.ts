import { createPublicKey, verify, type KeyObject } from 'node:crypto';
import canonicalize from 'canonicalize';
import { keyIdOf, publicKeyFromPem, type BundleSigner } from './signing-key';

export const MANIFEST_SIGNATURE_ALGORITHM = 'Ed25519';

/** An Ed25519 signature over the RFC 8785 canonical JSON (UTF-8) of a manifest. */
export type ManifestSignature = Readonly<{
  algorithm: typeof MANIFEST_SIGNATURE_ALGORITHM;
  /** `keyIdOf` the signing key: which key to verify with. */
  keyId: string;
  /**
   * The signer's public key (SPKI PEM). Informational: verifying with it proves the manifest was not
   * changed after signing (integrity), not who signed it (origin): for that, verify with a public
   * key obtained from the operator.
   */
  publicKey: string;
  /** The signature, base64. */
  value: string;
}>;

/** A manifest with its signature: evidence bundles and audit exports share this format and key. */
export type SignedManifest<M> = Readonly<{ manifest: M; signature: ManifestSignature }>;

export type ManifestSignatureCheck = Readonly<{ ok: true }> | Readonly<{ ok: false; problem: string }>;

const ED25519_SIGNATURE_BYTES = 64;

/** The bytes a manifest's signature covers: the UTF-8 of its RFC 8785 canonical JSON. */
export function manifestBytes(manifest: unknown): Buffer {
  const json = canonicalize(manifest);
  if (json === undefined) throw new TypeError('the manifest is not JSON-serializable');
  return Buffer.from(json, 'utf8');
}

/**
 * Signs the RFC 8785 canonical JSON of `manifest` (UTF-8) with the signer's Ed25519 key, then checks
 * the result verifies (a signer over a KMS may be misconfigured: another key, another algorithm):
 * throws rather than hand out a signature no one can verify. The embedded public key is written in
 * the canonical SPKI PEM form, whatever form the signer reports it in.
 */
export async function signManifest<M>(manifest: M, signer: BundleSigner): Promise<SignedManifest<M>> {
  const publicKey = publicKeyFromPem(signer.publicKeyPem);
  if (keyIdOf(publicKey) !== signer.keyId) throw new Error(`Signer ${signer.keyId} reports the public key of ${keyIdOf(publicKey)}`);
  const signature = await signer.sign(manifestBytes(manifest));
  const signed: SignedManifest<M> = {
    manifest,
    signature: { algorithm: MANIFEST_SIGNATURE_ALGORITHM, keyId: signer.keyId, publicKey: canonicalPem(publicKey), value: signature.toString('base64') },
  };
  const check = verifyManifestSignature(signed, publicKey);
  if (!check.ok) throw new Error(`Signer ${signer.keyId} produced a signature that does not verify: ${check.problem}`);
  return signed;
}

const canonicalPem = (key: KeyObject): string => (key.type === 'private' ? createPublicKey(key) : key).export({ type: 'spki', format: 'pem' }).toString();

/**
 * Checks a signed manifest against `publicKey` (Ed25519): the algorithm, that the signature names
 * this key and embeds it (canonical SPKI PEM, as `signManifest` wrote it), and the signature itself.
 * Takes anything parsed from a file: a malformed signature is a problem, never an exception.
 */
export function verifyManifestSignature(signed: SignedManifest<unknown>, publicKey: KeyObject): ManifestSignatureCheck {
  const fail = (problem: string): ManifestSignatureCheck => ({ ok: false, problem });
  const signature: unknown = (signed as { signature?: unknown } | null)?.signature;
  if (typeof signature !== 'object' || signature === null) return fail('the manifest has no signature');
  const { algorithm, keyId, publicKey: embeddedKey, value } = signature as Record<string, unknown>;
  if (algorithm !== MANIFEST_SIGNATURE_ALGORITHM) return fail(`unsupported signature algorithm ${JSON.stringify(algorithm)}; expected "${MANIFEST_SIGNATURE_ALGORITHM}"`);

  let verifyingKeyId: string;
  try {
    verifyingKeyId = keyIdOf(publicKey);
  } catch (error) {
    return fail(`cannot verify with the key given: ${(error as Error).message}`);
  }
  if (keyId !== verifyingKeyId) {
    return fail(`signed with key ${typeof keyId === 'string' ? keyId : JSON.stringify(keyId)}, verifying with key ${verifyingKeyId}: re-signed with another key?`);
  }

  // Informational, yet part of the file: it must be the key named, exactly as the signer wrote it.
  if (embeddedKey !== canonicalPem(publicKey)) return fail(`the embedded public key is not key ${verifyingKeyId} as the signer wrote it (changed?)`);

  if (typeof value !== 'string') return fail('the signature value is not a string');
  const bytes = Buffer.from(value, 'base64');
  // Buffer.from skips what is not base64: re-encoding tells a well-formed value from a mangled one.
  if (bytes.length !== ED25519_SIGNATURE_BYTES || bytes.toString('base64') !== value) {
    return fail(`the signature value is not ${ED25519_SIGNATURE_BYTES} bytes of base64 (changed?)`);
  }

  let data: Buffer;
  try {
    data = manifestBytes(signed.manifest);
  } catch (error) {
    return fail((error as Error).message);
  }
  return verify(null, data, publicKey, bytes) ? { ok: true } : fail('the manifest does not match its signature');
}
