import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { topicOf } from '@ticketing/contracts';
import { EVENT_CONTEXTS, SERVICE_NAMES } from '@ticketing/runtime';
import { ALL_CONTEXTS } from './support/contexts';
import { DEPLOY_DIR, knownConfigVariables, REPO_ROOT } from './support/deploy-files';

const readme = readFileSync(join(DEPLOY_DIR, 'README.md'), 'utf8');
/** The markdown table row starting with `| \`<first cell>\``. */
const rowOf = (firstCell: string) => readme.split('\n').find((line) => line.startsWith(`| \`${firstCell}\``));

describe('deploy/README.md (the Production section)', () => {
  it('documents every variable the configuration reads', () => {
    const documented = [...knownConfigVariables()].filter((variable) => readme.split('\n').some((line) => line.startsWith('|') && line.includes(`\`${variable}\``)));
    expect(documented.sort()).toEqual([...knownConfigVariables()].sort());
  });

  it('describes every deployable', () => {
    for (const service of SERVICE_NAMES) expect(rowOf(service)).toBeDefined();
  });

  it('lists every topic, and under each the event types its context publishes', () => {
    for (const context of ALL_CONTEXTS) expect(rowOf(topicOf(context))).toBeDefined();
    for (const [type, context] of Object.entries(EVENT_CONTEXTS)) expect(rowOf(topicOf(context))).toContain(`\`${type}\``);
  });

  it('is linked from the root README', () => {
    expect(readFileSync(join(REPO_ROOT, 'README.md'), 'utf8')).toContain('(deploy/README.md)');
  });
});
