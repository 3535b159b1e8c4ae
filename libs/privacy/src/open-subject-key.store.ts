import { MemorySubjectKeyStore } from './memory-subject-key.store';
import { PostgresSubjectKeyStore } from './postgres-subject-key.store';
import { SqliteSubjectKeyStore } from './sqlite-subject-key.store';
import type { SubjectKeyStore } from './subject-key.store';

/** Where keys live, as TICKETING_KEY_STORE names it (the platform's KeyStoreConfig). */
export type SubjectKeyStoreLocation =
  | Readonly<{ kind: 'sqlite'; file: string }>
  | Readonly<{ kind: 'memory' }>
  | Readonly<{ kind: 'postgres'; connectionString: string }>;

export function openSubjectKeyStore(location: SubjectKeyStoreLocation, now?: () => string): SubjectKeyStore {
  switch (location.kind) {
    case 'sqlite':
      return new SqliteSubjectKeyStore({ path: location.file, now });
    case 'memory':
      return new MemorySubjectKeyStore(now);
    case 'postgres':
      return new PostgresSubjectKeyStore({ connectionString: location.connectionString, now });
  }
}
