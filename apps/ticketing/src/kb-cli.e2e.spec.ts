import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readStarterArticles, starterKbDir } from '@ticketing/kb-feature';
import { buildCompiledCli, REPO_ROOT, type CliResult } from './test-support/compiled-cli';
import { newDataDir } from './test-support/ticketing.harness';

/** `ticketing <args>` from the compiled build, started in `cwd`. */
function ticketing(args: readonly string[], env: NodeJS.ProcessEnv, cwd: string): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin/ticketing.js'), ...args], { cwd, env: { PATH: process.env.PATH, LOG_LEVEL: 'silent', ...env } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('ticketing kb load (e2e, compiled CLI)', () => {
  beforeAll(() => buildCompiledCli(), 240_000);

  it('publishes the checkout’s data/kb when started from anywhere, and skips every article on a second run', async () => {
    const dataDir = await newDataDir();
    const elsewhere = await mkdtemp(join(tmpdir(), 'kb-cwd-'));
    const expected = (await readStarterArticles(starterKbDir()!)).length;
    const first = await ticketing(['kb', 'load'], { TICKETING_DATA_DIR: dataDir }, elsewhere);
    expect(first).toMatchObject({ code: 0 });
    expect(JSON.parse(first.stdout)).toMatchObject({ loaded: expected, skipped: 0 });
    const second = await ticketing(['kb', 'load'], { TICKETING_DATA_DIR: dataDir }, elsewhere);
    expect(JSON.parse(second.stdout)).toMatchObject({ loaded: 0, skipped: expected });
  }, 60_000);

  it('loads a folder given on the command line, and refuses a bad file before writing anything', async () => {
    const dataDir = await newDataDir();
    const dir = await mkdtemp(join(tmpdir(), 'kb-dir-'));
    await mkdir(join(dir, 'api_support'));
    const article = { id: 'my-article', category: 'api_support', tags: ['api'], sourceLanguage: 'en', translations: { en: { title: 'T', body: 'B' } } };
    await writeFile(join(dir, 'api_support', 'my-article.json'), JSON.stringify(article));
    await mkdir(join(dir, 'refunds'));
    await writeFile(join(dir, 'refunds', 'bad.json'), JSON.stringify({ ...article, id: 'bad', category: 'refunds' }));
    const refused = await ticketing(['kb', 'load', dir], { TICKETING_DATA_DIR: dataDir }, dir);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('bad.json: category must be one of');

    const good = JSON.parse(await readFile(join(dir, 'api_support', 'my-article.json'), 'utf8')) as typeof article;
    const only = await mkdtemp(join(tmpdir(), 'kb-dir-'));
    await mkdir(join(only, 'api_support'));
    await writeFile(join(only, 'api_support', 'my-article.json'), JSON.stringify(good));
    const loaded = await ticketing(['kb', 'load', only], { TICKETING_DATA_DIR: dataDir }, dir);
    expect(JSON.parse(loaded.stdout)).toMatchObject({ loaded: 1, skipped: 0, articles: { loaded: ['my-article'] } });
  }, 60_000);
});
