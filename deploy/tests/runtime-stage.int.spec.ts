import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { SERVICE_NAMES } from '@ticketing/runtime';
import { buildCompiled, killServices, REPO_ROOT, startService } from './support/compiled-service';
import { DOCKERFILE, parseDockerfile } from './support/dockerfile';

jest.setTimeout(120_000);

/**
 * The image's runtime stage without a container engine: a folder holding what deploy/Dockerfile's
 * runtime-stage COPY instructions put in /app, taken from the checkout after `npm run build` (the
 * builder stage's /app is the checkout: same sources, same build, same trained model). node_modules
 * is linked, not copied: its pruning has its own test (dockerfile.unit.spec.ts).
 */
function assembleRuntimeStage(): string {
  const { stages } = parseDockerfile(readFileSync(DOCKERFILE, 'utf8'));
  const runtime = stages.at(-1)!;
  const app = mkdtempSync(join(tmpdir(), 'ticketing-runtime-stage-'));
  for (const { args } of runtime.instructions.filter((instruction) => instruction.keyword === 'COPY')) {
    const fromStage = /--from=\S+/.test(args);
    const words = args.replace(/--\S+\s+/g, '').split(/\s+/);
    const destination = words.at(-1)!;
    for (const source of words.slice(0, -1)) {
      const inCheckout = fromStage ? source.replace(/^\/app\//, '') : source;
      const target = join(app, destination.endsWith('/') ? join(destination, basename(inCheckout)) : destination);
      mkdirSync(join(target, '..'), { recursive: true });
      if (inCheckout === 'node_modules') symlinkSync(join(REPO_ROOT, 'node_modules'), target, 'dir');
      else cpSync(join(REPO_ROOT, inCheckout), target, { recursive: true });
    }
  }
  return app;
}

describe('the image’s runtime stage: every service boots from the files deploy/Dockerfile puts in it', () => {
  let app: string;

  beforeAll(async () => {
    await buildCompiled();
    app = assembleRuntimeStage();
  }, 180_000);

  afterAll(() => {
    killServices();
    rmSync(app, { recursive: true, force: true });
  });

  it.each(SERVICE_NAMES)('%s is ready', async (service) => {
    const { child, serving, exited } = startService(
      [service],
      {
        NODE_ENV: 'production',
        TICKETING_DATA_DIR: await mkdtemp(join(tmpdir(), 'ticketing-stage-data-')),
        TICKETING_HTTP_PORT: '0',
        TICKETING_GRPC_PORT: '0',
        LOG_LEVEL: 'info',
      },
      app,
    );
    const url = await serving;
    const ready = await fetch(`${url}/health/ready`);
    expect({ status: ready.status, body: await ready.text() }).toMatchObject({ status: 200 });
    if (service === 'kb') {
      // The starter knowledge base (data/kb) loads into the empty one, in the background.
      let suggested: unknown[] = [];
      for (let attempt = 0; attempt < 100 && suggested.length === 0; attempt++) {
        if (attempt > 0) await new Promise((resolve) => setTimeout(resolve, 200));
        const reply = await fetch(`${url}/v1/kb/suggest?q=${encodeURIComponent('how do I reset my 2FA')}&lang=en`);
        suggested = reply.ok ? ((await reply.json()) as { items: unknown[] }).items : [];
      }
      expect(suggested.length).toBeGreaterThan(0);
    }
    child.kill('SIGTERM');
    await exited;
  });
});
