import { v5 as uuidv5, v7 as uuidv7, validate, version } from 'uuid';

/** A new time-ordered id (UUIDv7), so ids sort by creation time. */
export const newId = (): string => uuidv7();

export const isUuid = (value: string): boolean => validate(value);

export const isUuidV7 = (value: string): boolean => validate(value) && version(value) === 7;

const DETERMINISTIC_NAMESPACE = '5b0d7c1e-3f4a-4c55-9d6e-7a2b8c9d0e1f';

/**
 * The same id for the same name every time (UUIDv5): handlers derive the ids of the events they
 * append from the causing event, so a redelivered event re-appends the same ids and changes nothing.
 */
export const deterministicId = (name: string): string => uuidv5(name, DETERMINISTIC_NAMESPACE);
