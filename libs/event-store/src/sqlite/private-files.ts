import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/** Mode of the data folder and of folders made for SQLite files: the owner only. */
export const PRIVATE_DIR_MODE = 0o700;
/** Mode of SQLite files and their -wal/-shm/-journal companions, and of the dev secret: owner read/write. */
export const PRIVATE_FILE_MODE = 0o600;

const SQLITE_COMPANIONS = ['', '-wal', '-shm', '-journal'];

/**
 * Creates `dir` (and missing parents) as 0700 and tightens it to 0700 when it already exists. chmod
 * after mkdir: the mode given to mkdir is masked by the umask, and an existing folder keeps its own.
 */
export function ensurePrivateDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  chmodSync(dir, PRIVATE_DIR_MODE);
}

/**
 * Before SQLite opens `file`: its missing parent folders are made 0700, the file is created 0600
 * when missing, and the file and any -wal/-shm/-journal beside it are tightened to 0600. SQLite
 * gives the -wal and -shm it creates later the database file's mode, so they are 0600 too.
 * In-memory and URI names are left alone.
 */
export function preparePrivateSqliteFile(file: string): void {
  if (file === '' || file === ':memory:' || file.startsWith('file:')) return;
  mkdirSync(dirname(file), { recursive: true, mode: PRIVATE_DIR_MODE });
  // Only a file that does not exist yet is opened here: closing any descriptor of a file drops every
  // POSIX lock this process holds on it, so touching a database another connection of this process
  // (the consumer thread's, the server's) has open would let a second process take it for unused,
  // checkpoint and delete the WAL those connections still write to.
  try {
    closeSync(openSync(file, 'wx', PRIVATE_FILE_MODE));
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  for (const suffix of SQLITE_COMPANIONS) {
    try {
      chmodSync(`${file}${suffix}`, PRIVATE_FILE_MODE);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  }
}
