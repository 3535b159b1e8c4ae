import { isAbsolute, join, normalize } from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
import { ConfigError, type ConfigProblem } from '@ticketing/platform';
import { FileBlobStore, type BlobStore } from './blob-store';
import { S3BlobStore, type S3Sender } from './s3-blob-store';

/** Where attachment bytes are stored. */
export const BLOB_STORE_VARIABLE = 'TICKETING_BLOB_STORE';

/** `TICKETING_BLOB_STORE`, parsed. */
export type BlobStoreSetting =
  /** Files under `root`; undefined: `<data dir>/blobs`. */
  | Readonly<{ kind: 'file'; root: string | undefined }>
  | Readonly<{
      kind: 's3';
      bucket: string;
      /** '' or ending in '/'. */
      prefix: string;
      /** Unset: the SDK's (AWS_REGION, the profile); with an endpoint, us-east-1. */
      region: string | undefined;
      /** An S3-compatible store's URL (MinIO…); unset: AWS S3. */
      endpoint: string | undefined;
      forcePathStyle: boolean;
    }>;

const ALLOWED =
  '"file:" (the default: <data dir>/blobs), "file:/absolute/folder", or "s3://bucket[/prefix][?region=REGION&endpoint=https://host:port&forcePathStyle=true]"' +
  ' (credentials come from the AWS SDK\'s default chain — AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, web identity (IRSA), the instance role — never from this variable)';

// https://docs.aws.amazon.com/AmazonS3/latest/userguide/bucketnamingrules.html (general purpose buckets)
const BUCKET = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;
const IP_ADDRESS = /^\d{1,3}(\.\d{1,3}){3}$/;
/** Key prefix characters S3 documents as safe, in segments separated by single slashes. */
const PREFIX = /^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/?$/;
/** AWS's (eu-central-1) and S3-compatible stores' (auto, garage) region names. */
const REGION = /^[a-z0-9](?:[a-z0-9-]{0,62}[a-z0-9])?$/;
const QUERY_KEYS = new Set(['region', 'endpoint', 'forcePathStyle']);

/**
 * Parses `TICKETING_BLOB_STORE`: unset, blank or `file:` → files under `<data dir>/blobs`;
 * `file:/absolute/folder` (or `file:///absolute/folder`) → files there; `s3://bucket[/prefix]` with
 * optional `region`, `endpoint` (http or https, no credentials) and `forcePathStyle` (true/false)
 * query parameters → an S3 bucket. A bad value is added to `problems` (named with what is allowed,
 * with anything that may be a secret masked) and the default answered.
 */
export function parseBlobStoreSetting(raw: string | undefined, problems: ConfigProblem[]): BlobStoreSetting {
  const fallback: BlobStoreSetting = { kind: 'file', root: undefined };
  if (raw === undefined || raw.trim() === '') return fallback;
  const value = raw.trim();
  const found = value.startsWith('file:') ? parseFile(value) : value.startsWith('s3://') ? parseS3(value) : { problem: 'a file: or s3:// location' };
  if ('problem' in found) {
    problems.push({ variable: BLOB_STORE_VARIABLE, value: redact(value), allowed: `${ALLOWED} (${found.problem})` });
    return fallback;
  }
  return found.setting;
}

/** Parses `TICKETING_BLOB_STORE` alone; throws a ConfigError naming the problem. */
export function blobStoreSettingFrom(raw: string | undefined): BlobStoreSetting {
  const problems: ConfigProblem[] = [];
  const setting = parseBlobStoreSetting(raw, problems);
  if (problems.length > 0) throw new ConfigError(problems);
  return setting;
}

/**
 * The BlobStore a setting names. An S3 bucket is reached with an `S3Client` whose credentials come
 * from the SDK's default provider chain; `client` replaces it (tests).
 */
export function createBlobStore(setting: BlobStoreSetting, dataDir: string, options: Readonly<{ client?: S3Sender }> = {}): BlobStore {
  if (setting.kind === 'file') return new FileBlobStore(setting.root ?? join(dataDir, 'blobs'));
  const client =
    options.client ??
    new S3Client({
      region: setting.region ?? (setting.endpoint !== undefined ? 'us-east-1' : undefined),
      ...(setting.endpoint !== undefined ? { endpoint: setting.endpoint } : {}),
      forcePathStyle: setting.forcePathStyle,
    });
  return new S3BlobStore(client, { bucket: setting.bucket, prefix: setting.prefix });
}

