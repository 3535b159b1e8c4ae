import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { GetObjectCommand, HeadObjectCommand, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { ConfigError, type ConfigProblem } from '@ticketing/platform';
import { BLOB_STORE, FileBlobStore } from './blob-store';
import { BLOB_STORE_VARIABLE, blobStoreSettingFrom, createBlobStore, parseBlobStoreSetting } from './blob-store.factory';
import { S3BlobStore, type S3BlobCommand, type S3Sender } from './s3-blob-store';
import { DisputesModule } from '../disputes.module';
import { disputesSettingsFromEnv } from '../disputes.settings';

const sha256Of = (bytes: Buffer) => createHash('sha256').update(bytes).digest('hex');
const keyOf = (prefix: string, sha256: string) => `${prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;

describe('TICKETING_BLOB_STORE', () => {
  const problemsOf = (raw: string) => {
    const problems: ConfigProblem[] = [];
    const setting = parseBlobStoreSetting(raw, problems);
    return { setting, problems };
  };

  it('is files under <data dir>/blobs when unset, blank or file:', () => {
    for (const raw of [undefined, '', '  ', 'file:']) expect(blobStoreSettingFrom(raw)).toEqual({ kind: 'file', root: undefined });
    const store = createBlobStore(blobStoreSettingFrom(undefined), '/var/lib/ticketing');
    expect(store).toBeInstanceOf(FileBlobStore);
    expect((store as unknown as { root: string }).root).toBe(join('/var/lib/ticketing', 'blobs'));
  });

  it('is files under an absolute folder given as file:/folder or file:///folder', () => {
    expect(blobStoreSettingFrom('file:/srv/blobs')).toEqual({ kind: 'file', root: '/srv/blobs' });
    expect(blobStoreSettingFrom('file:///srv//blobs')).toEqual({ kind: 'file', root: '/srv/blobs' });
    const store = createBlobStore(blobStoreSettingFrom('file:/srv/blobs'), '/var/lib/ticketing');
    expect((store as unknown as { root: string }).root).toBe('/srv/blobs');
  });

  it('is an S3 bucket, with a prefix and the region, endpoint and path style it is given', () => {
    expect(blobStoreSettingFrom('s3://ticketing-evidence')).toEqual({ kind: 's3', bucket: 'ticketing-evidence', prefix: '', region: undefined, endpoint: undefined, forcePathStyle: false });
    expect(blobStoreSettingFrom('s3://ticketing-evidence/')).toMatchObject({ prefix: '' });
    expect(blobStoreSettingFrom('s3://ticketing-evidence/prod/attachments')).toMatchObject({ prefix: 'prod/attachments/' });
    expect(blobStoreSettingFrom('s3://ticketing-evidence/prod/?region=eu-central-1')).toMatchObject({ prefix: 'prod/', region: 'eu-central-1' });
    expect(blobStoreSettingFrom('s3://blobs?region=auto&endpoint=https://minio.example:9000&forcePathStyle=true')).toEqual({
      kind: 's3',
      bucket: 'blobs',
      prefix: '',
      region: 'auto',
      endpoint: 'https://minio.example:9000',
      forcePathStyle: true,
    });
    expect(blobStoreSettingFrom(`s3://blobs?endpoint=${encodeURIComponent('http://127.0.0.1:9000/')}`)).toMatchObject({ endpoint: 'http://127.0.0.1:9000', forcePathStyle: false });
  });

  it('builds an S3BlobStore over an S3Client configured from the setting (credentials left to the SDK chain)', async () => {
    const store = createBlobStore(blobStoreSettingFrom('s3://blobs/p?endpoint=https://minio.example:9000&forcePathStyle=true'), '/data');
    expect(store).toBeInstanceOf(S3BlobStore);
    const client = (store as unknown as { client: S3Client }).client;
    expect(client).toBeInstanceOf(S3Client);
    expect(await client.config.region()).toBe('us-east-1');
    expect(client.config.forcePathStyle).toBe(true);
    const endpoint = await client.config.endpoint?.();
    expect(endpoint).toMatchObject({ hostname: 'minio.example', port: 9000, protocol: 'https:' });
    expect((store as S3BlobStore).keyOf('ab'.repeat(32))).toBe(`p/sha256/ab/${'ab'.repeat(31)}`);
    client.destroy();
    const aws = createBlobStore(blobStoreSettingFrom('s3://blobs?region=eu-west-3'), '/data') as unknown as { client: S3Client };
    expect(await aws.client.config.region()).toBe('eu-west-3');
    expect(aws.client.config.forcePathStyle).toBe(false);
    aws.client.destroy();
  });

  it.each([
    ['http://blobs', 'a file: or s3:// location'],
    ['blobs', 'a file: or s3:// location'],
    ['S3://blobs', 'a file: or s3:// location'],
    ['file:relative/folder', 'not an absolute path'],
    ['file://host/folder', 'names no host'],
    ['file:/srv/blobs?x=1', 'no query'],
    ['s3://', 'bucket name'],
    ['s3://Blobs', 'bucket name'],
    ['s3://bl_obs', 'bucket name'],
    ['s3://ab', 'bucket name'],
    ['s3://192.168.1.1', 'bucket name'],
    ['s3://blobs:9000', 'no port'],
    ['s3://blobs/a//b', 'not a key prefix'],
    ['s3://blobs/a/../b', 'not a key prefix'],
    ['s3://blobs/a b', 'not a key prefix'],
    ['s3://blobs#x', 'no fragment'],
    ['s3://blobs?region=EU', 'not a region name'],
    ['s3://blobs?region=eu-west-1&region=eu-west-2', 'given twice'],
    ['s3://blobs?forcePathStyle=yes', 'true or false'],
    ['s3://blobs?endpoint=minio:9000', 'http:// or https://'],
    ['s3://blobs?endpoint=ftp://minio.example', 'http:// or https://'],
    ['s3://blobs?endpoint=not a url', 'not a URL'],
    ['s3://blobs?acl=public-read', 'unknown parameter "acl"'],
  ])('refuses %s, naming the variable, what is allowed and why', (raw, why) => {
    const { setting, problems } = problemsOf(raw);
    expect(setting).toEqual({ kind: 'file', root: undefined });
    expect(problems).toHaveLength(1);
    expect(problems[0]?.variable).toBe(BLOB_STORE_VARIABLE);
    expect(problems[0]?.allowed).toContain('s3://bucket[/prefix]');
    expect(problems[0]?.allowed).toContain(why);
    expect(() => blobStoreSettingFrom(raw)).toThrow(ConfigError);
    expect(() => blobStoreSettingFrom(raw)).toThrow(/TICKETING_BLOB_STORE=/);
  });

  it('refuses credentials in the variable and never repeats them', () => {
    const secrets = ['AKIAEXAMPLE', 'wJalrXUtnFEMIK7MDENG'];
    for (const raw of [
      `s3://${secrets[0]}:${secrets[1]}@blobs`,
      `s3://blobs?endpoint=https://${secrets[0]}:${secrets[1]}@minio.example`,
      `s3://blobs?endpoint=${encodeURIComponent(`https://${secrets[0]}:${secrets[1]}@minio.example`)}`,
      `s3://blobs?accessKeyId=${secrets[0]}&secretAccessKey=${secrets[1]}`,
    ]) {
      const { problems } = problemsOf(raw);
      expect(problems).toHaveLength(1);
      let message = '';
      try {
        blobStoreSettingFrom(raw);
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain('TICKETING_BLOB_STORE');
      for (const secret of secrets) {
        expect(message).not.toContain(secret);
        expect(JSON.stringify(problems)).not.toContain(secret);
      }
    }
  });

  it('is a disputes setting: a bad value is named at start-up with the other disputes problems', () => {
    expect(disputesSettingsFromEnv({}).blobStore).toEqual({ kind: 'file', root: undefined });
    expect(disputesSettingsFromEnv({ TICKETING_BLOB_STORE: 's3://evidence/prod' }).blobStore).toMatchObject({ kind: 's3', bucket: 'evidence', prefix: 'prod/' });
    let error: unknown;
    try {
      disputesSettingsFromEnv({ TICKETING_BLOB_STORE: 'gs://evidence', TICKETING_DISPUTES_MAX_ROUNDS: '0' });
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems.map((problem) => problem.variable).sort()).toEqual(['TICKETING_BLOB_STORE', 'TICKETING_DISPUTES_MAX_ROUNDS']);
  });
});

