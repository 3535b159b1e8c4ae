import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/**
 * The repository's `data/<name>` folder (training data, the starter knowledge base), found upward
 * from this file: the same from the sources (tests), from `dist/` and from the image, whatever the
 * working directory.
 */
export function shippedDataDir(name: string): string {
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const candidate = join(dir, 'data', name);
    if (existsSync(candidate)) return resolve(candidate);
    if (dirname(dir) === dir) throw new Error(`The shipped data folder data/${name} was not found above ${__dirname}`);
  }
}