type Parsed = { setting: BlobStoreSetting } | { problem: string };

function parseFile(value: string): Parsed {
  let path = value.slice('file:'.length);
  if (path === '') return { setting: { kind: 'file', root: undefined } };
  if (path.startsWith('//')) {
    if (!path.startsWith('///')) return { problem: 'a file: location names no host: file:/folder or file:///folder' };
    path = path.slice(2);
  }
  if (!isAbsolute(path)) return { problem: `"${path}" is not an absolute path` };
  if (/[?#]/.test(path)) return { problem: 'a file: location takes no query or fragment' };
  return { setting: { kind: 'file', root: normalize(path) } };
}

function parseS3(value: string): Parsed {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return { problem: 'not a URL' };
  }
  if (url.username !== '' || url.password !== '') return { problem: 'credentials do not go in this variable' };
  if (url.port !== '') return { problem: 'an s3:// location has no port: give the store as endpoint=' };
  if (url.hash !== '') return { problem: 'no fragment' };
  const bucket = url.hostname;
  if (!BUCKET.test(bucket) || bucket.includes('..') || IP_ADDRESS.test(bucket)) {
    return { problem: `"${bucket}" is not a bucket name: 3 to 63 lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit` };
  }
  // The prefix as written: URL parsing would resolve "a/../b" to "b" and percent-encode what S3 keys should not hold.
  const written = value.slice('s3://'.length).split(/[?#]/)[0] ?? '';
  const prefix = written.includes('/') ? written.slice(written.indexOf('/') + 1) : '';
  if (prefix !== '' && (!PREFIX.test(prefix) || prefix.length > 512 || prefix.split('/').some((segment) => segment === '.' || segment === '..'))) {
    return { problem: `"${prefix}" is not a key prefix: segments of letters, digits and ! _ . * ' ( ) - separated by single slashes, at most 512 characters` };
  }
  const seen = new Set<string>();
  for (const key of url.searchParams.keys()) {
    if (!QUERY_KEYS.has(key)) return { problem: `unknown parameter "${key}": only region, endpoint and forcePathStyle` };
    if (seen.has(key)) return { problem: `${key} given twice` };
    seen.add(key);
  }
  const region = url.searchParams.get('region') ?? undefined;
  if (region !== undefined && !REGION.test(region)) return { problem: `region "${region}" is not a region name (eu-central-1; lowercase letters, digits and hyphens)` };
  const forcePathStyleValue = url.searchParams.get('forcePathStyle') ?? 'false';
  if (forcePathStyleValue !== 'true' && forcePathStyleValue !== 'false') return { problem: 'forcePathStyle is true or false' };
  const endpointValue = url.searchParams.get('endpoint') ?? undefined;
  let endpoint: string | undefined;
  if (endpointValue !== undefined) {
    let parsed: URL;
    try {
      parsed = new URL(endpointValue);
    } catch {
      return { problem: 'endpoint is not a URL' };
    }
    if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return { problem: 'endpoint is an http:// or https:// URL' };
    if (parsed.username !== '' || parsed.password !== '') return { problem: 'credentials do not go in this variable (endpoint)' };
    if (parsed.search !== '' || parsed.hash !== '') return { problem: 'endpoint takes no query or fragment (encode it: endpoint=https%3A%2F%2Fhost%3A9000)' };
    endpoint = parsed.pathname === '/' ? parsed.origin : `${parsed.origin}${parsed.pathname.replace(/\/$/, '')}`;
  }
  return {
    setting: {
      kind: 's3',
      bucket,
      prefix: prefix === '' || prefix.endsWith('/') ? prefix : `${prefix}/`,
      region,
      endpoint,
      forcePathStyle: forcePathStyleValue === 'true',
    },
  };
}

/** The value with user information and every query value but region and forcePathStyle masked: an error must not carry a secret. */
function redact(value: string): string {
  const masked = value.replace(/\/\/[^@/?#]*@/g, '//***@').replace(/(%2F%2F)[^/?#&]*?(%40)/gi, '$1***$2');
  const question = masked.indexOf('?');
  if (question < 0) return masked;
  const query = masked
    .slice(question + 1)
    .split('&')
    .map((pair) => {
      const [key = '', ...rest] = pair.split('=');
      if (rest.length === 0) return pair;
      return key === 'region' || key === 'forcePathStyle' || key === 'endpoint' ? pair : `${key}=***`;
    });
  return `${masked.slice(0, question)}?${query.join('&')}`;
}