describe('DisputesModule BLOB_STORE', () => {
  type FactoryProvider = { provide: unknown; useFactory: (...args: unknown[]) => unknown; inject: unknown[] };
  const provider = () => (Reflect.getMetadata('providers', DisputesModule) as FactoryProvider[]).find((candidate) => candidate.provide === BLOB_STORE);

  it('is built from the TICKETING_BLOB_STORE setting', () => {
    const blobStore = provider();
    expect(blobStore?.inject).toHaveLength(2);
    const config = { dataDir: '/var/lib/ticketing' };
    const files = blobStore?.useFactory(config, disputesSettingsFromEnv({})) as unknown as { root: string };
    expect(files).toBeInstanceOf(FileBlobStore);
    expect(files.root).toBe(join('/var/lib/ticketing', 'blobs'));
    const elsewhere = blobStore?.useFactory(config, disputesSettingsFromEnv({ TICKETING_BLOB_STORE: 'file:/srv/blobs' })) as unknown as { root: string };
    expect(elsewhere.root).toBe('/srv/blobs');
    const bucket = blobStore?.useFactory(config, disputesSettingsFromEnv({ TICKETING_BLOB_STORE: 's3://evidence/prod?region=eu-central-1' }));
    expect(bucket).toBeInstanceOf(S3BlobStore);
    expect((bucket as S3BlobStore).keyOf('ab'.repeat(32))).toBe(`prod/sha256/ab/${'ab'.repeat(31)}`);
    (bucket as S3BlobStore).onModuleDestroy();
  });
});

