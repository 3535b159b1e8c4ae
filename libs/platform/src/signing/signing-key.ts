import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, sign, type KeyObject } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileOnce } from '../files/create-file-once';

/** The embedded default's signing key: `<dataDir>/signing-ed25519.pem`, a PKCS#8 PEM Ed25519 private key. */
export const SIGNING_KEY_FILE = 'signing-ed25519.pem';

/**
 * Signs evidence bundles and audit exports (Ed25519). The embedded default keeps the key in the data
 * folder (`loadOrCreateSigningKey`); production mounts one (`loadSigningKeyFile`, e.g. from a
 * Kubernetes Secret via `TICKETING_SIGNING_KEY_FILE`) or implements this port over a KMS, signing
 * with an Ed25519 key that never leaves it: `sign` is async for that reason.
 */
export interface BundleSigner {
  /** `ed25519:` + the first 32 hex characters of SHA-256 over the public key's SPKI DER (`keyIdOf`). */
  readonly keyId: string;
  /** The public key as SPKI PEM: what a verifier needs, and all it needs. */
  readonly publicKeyPem: string;
  /** The Ed25519 signature (64 bytes) of `data`. */
  sign(data: Buffer): Promise<Buffer>;
}

/** DI token for the BundleSigner port. */
export const BUNDLE_SIGNER = Symbol.for('ticketing.BundleSigner');

/** `ed25519:` + the first 32 hex characters of SHA-256 over the SPKI DER of the key (a private key counts as its public half). */
export function keyIdOf(publicKey: KeyObject): string {
  const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`Not an Ed25519 key: ${describeKey(key)}`);
  const der = key.export({ type: 'spki', format: 'der' });
  return `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 32)}`;
}

/**
 * The Ed25519 public key of a PEM: an SPKI public key, or a private key (PKCS#8), whose public half
 * is taken. Throws a clear Error for a malformed PEM or a key of another type.
 */
export function publicKeyFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch (error) {
    throw new Error(`Not a PEM public key: ${(error as Error).message}`);
  }
  if (key.asymmetricKeyType !== 'ed25519') throw new Error(`Not an Ed25519 public key: ${describeKey(key)}`);
  return key;
}

/** A signer over an Ed25519 private key held in this process. */
export function signerFromPrivateKey(privateKey: KeyObject): BundleSigner {
  if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
    throw new Error(`Not an Ed25519 private key: ${describeKey(privateKey)}`);
  }
  const publicKey = createPublicKey(privateKey);
  return Object.freeze({
    keyId: keyIdOf(publicKey),
    publicKeyPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    sign: async (data: Buffer) => sign(null, data, privateKey),
  });
}

/**
 * The embedded default's key: created in `<dataDir>/signing-ed25519.pem` (PKCS#8 PEM, mode 0600,
 * the folder 0700, both tightened if they exist) on first start, then reused, so bundles exported
 * before a restart still verify with the same public key. Safe when two processes start at once.
 * A file there that is not an Ed25519 private key is refused (never replaced: bundles may have been
 * signed with it).
 */
export async function loadOrCreateSigningKey(dataDir: string): Promise<BundleSigner> {
  const file = join(dataDir, SIGNING_KEY_FILE);
  // chmod as well: mkdir's mode is masked by the umask, and an existing folder keeps its own.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const existing = await readKeyFile(file);
  if (existing !== undefined) {
    await chmod(file, 0o600);
    return signerFromPrivateKey(parsePrivateKey(existing, file));
  }

  // Two starters at once: the first key linked into place wins, and both read it back.
  const { privateKey } = generateKeyPairSync('ed25519');
  await createFileOnce(file, privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
  await chmod(file, 0o600);
  const text = await readKeyFile(file);
  if (text === undefined) throw new Error(`Signing key ${file} vanished while starting`);
  return signerFromPrivateKey(parsePrivateKey(text, file));
}

/**
 * A mounted key (production: `TICKETING_SIGNING_KEY_FILE`, e.g. from a Kubernetes Secret): an
 * Ed25519 private key in PEM (PKCS#8). Never created or modified here.
 */
export async function loadSigningKeyFile(file: string): Promise<BundleSigner> {
  const text = await readKeyFile(file);
  if (text === undefined) throw new Error(`Signing key file ${file} does not exist`);
  return signerFromPrivateKey(parsePrivateKey(text, file));
}

async function readKeyFile(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    throw new Error(`Signing key file ${file} cannot be read (${code ?? (error as Error).message})`);
  }
}

function parsePrivateKey(text: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey({ key: text, format: 'pem' });
  } catch (error) {
    throw new Error(`Signing key file ${file} is not a PEM private key (${(error as Error).message}); an Ed25519 key in PKCS#8 PEM is expected`);
  }
  if (key.asymmetricKeyType !== 'ed25519') {
    throw new Error(`Signing key file ${file} holds ${describeKey(key)}; an Ed25519 key in PKCS#8 PEM is expected`);
  }
  return key;
}

function describeKey(key: KeyObject): string {
  return key.type === 'secret' ? 'a secret key' : `a ${key.type} ${key.asymmetricKeyType ?? 'unknown'} key`;
}
