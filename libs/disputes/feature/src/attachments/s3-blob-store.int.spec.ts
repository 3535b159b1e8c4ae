/*
 * The BlobStore contract on S3BlobStore against a real S3-compatible server: MinIO in a container,
 * started with testcontainers' GenericContainer (`server /data`). Runs wherever a container engine
 * answers; where none does, every test is registered with describe.skip — Jest reports them as
 * skipped, never as passed — and the reason is printed (SKIPPED: …).
 *
 * Why GenericContainer and not @testcontainers/minio: its 11.x versions require testcontainers
 * ^11.7.2 or later, and this repository pins testcontainers 11.7.1 (12.x requires Node 22).
 *
 * The image is TICKETING_MINIO_IMAGE, default the one @testcontainers/minio starts. One container
 * and one bucket serve the whole file; each test gets an empty store through a key prefix of its own.
 */
import { createHash, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from '@jest/globals';
import { CreateBucketCommand, ListObjectsV2Command, PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { GenericContainer, Wait, type StartedTestContainer } from 'testcontainers';
import { describeWithContainerEngine } from '@ticketing/testing';
import { describeBlobStoreContract } from './blob-store.contract';
import { blobStoreSettingFrom, createBlobStore } from './blob-store.factory';
import { S3BlobStore } from './s3-blob-store';

const IMAGE = process.env['TICKETING_MINIO_IMAGE'] ?? 'minio/minio:RELEASE.2024-12-13T22-19-12Z';
const USER = 'ticketing-test';
const PASSWORD = 'ticketing-test-secret';
const BUCKET = 'ticketing-blobs';

describeWithContainerEngine(`S3BlobStore against MinIO (${IMAGE})`, () => {
  let container: StartedTestContainer | undefined;
  let endpoint = '';
  let client: S3Client | undefined;
  const s3 = (): S3Client => {
    if (client === undefined) throw new Error('MinIO did not start');
    return client;
  };

  beforeAll(async () => {
    container = await new GenericContainer(IMAGE)
      .withEnvironment({ MINIO_ROOT_USER: USER, MINIO_ROOT_PASSWORD: PASSWORD })
      .withCommand(['server', '/data'])
      .withExposedPorts(9000)
      .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000).forStatusCode(200))
      .withStartupTimeout(180_000)
      .start();
    endpoint = `http://${container.getHost()}:${container.getMappedPort(9000)}`;
    client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: USER, secretAccessKey: PASSWORD } });
    await client.send(new CreateBucketCommand({ Bucket: BUCKET }));
  }, 300_000);

  afterAll(async () => {
    client?.destroy();
    await container?.stop();
  });

  const objectsUnder = async (prefix: string): Promise<number> => {
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    return listed.KeyCount ?? 0;
  };

  describeBlobStoreContract('S3BlobStore (MinIO)', async () => {
    const prefix = `contract-${randomUUID()}/`;
    return { store: new S3BlobStore(s3(), { bucket: BUCKET, prefix }), objectCount: () => objectsUnder(prefix) };
  });

  it('keys objects <prefix>sha256/ab/cdef…', async () => {
    const prefix = `layout-${randomUUID()}/`;
    const bytes = Buffer.from('layout');
    const { sha256 } = await new S3BlobStore(s3(), { bucket: BUCKET, prefix }).put(bytes);
    const listed = await s3().send(new ListObjectsV2Command({ Bucket: BUCKET, Prefix: prefix }));
    expect(listed.Contents?.map((object) => object.Key)).toEqual([`${prefix}sha256/${sha256.slice(0, 2)}/${sha256.slice(2)}`]);
  });

  it('is what TICKETING_BLOB_STORE names, with credentials from the SDK chain (environment)', async () => {
    const saved = { id: process.env['AWS_ACCESS_KEY_ID'], secret: process.env['AWS_SECRET_ACCESS_KEY'] };
    process.env['AWS_ACCESS_KEY_ID'] = USER;
    process.env['AWS_SECRET_ACCESS_KEY'] = PASSWORD;
    try {
      const prefix = `configured-${randomUUID()}/`;
      const setting = blobStoreSettingFrom(`s3://${BUCKET}/${prefix}?endpoint=${encodeURIComponent(endpoint)}&forcePathStyle=true`);
      const store = createBlobStore(setting, '/nonexistent');
      const bytes = Buffer.from('configured');
      const { sha256 } = await store.put(bytes);
      expect(await store.get(sha256)).toEqual(bytes);
      expect(await objectsUnder(prefix)).toBe(1);
      (store as S3BlobStore).onModuleDestroy();
    } finally {
      for (const [name, value] of [['AWS_ACCESS_KEY_ID', saved.id], ['AWS_SECRET_ACCESS_KEY', saved.secret]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('the server refuses bytes that do not match their x-amz-checksum-sha256 (what put relies on)', async () => {
    const other = createHash('sha256').update('other bytes').digest('base64');
    await expect(
      s3().send(new PutObjectCommand({ Bucket: BUCKET, Key: `checksum-${randomUUID()}`, Body: Buffer.from('these bytes'), ChecksumSHA256: other })),
    ).rejects.toThrow();
  });

  it('names the bucket and key when the bucket does not exist', async () => {
    const store = new S3BlobStore(s3(), { bucket: 'no-such-bucket-here' });
    await expect(store.put(Buffer.from('x'))).rejects.toThrow(/s3:\/\/no-such-bucket-here\/sha256\/[0-9a-f]{2}\/[0-9a-f]{62}/);
  });
});