/** An S3 error as the SDK throws it: a name and the HTTP status in $metadata. */
function s3Error(name: string, status: number, message = name): Error {
  return Object.assign(new Error(message), { name, $metadata: { httpStatusCode: status } });
}

type Sent = Readonly<{ command: string; input: Record<string, unknown> }>;

/** A stub S3: one bucket in memory; records every command; conditional puts answer 412 on an existing key. */
class StubS3 implements S3Sender {
  readonly sent: Sent[] = [];
  readonly objects = new Map<string, Buffer>();
  /** Answers the next command of this name with this error instead. */
  readonly failNext = new Map<string, Error>();
  conditionalWritesSupported = true;
  destroyed = false;

  constructor(private readonly bucket = 'evidence') {}

  async send(command: S3BlobCommand): Promise<unknown> {
    const name = command.constructor.name;
    const input = { ...command.input } as Record<string, unknown>;
    this.sent.push({ command: name, input });
    const failure = this.failNext.get(name);
    if (failure) {
      this.failNext.delete(name);
      throw failure;
    }
    if (input['Bucket'] !== this.bucket) throw s3Error('NoSuchBucket', 404, 'The specified bucket does not exist');
    const key = String(input['Key']);
    if (command instanceof HeadObjectCommand) {
      const object = this.objects.get(key);
      if (!object) throw s3Error('NotFound', 404, 'UnknownError');
      return { ContentLength: object.length };
    }
    if (command instanceof GetObjectCommand) {
      const object = this.objects.get(key);
      if (!object) throw s3Error('NoSuchKey', 404, 'The specified key does not exist.');
      return { Body: { transformToByteArray: async () => new Uint8Array(object) } };
    }
    if (command instanceof PutObjectCommand) {
      if (input['IfNoneMatch'] !== undefined && !this.conditionalWritesSupported) throw s3Error('NotImplemented', 501, 'A header you provided implies functionality that is not implemented');
      if (input['IfNoneMatch'] === '*' && this.objects.has(key)) throw s3Error('PreconditionFailed', 412, 'At least one of the pre-conditions you specified did not hold');
      const body = input['Body'] as Buffer;
      if (input['ChecksumSHA256'] !== createHash('sha256').update(body).digest('base64')) throw s3Error('BadDigest', 400, 'The SHA256 you specified did not match the calculated checksum.');
      this.objects.set(key, Buffer.from(body));
      return {};
    }
    throw new Error(`unexpected command ${name}`);
  }

