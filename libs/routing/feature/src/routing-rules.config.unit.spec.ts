import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_ROUTING_RULES, chooseQueue } from '@ticketing/routing-domain';
import { routingRulesFromEnv } from './routing-rules.config';

const rulesFile = (content: unknown): string => {
  const path = join(mkdtempSync(join(tmpdir(), 'routing-rules-')), 'rules.json');
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
};

describe('routing rules from the environment', () => {
  it('are the documented defaults when nothing is set', () => {
    expect(routingRulesFromEnv({})).toEqual(DEFAULT_ROUTING_RULES);
  });

  it('take the confidence threshold and per-asset thresholds', () => {
    const rules = routingRulesFromEnv({ TICKETING_CLASSIFIER_MIN_CONFIDENCE: '0.6', TICKETING_PRIORITY_ASSET_THRESHOLDS: 'usdt=500, BTC = 0.01' });
    expect(rules.minConfidence).toBe(0.6);
    expect(rules.priority.assetAmountThresholds).toEqual({ USDT: '500', BTC: '0.01' });
  });

  it('take priorities, groups and queue rules from a file, the first matching rule winning', () => {
    const rules = routingRulesFromEnv({
      TICKETING_ROUTING_RULES_FILE: rulesFile({
        priorities: { general_inquiry: 'low' },
        categoryGroups: { api_support: 'developers' },
        queues: [
          { name: 'vip-api', when: { categories: ['api_support'], channels: ['api'] }, queue: 'api-partners' },
          { name: 'default', queue: '{group}-{language}' },
        ],
      }),
    });
    expect(rules.priority.byCategory.general_inquiry).toBe('low');
    const facts = { category: 'api_support', priority: 'normal', language: 'ko', confidence: 0.9 } as const;
    expect(chooseQueue({ ...facts, channel: 'api' }, rules)).toEqual({ queue: 'api-partners', rule: 'vip-api' });
    expect(chooseQueue({ ...facts, channel: 'chat' }, rules)).toEqual({ queue: 'developers-ko', rule: 'default' });
  });

  it.each([
    [{ TICKETING_CLASSIFIER_MIN_CONFIDENCE: '1.5' }, /TICKETING_CLASSIFIER_MIN_CONFIDENCE/],
    [{ TICKETING_CLASSIFIER_MIN_CONFIDENCE: 'high' }, /TICKETING_CLASSIFIER_MIN_CONFIDENCE/],
    [{ TICKETING_PRIORITY_ASSET_THRESHOLDS: 'USDT:500' }, /TICKETING_PRIORITY_ASSET_THRESHOLDS.*USDT:500/],
    [{ TICKETING_PRIORITY_ASSET_THRESHOLDS: 'BTC=0' }, /TICKETING_PRIORITY_ASSET_THRESHOLDS/],
  ])('stop start-up on %j, naming the variable', (env, message) => {
    expect(() => routingRulesFromEnv(env)).toThrow(message);
  });

  it.each([
    ['not JSON', '{', /cannot read .* as JSON/],
    ['an unknown category', { priorities: { lunch: 'high' } }, /priorities: "lunch" is not one of/],
    ['an unknown priority', { priorities: { api_support: 'urgent' } }, /priorities.api_support: "urgent"/],
    ['a fallback with conditions', { queues: [{ name: 'only', when: { channels: ['chat'] }, queue: 'chat' }] }, /last queue rule must have no conditions/],
    ['a queue name with spaces', { queues: [{ name: 'x', queue: 'my queue' }] }, /queues\[0\] needs a name and a queue/],
  ])('refuse a rules file with %s, naming the problem', (_case, content, message) => {
    expect(() => routingRulesFromEnv({ TICKETING_ROUTING_RULES_FILE: rulesFile(content) })).toThrow(message);
  });
});
