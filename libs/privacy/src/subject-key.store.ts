/** A data subject's key: 32 random bytes under a stable id, which is what sealed values name. */
export type SubjectKey = Readonly<{ id: string; material: Buffer }>;

/**
 * Where per-customer keys live (the KMS interface): a table on the embedded default. Erasing a
 * subject destroys every key it ever had; a later `currentKey` for it starts a new one, so data
 * written after an erasure is never sealed under a destroyed key.
 */
export interface SubjectKeyStore {
  /** The subject's live key, created on first use. */
  currentKey(subject: string): Promise<SubjectKey>;
  /** A key by id; undefined once erased (or if it never existed here). */
  keyById(keyId: string): Promise<SubjectKey | undefined>;
  /** Destroys the subject's keys; resolves with how many were still live. */
  erase(subject: string, erasedAt: string): Promise<number>;
  /** Ids of the subject's keys, erased ones included, newest first. */
  keysOf(subject: string): Promise<readonly Readonly<{ id: string; createdAt: string; erasedAt: string | null }>[]>;
  close(): Promise<void>;
}

/** DI token for the SubjectKeyStore. */
export const SUBJECT_KEY_STORE = Symbol('SubjectKeyStore');