  destroy(): void {
    this.destroyed = true;
  }
}

describe('S3BlobStore (against a stub S3Client)', () => {
  const bytes = Buffer.from('screenshot of the liquidation');
  const sha256 = sha256Of(bytes);
  const digest64 = createHash('sha256').update(bytes).digest('base64');

  it('puts new bytes once, keyed <prefix>sha256/ab/cdef…, with their SHA-256 checksum and If-None-Match: *', async () => {
    const s3 = new StubS3();
    const store = new S3BlobStore(s3, { bucket: 'evidence', prefix: 'prod' });
    expect(await store.put(bytes)).toEqual({ sha256, size: bytes.length });
    const key = keyOf('prod/', sha256);
    expect(s3.sent.map((sent) => sent.command)).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
    expect(s3.sent[0]?.input).toEqual({ Bucket: 'evidence', Key: key });
    expect(s3.sent[1]?.input).toMatchObject({ Bucket: 'evidence', Key: key, Body: bytes, ContentLength: bytes.length, ChecksumSHA256: digest64, IfNoneMatch: '*' });
    expect(s3.objects.get(key)).toEqual(bytes);
  });

  it('skips the upload when an object of that key and size exists', async () => {
    const s3 = new StubS3();
    const store = new S3BlobStore(s3, { bucket: 'evidence' });
    await store.put(bytes);
    s3.sent.length = 0;
    expect(await store.put(Buffer.from(bytes))).toEqual({ sha256, size: bytes.length });
    expect(s3.sent.map((sent) => sent.command)).toEqual(['HeadObjectCommand']);
  });

  it('takes 412 on the conditional put as already stored (a concurrent writer won)', async () => {
    const s3 = new StubS3();
    const store = new S3BlobStore(s3, { bucket: 'evidence' });
    s3.failNext.set('HeadObjectCommand', s3Error('NotFound', 404));
    s3.objects.set(keyOf('', sha256), Buffer.from(bytes)); // written between our HEAD and our PUT
    expect(await store.put(bytes)).toEqual({ sha256, size: bytes.length });
    expect(s3.sent.map((sent) => sent.command)).toEqual(['HeadObjectCommand', 'PutObjectCommand']);
  });

  it('looks again after 409 (another conditional put of the key in flight)', async () => {
    const s3 = new StubS3();
    const store = new S3BlobStore(s3, { bucket: 'evidence' });
    s3.failNext.set('PutObjectCommand', s3Error('ConditionalRequestConflict', 409));
    expect(await store.put(bytes)).toEqual({ sha256, size: bytes.length });
    expect(s3.sent.map((sent) => sent.command)).toEqual(['HeadObjectCommand', 'PutObjectCommand', 'HeadObjectCommand', 'PutObjectCommand']);
    expect(s3.objects.get(keyOf('', sha256))).toEqual(bytes);
  });

  it('puts without If-None-Match on a store that does not implement conditional writes (501), from then on', async () => {
    const s3 = new StubS3();
    s3.conditionalWritesSupported = false;
    const store = new S3BlobStore(s3, { bucket: 'evidence' });
    await store.put(bytes);
    await store.put(Buffer.from('more'));
    const puts = s3.sent.filter((sent) => sent.command === 'PutObjectCommand').map((sent) => sent.input['IfNoneMatch']);
    expect(puts).toEqual(['*', undefined, undefined]);
    expect(s3.objects.size).toBe(2);
  });

  it('replaces an object of another size under the hash (written around the store) with the bytes the hash names', async () => {
    const s3 = new StubS3();
    s3.objects.set(keyOf('', sha256), Buffer.from('truncated'));
    const store = new S3BlobStore(s3, { bucket: 'evidence' });
    await store.put(bytes);
    const put = s3.sent.find((sent) => sent.command === 'PutObjectCommand');
    expect(put?.input['IfNoneMatch']).toBeUndefined();
    expect(put?.input['ChecksumSHA256']).toBe(digest64);
    expect(s3.objects.get(keyOf('', sha256))).toEqual(bytes);
  });

  it('answers sizeOf from HeadObject, and undefined on 404 or a malformed hash (sending nothing)', async () => {
    const s3 = new StubS3();
    const store = new S3BlobStore(s3, { bucket: 'evidence' });
    await store.put(bytes);
    expect(await store.sizeOf(sha256)).toBe(bytes.length);
    expect(await store.sizeOf(sha256Of(Buffer.from('unknown')))).toBeUndefined();
    s3.sent.length = 0;
    for (const malformed of ['', 'abc', sha256.toUpperCase(), `../${sha256.slice(3)}`]) {
      expect(await store.sizeOf(malformed)).toBeUndefined();
      expect(await store.get(malformed)).toBeUndefined();
    }
    expect(s3.sent).toEqual([]);
  });

  it('answers get from GetObject, undefined on NoSuchKey, and refuses bytes whose hash is not their name', async () => {
    const s3 = new StubS3();
    const store = new S3BlobStore(s3, { bucket: 'evidence' });
    await store.put(bytes);
    expect(await store.get(sha256)).toEqual(bytes);
    expect(s3.sent.at(-1)).toEqual({ command: 'GetObjectCommand', input: { Bucket: 'evidence', Key: keyOf('', sha256) } });
    expect(await store.get(sha256Of(Buffer.from('unknown')))).toBeUndefined();
    s3.objects.set(keyOf('', sha256), Buffer.from('tampered bytes'));
    await expect(store.get(sha256)).rejects.toThrow(/s3:\/\/evidence\/sha256\/.* is not the bytes stored/);
  });

  it('wraps other errors with the operation, bucket and key', async () => {
    const s3 = new StubS3();
    const store = new S3BlobStore(s3, { bucket: 'evidence', prefix: 'p/' });
    const key = keyOf('p/', sha256);
    s3.failNext.set('HeadObjectCommand', s3Error('Forbidden', 403, 'UnknownError'));
    await expect(store.sizeOf(sha256)).rejects.toThrow(`S3BlobStore: HeadObject s3://evidence/${key} failed (Forbidden, HTTP 403): UnknownError — without s3:ListBucket`);
    s3.failNext.set('PutObjectCommand', s3Error('AccessDenied', 403, 'Access Denied'));
    await expect(store.put(bytes)).rejects.toThrow(`S3BlobStore: PutObject s3://evidence/${key} failed (AccessDenied, HTTP 403): Access Denied`);
    s3.failNext.set('PutObjectCommand', s3Error('BadDigest', 400, 'The SHA256 you specified did not match'));
    await expect(store.put(bytes)).rejects.toThrow(/PutObject .* \(BadDigest, HTTP 400\)/);
    s3.failNext.set('GetObjectCommand', s3Error('InternalError', 500, 'We encountered an internal error'));
    await expect(store.get(sha256)).rejects.toThrow(`S3BlobStore: GetObject s3://evidence/${key} failed (InternalError, HTTP 500)`);
    s3.failNext.set('GetObjectCommand', new Error('socket hang up'));
    const failure = await store.get(sha256).catch((error: unknown) => error as Error);
    expect(failure).toBeInstanceOf(Error);
    expect((failure as Error).message).toBe(`S3BlobStore: GetObject s3://evidence/${key} failed: socket hang up`);
    expect((failure as Error).cause).toBeInstanceOf(Error);
    await expect(new S3BlobStore(s3, { bucket: 'other' }).put(bytes)).rejects.toThrow(/PutObject s3:\/\/other\/sha256\/.* \(NoSuchBucket, HTTP 404\)/);
  });

  it('closes the client when the module stops', () => {
    const s3 = new StubS3();
    new S3BlobStore(s3, { bucket: 'evidence' }).onModuleDestroy();
    expect(s3.destroyed).toBe(true);
  });
});
