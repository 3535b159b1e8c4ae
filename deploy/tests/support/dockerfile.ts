import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './deploy-files';

export const DOCKERFILE = join(REPO_ROOT, 'deploy/Dockerfile');

export type Instruction = Readonly<{ keyword: string; args: string }>;
export type Stage = Readonly<{ from: string; name?: string; instructions: Instruction[] }>;

/** Dockerfile instructions by stage, continuation lines joined, comments dropped. */
export function parseDockerfile(text: string): { args: Map<string, string>; stages: Stage[] } {
  const logical = text
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));
  const args = new Map<string, string>();
  const stages: Stage[] = [];
  for (const line of logical) {
    const [, keyword, rest] = /^(\w+)\s+(.*)$/s.exec(line) ?? [];
    if (!keyword) throw new Error(`Unparsable Dockerfile line: ${line}`);
    const upper = keyword.toUpperCase();
    if (upper === 'FROM') {
      const [, image, name] = /^(?:--\S+\s+)*(\S+)(?:\s+AS\s+(\S+))?$/i.exec(rest) ?? [];
      stages.push({ from: image.replace(/\$\{(\w+)\}/g, (_m, arg: string) => args.get(arg) ?? ''), name, instructions: [] });
    } else if (upper === 'ARG' && stages.length === 0) {
      const [name, value = ''] = rest.split('=');
      args.set(name, value);
    } else {
      stages.at(-1)?.instructions.push({ keyword: upper, args: rest });
    }
  }
  return { args, stages };
}

export const ignorePatterns = (): string[] =>
  readFileSync(join(REPO_ROOT, 'deploy/Dockerfile.dockerignore'), 'utf8')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line.length > 0 && !line.startsWith('#'));

/** Whether the build context drops `path` (the patterns used here: `name`, `dir`, `**‍/name`, `**‍/*.ext`). */
export function ignored(path: string, patterns: readonly string[]): boolean {
  const segments = path.split('/');
  return patterns.some((pattern) => {
    const anywhere = pattern.startsWith('**/');
    const body = anywhere ? pattern.slice(3) : pattern;
    const matches = (segment: string) => (body.startsWith('*.') ? segment.endsWith(body.slice(1)) : segment === body);
    return anywhere ? segments.some(matches) : path === body || path.startsWith(`${body}/`);
  });
}
