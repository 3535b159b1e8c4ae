export * from './subject-key.store';
export { MemorySubjectKeyStore } from './memory-subject-key.store';
export { SqliteSubjectKeyStore, type SqliteSubjectKeyStoreOptions } from './sqlite-subject-key.store';
export { PersonalDataProtection, UnknownDataSubjectError, type PersonalDataProtectionOptions } from './personal-data.protection';
export { ProtectedEventStore, storedEventsOf } from './protected-event.store';
export { PostgresSubjectKeyStore, type PostgresSubjectKeyStoreOptions } from './postgres-subject-key.store';
export { openSubjectKeyStore, type SubjectKeyStoreLocation } from './open-subject-key.store';
