import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { signManifest, verifyManifestSignature, type SignedManifest } from './signed-manifest';
import { keyIdOf, loadOrCreateSigningKey, loadSigningKeyFile, publicKeyFromPem, SIGNING_KEY_FILE, signerFromPrivateKey, type BundleSigner } from './signing-key';

const newSigner = (): BundleSigner => signerFromPrivateKey(generateKeyPairSync('ed25519').privateKey);

async function signatureVerifies(signer: BundleSigner, publicKeyPem: string): Promise<boolean> {
  const data = Buffer.from('evidence bundle manifest', 'utf8');
  return verify(null, data, publicKeyFromPem(publicKeyPem), await signer.sign(data));
}

describe('loadOrCreateSigningKey', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'signing-key-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('creates an Ed25519 PKCS#8 PEM key readable only by its owner, in a private data dir it creates', async () => {
    const dataDir = join(root, 'nested', 'data');
    const signer = await loadOrCreateSigningKey(dataDir);

    const file = join(dataDir, SIGNING_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect((await stat(dataDir)).mode & 0o777).toBe(0o700);
    expect(await readdir(dataDir)).toEqual([SIGNING_KEY_FILE]);
    const pem = await readFile(file, 'utf8');
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(createPrivateKey(pem).asymmetricKeyType).toBe('ed25519');

    expect(signer.keyId).toMatch(/^ed25519:[0-9a-f]{32}$/);
    expect(signer.keyId).toBe(keyIdOf(createPublicKey(pem)));
    expect(signer.publicKeyPem).toMatch(/^-----BEGIN PUBLIC KEY-----\n/);
    expect(await signatureVerifies(signer, signer.publicKeyPem)).toBe(true);
  });

  it('reuses the key on later starts, so bundles signed before a restart still verify', async () => {
    const first = await loadOrCreateSigningKey(root);
    const fileBefore = await readFile(join(root, SIGNING_KEY_FILE), 'utf8');

    const second = await loadOrCreateSigningKey(root);
    expect(second.keyId).toBe(first.keyId);
    expect(second.publicKeyPem).toBe(first.publicKeyPem);
    expect(await readFile(join(root, SIGNING_KEY_FILE), 'utf8')).toBe(fileBefore);
    expect(await signatureVerifies(second, first.publicKeyPem)).toBe(true);
  });

  it('tightens the modes of an existing key and folder', async () => {
    await loadOrCreateSigningKey(root);
    await chmod(join(root, SIGNING_KEY_FILE), 0o644);
    await chmod(root, 0o755);

    await loadOrCreateSigningKey(root);
    expect((await stat(join(root, SIGNING_KEY_FILE))).mode & 0o777).toBe(0o600);
    expect((await stat(root)).mode & 0o777).toBe(0o700);
  });

  it('gives concurrent starters one and the same key and leaves no drafts behind', async () => {
    const signers = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSigningKey(root)));
    expect(new Set(signers.map((signer) => signer.keyId)).size).toBe(1);
    expect(await readdir(root)).toEqual([SIGNING_KEY_FILE]);
  });

  it('refuses a file that is not a private key, naming it, and leaves it in place', async () => {
    const file = join(root, SIGNING_KEY_FILE);
    await writeFile(file, 'not a key\n', { mode: 0o600 });
    await expect(loadOrCreateSigningKey(root)).rejects.toThrow(`Signing key file ${file} is not a PEM private key`);
    expect(await readFile(file, 'utf8')).toBe('not a key\n');
  });

  it('refuses a private key of another type, naming it', async () => {
    const file = join(root, SIGNING_KEY_FILE);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ type: 'pkcs8', format: 'pem' });
    await writeFile(file, rsa, { mode: 0o600 });
    await expect(loadOrCreateSigningKey(root)).rejects.toThrow(`Signing key file ${file} holds a private rsa key; an Ed25519 key in PKCS#8 PEM is expected`);
  });
});

