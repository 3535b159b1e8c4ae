import { createHash } from 'node:crypto';
import {
  GetObjectCommand,
  HeadObjectCommand,
  PutObjectCommand,
  type GetObjectCommandOutput,
  type HeadObjectCommandOutput,
} from '@aws-sdk/client-s3';
import type { BlobStore } from './blob-store';

/** The commands S3BlobStore sends. */
export type S3BlobCommand = HeadObjectCommand | PutObjectCommand | GetObjectCommand;

/**
 * What S3BlobStore needs of a client: an `S3Client` (`@aws-sdk/client-s3`), or in a test an object
 * whose `send` records the commands and answers like S3.
 */
export type S3Sender = Readonly<{ send(command: S3BlobCommand): Promise<unknown>; destroy?: () => void }>;

export type S3BlobStoreOptions = Readonly<{
  bucket: string;
  /** Put before `sha256/ab/cdef…` in every key; '' or ending in '/'. */
  prefix?: string;
}>;

const SHA256_HEX = /^[0-9a-f]{64}$/;
/** How often a conditional put is tried again while S3 answers 409 (another conditional put of the key in flight). */
const CONFLICT_ATTEMPTS = 5;

/**
 * Content-addressed objects under `<prefix>sha256/ab/cdef…` in an S3 bucket (AWS S3, or an
 * S3-compatible store: MinIO, Ceph RGW, R2…). `put` hashes the bytes itself, skips the upload when an
 * object of that key and size exists, and uploads with `x-amz-checksum-sha256` (the store refuses
 * bytes that do not match it) and `If-None-Match: *` (a concurrent writer's object is kept: 412 means
 * already there). A store that does not support conditional writes (501) gets plain puts from then on,
 * which is safe here: the same key always holds the same bytes. `get` checks the SHA-256 of what it
 * read. Errors name the operation, bucket and key, never credentials (the client has them from the
 * SDK's default provider chain).
 */
export class S3BlobStore implements BlobStore {
  private readonly bucket: string;
  private readonly prefix: string;
  private conditionalWrites = true;

  constructor(
    private readonly client: S3Sender,
    options: S3BlobStoreOptions,
  ) {
    this.bucket = options.bucket;
    const prefix = options.prefix ?? '';
    this.prefix = prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`;
  }

  async put(bytes: Buffer): Promise<Readonly<{ sha256: string; size: number }>> {
    const digest = createHash('sha256').update(bytes).digest();
    const sha256 = digest.toString('hex');
    const answer = { sha256, size: bytes.length };
    const stored = await this.sizeOf(sha256);
    if (stored === bytes.length) return answer;
    // An object of another size under this hash is not these bytes (written around this store):
    // replace it, unconditionally, with the bytes the hash names.
    const replace = stored !== undefined;
    const key = this.keyOf(sha256);
    for (let attempt = 1; ; attempt++) {
      const conditional = this.conditionalWrites && !replace;
      try {
        await this.client.send(
          new PutObjectCommand({
            Bucket: this.bucket,
            Key: key,
            Body: bytes,
            ContentLength: bytes.length,
            ContentType: 'application/octet-stream',
            ChecksumSHA256: digest.toString('base64'),
            ...(conditional ? { IfNoneMatch: '*' } : {}),
          }),
        );
        return answer;
      } catch (error) {
        const { name, status } = describe(error);
        // If-None-Match: * refused: an object of this key exists, the bytes of this hash.
        if (conditional && (status === 412 || name === 'PreconditionFailed')) return answer;
        // Another conditional put of this key is in flight: it ends with these bytes or fails; look again.
        if (conditional && (status === 409 || name === 'ConditionalRequestConflict') && attempt < CONFLICT_ATTEMPTS) {
          await sleep(50 * attempt);
          if ((await this.sizeOf(sha256)) === bytes.length) return answer;
          continue;
        }
        if (conditional && (status === 501 || name === 'NotImplemented')) {
          this.conditionalWrites = false;
          continue;
        }
        throw this.failure('PutObject', key, error);
      }
    }
  }

  async sizeOf(sha256: string): Promise<number | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const key = this.keyOf(sha256);
    let head: HeadObjectCommandOutput;
    try {
      head = (await this.client.send(new HeadObjectCommand({ Bucket: this.bucket, Key: key }))) as HeadObjectCommandOutput;
    } catch (error) {
      const { name, status } = describe(error);
      if (status === 404 || name === 'NotFound' || name === 'NoSuchKey') return undefined;
      throw this.failure('HeadObject', key, error, status === 403 ? 'without s3:ListBucket on the bucket S3 answers 403 for a missing object: grant it' : undefined);
    }
    if (typeof head.ContentLength !== 'number') throw new Error(`S3BlobStore: HeadObject s3://${this.bucket}/${key} answered no Content-Length`);
    return head.ContentLength;
  }

  async get(sha256: string): Promise<Buffer | undefined> {
    if (!SHA256_HEX.test(sha256)) return undefined;
    const key = this.keyOf(sha256);
    let bytes: Buffer;
    try {
      const object = (await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }))) as GetObjectCommandOutput;
      if (object.Body === undefined) throw new Error('the answer has no body');
      bytes = Buffer.from(await object.Body.transformToByteArray());
    } catch (error) {
      const { name, status } = describe(error);
      if (status === 404 || name === 'NoSuchKey' || name === 'NotFound') return undefined;
      throw this.failure('GetObject', key, error);
    }
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== sha256) throw new Error(`S3BlobStore: s3://${this.bucket}/${key} holds ${bytes.length} bytes whose SHA-256 is ${actual}, not the one of its name: the stored object is not the bytes stored`);
    return bytes;
  }

  /** Closes the client's connections (Nest calls it when the module stops). */
  onModuleDestroy(): void {
    this.client.destroy?.();
  }

  /** The object key of a hash: `<prefix>sha256/ab/cdef…`. */
  keyOf(sha256: string): string {
    return `${this.prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`;
  }

  private failure(operation: string, key: string, error: unknown, hint?: string): Error {
    const { name, status, message } = describe(error);
    const detail = [name, status === undefined ? undefined : `HTTP ${status}`].filter(Boolean).join(', ');
    return new Error(`S3BlobStore: ${operation} s3://${this.bucket}/${key} failed${detail ? ` (${detail})` : ''}: ${message}${hint ? ` — ${hint}` : ''}`, { cause: error });
  }
}

/** The error's name, HTTP status (S3 errors carry `$metadata.httpStatusCode`) and message, cut short. */
function describe(error: unknown): Readonly<{ name: string | undefined; status: number | undefined; message: string }> {
  if (typeof error !== 'object' || error === null) return { name: undefined, status: undefined, message: String(error).slice(0, 300) };
  const { name, message, $metadata } = error as { name?: unknown; message?: unknown; $metadata?: { httpStatusCode?: unknown } };
  const status = typeof $metadata?.httpStatusCode === 'number' ? $metadata.httpStatusCode : undefined;
  return {
    name: typeof name === 'string' && name !== 'Error' ? name : undefined,
    status,
    message: (typeof message === 'string' && message !== '' ? message : 'no message').slice(0, 300),
  };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
