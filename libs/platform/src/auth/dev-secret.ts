import { randomBytes } from 'node:crypto';
import { chmod, mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createFileOnce } from '../files/create-file-once';

export const DEV_SECRET_FILE = 'dev-jwt-secret';
const SECRET_BYTES = 32;

/**
 * The HS256 secret for embedded mode: created in `<dataDir>/dev-jwt-secret` (mode 0600, the folder
 * 0700, both tightened if they exist) on first start, then reused so tokens survive restarts. Safe
 * when two processes start at once.
 */
export async function loadOrCreateDevSecret(dataDir: string): Promise<Uint8Array> {
  const file = join(dataDir, DEV_SECRET_FILE);
  // chmod as well: mkdir's mode is masked by the umask, and an existing folder keeps its own.
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  await chmod(dataDir, 0o700);
  const existing = await readSecret(file);
  if (existing) {
    await chmod(file, 0o600);
    return existing;
  }

  await createFileOnce(file, `${randomBytes(SECRET_BYTES).toString('base64url')}\n`);
  await chmod(file, 0o600);
  const secret = await readSecret(file);
  if (!secret) throw new Error(`Dev JWT secret ${file} vanished while starting`);
  return secret;
}

async function readSecret(file: string): Promise<Uint8Array | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  const secret = Buffer.from(text.trim(), 'base64url');
  if (secret.length < SECRET_BYTES) {
    throw new Error(`Dev JWT secret ${file} is shorter than ${SECRET_BYTES} bytes; delete it to generate a new one`);
  }
  return new Uint8Array(secret);
}