describe('loadSigningKeyFile (a mounted key)', () => {
  let root: string;

  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'signing-key-file-'));
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('signs with the mounted Ed25519 key, without touching the file', async () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const file = join(root, 'mounted', 'signing.pem');
    await mkdir(join(root, 'mounted'));
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o640 });

    const signer = await loadSigningKeyFile(file);
    expect(signer.keyId).toBe(keyIdOf(publicKey));
    expect(await signatureVerifies(signer, publicKey.export({ type: 'spki', format: 'pem' }).toString())).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o640);
  });

  it('says so when the file is missing, is garbage, or holds a public key', async () => {
    const missing = join(root, 'absent.pem');
    await expect(loadSigningKeyFile(missing)).rejects.toThrow(`Signing key file ${missing} does not exist`);

    const garbage = join(root, 'garbage.pem');
    await writeFile(garbage, '-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n');
    await expect(loadSigningKeyFile(garbage)).rejects.toThrow(`Signing key file ${garbage} is not a PEM private key`);

    const publicOnly = join(root, 'public.pem');
    await writeFile(publicOnly, generateKeyPairSync('ed25519').publicKey.export({ type: 'spki', format: 'pem' }));
    await expect(loadSigningKeyFile(publicOnly)).rejects.toThrow(`Signing key file ${publicOnly} is not a PEM private key`);
  });
});

describe('keyIdOf and publicKeyFromPem', () => {
  it('derives the key id from the SHA-256 of the SPKI DER, the same for the private and the public half', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const der = publicKey.export({ type: 'spki', format: 'der' });
    const expected = `ed25519:${createHash('sha256').update(der).digest('hex').slice(0, 32)}`;
    expect(keyIdOf(publicKey)).toBe(expected);
    expect(keyIdOf(privateKey)).toBe(expected);
    expect(keyIdOf(generateKeyPairSync('ed25519').publicKey)).not.toBe(expected);
  });

  it('reads an Ed25519 public key, or the public half of a private key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const fromPublic = publicKeyFromPem(publicKey.export({ type: 'spki', format: 'pem' }).toString());
    const fromPrivate = publicKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString());
    expect(fromPublic.type).toBe('public');
    expect(fromPrivate.type).toBe('public');
    expect(keyIdOf(fromPublic)).toBe(keyIdOf(publicKey));
    expect(keyIdOf(fromPrivate)).toBe(keyIdOf(publicKey));
  });

  it('refuses a malformed PEM and a key of another type with a clear message', () => {
    expect(() => publicKeyFromPem('hello')).toThrow(/^Not a PEM public key: /);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey.export({ type: 'spki', format: 'pem' }).toString();
    expect(() => publicKeyFromPem(rsa)).toThrow('Not an Ed25519 public key: a public rsa key');
    expect(() => keyIdOf(createPublicKey(rsa))).toThrow('Not an Ed25519 key: a public rsa key');
  });
});

