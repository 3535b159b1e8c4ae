import { v7 as uuidv7, validate, version } from 'uuid';

/** A new time-ordered id (UUIDv7), so ids sort by creation time. */
export const newId = (): string => uuidv7();

export const isUuid = (value: string): boolean => validate(value);

export const isUuidV7 = (value: string): boolean => validate(value) && version(value) === 7;