describe('signManifest / verifyManifestSignature', () => {
  type Manifest = Readonly<{ format: string; ticketId: string; items: readonly { id: string; hash: string }[] }>;
  const manifest: Manifest = { format: 'ticketing.test/v1', ticketId: 't-1', items: [{ id: 'é-1', hash: 'a'.repeat(64) }] };

  it('signs the canonical JSON, so a JSON round trip and another key order still verify', async () => {
    const signer = newSigner();
    const signed = await signManifest(manifest, signer);
    const publicKey = publicKeyFromPem(signer.publicKeyPem);

    expect(signed.manifest).toBe(manifest);
    expect(signed.signature).toEqual({ algorithm: 'Ed25519', keyId: signer.keyId, publicKey: signer.publicKeyPem, value: expect.any(String) });
    expect(Buffer.from(signed.signature.value, 'base64')).toHaveLength(64);
    expect(verifyManifestSignature(signed, publicKey)).toEqual({ ok: true });

    const roundTripped = JSON.parse(JSON.stringify(signed, null, 2)) as SignedManifest<Manifest>;
    expect(verifyManifestSignature(roundTripped, publicKey)).toEqual({ ok: true });
    const reordered = { signature: signed.signature, manifest: { items: manifest.items, ticketId: 't-1', format: manifest.format } };
    expect(verifyManifestSignature(reordered, publicKey)).toEqual({ ok: true });
  });

  it('refuses to hand out a signature that would not verify (a misconfigured KMS signer)', async () => {
    const genuine = newSigner();
    const other = newSigner();
    await expect(signManifest(manifest, { ...genuine, publicKeyPem: other.publicKeyPem })).rejects.toThrow(`Signer ${genuine.keyId} reports the public key of ${other.keyId}`);
    await expect(signManifest(manifest, { ...genuine, sign: other.sign })).rejects.toThrow(
      `Signer ${genuine.keyId} produced a signature that does not verify: the manifest does not match its signature`,
    );
    // A PEM with other line endings is the same key: written in the canonical form.
    const crlf = await signManifest(manifest, { ...genuine, publicKeyPem: genuine.publicKeyPem.replace(/\n/g, '\r\n') });
    expect(crlf.signature.publicKey).toBe(genuine.publicKeyPem);
  });

  it('says the manifest does not match its signature when it was edited', async () => {
    const signer = newSigner();
    const signed = await signManifest(manifest, signer);
    const edited = { ...signed, manifest: { ...manifest, items: [{ id: 'é-1', hash: 'b'.repeat(64) }] } };
    expect(verifyManifestSignature(edited, publicKeyFromPem(signer.publicKeyPem))).toEqual({ ok: false, problem: 'the manifest does not match its signature' });
  });

  it('names both key ids when the manifest was signed with another key', async () => {
    const original = newSigner();
    const other = newSigner();
    const resigned = await signManifest(manifest, other);
    expect(verifyManifestSignature(resigned, publicKeyFromPem(original.publicKeyPem))).toEqual({
      ok: false,
      problem: `signed with key ${other.keyId}, verifying with key ${original.keyId}: re-signed with another key?`,
    });
  });

  it('catches a re-signature that kept the original key id and public key', async () => {
    const original = newSigner();
    const forged = await signManifest(manifest, newSigner());
    const claimed = { ...forged, signature: { ...forged.signature, keyId: original.keyId, publicKey: original.publicKeyPem } };
    expect(verifyManifestSignature(claimed, publicKeyFromPem(original.publicKeyPem))).toEqual({ ok: false, problem: 'the manifest does not match its signature' });
  });

  it('reports a malformed signature as a problem, never an exception', async () => {
    const signer = newSigner();
    const publicKey = publicKeyFromPem(signer.publicKeyPem);
    const signed = await signManifest(manifest, signer);
    const withSignature = (signature: unknown) => ({ manifest, signature }) as unknown as SignedManifest<unknown>;

    expect(verifyManifestSignature(withSignature(undefined), publicKey)).toEqual({ ok: false, problem: 'the manifest has no signature' });
    expect(verifyManifestSignature(withSignature({ ...signed.signature, algorithm: 'RS256' }), publicKey)).toEqual({
      ok: false,
      problem: 'unsupported signature algorithm "RS256"; expected "Ed25519"',
    });
    const value = signed.signature.value;
    const flipped = (value[0] === 'A' ? 'B' : 'A') + value.slice(1);
    expect(verifyManifestSignature(withSignature({ ...signed.signature, value: flipped }), publicKey)).toEqual({
      ok: false,
      problem: 'the manifest does not match its signature',
    });
    // 64 bytes leave 4 unused bits in the last base64 character: flipping one decodes to the same bytes.
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';
    const sameBytes = value.slice(0, 85) + alphabet[alphabet.indexOf(value[85]) ^ 1] + value.slice(86);
    expect(Buffer.from(sameBytes, 'base64').equals(Buffer.from(value, 'base64'))).toBe(true);
    expect(verifyManifestSignature(withSignature({ ...signed.signature, value: sameBytes }), publicKey)).toEqual({
      ok: false,
      problem: 'the signature value is not 64 bytes of base64 (changed?)',
    });
    expect(verifyManifestSignature(withSignature({ ...signed.signature, value: value.slice(0, 40) }), publicKey)).toEqual({
      ok: false,
      problem: 'the signature value is not 64 bytes of base64 (changed?)',
    });
    expect(verifyManifestSignature(withSignature({ ...signed.signature, value: 42 }), publicKey)).toEqual({ ok: false, problem: 'the signature value is not a string' });
    expect(verifyManifestSignature(withSignature({ ...signed.signature, publicKey: newSigner().publicKeyPem }), publicKey)).toEqual({
      ok: false,
      problem: `the embedded public key is not key ${signer.keyId} as the signer wrote it (changed?)`,
    });
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 }).publicKey;
    expect(verifyManifestSignature(signed, rsa)).toEqual({ ok: false, problem: 'cannot verify with the key given: Not an Ed25519 key: a public rsa key' });
  });
});
