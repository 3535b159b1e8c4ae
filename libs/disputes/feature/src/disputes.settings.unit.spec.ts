import { ConfigError } from '@ticketing/platform';
import { DEFAULT_RECOVERY_RULES } from '@ticketing/disputes-domain';
import { disputesSettingsFromEnv } from './disputes.settings';

const problemsOf = (env: NodeJS.ProcessEnv): string[] => {
  try {
    disputesSettingsFromEnv(env);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems.map((problem) => `${problem.variable}: ${problem.allowed}`);
    throw error;
  }
  return [];
};

describe('disputes settings from the environment', () => {
  it('defaults: 0.5% for every symbol, a 1 s index price window, 3 rounds, the built-in recovery rules, files for attachments', () => {
    const settings = disputesSettingsFromEnv({});
    expect(settings.dispute.toleranceFor('BTCUSDT')).toBe('0.005');
    expect(settings.dispute).toMatchObject({ indexPriceWindowMs: 1000, maxRounds: 3 });
    expect(settings.recovery).toEqual(DEFAULT_RECOVERY_RULES);
    expect(settings.blobStore).toMatchObject({ kind: 'file' });
  });

  it('takes a tolerance per symbol, the default for the others', () => {
    const settings = disputesSettingsFromEnv({ TICKETING_DISPUTES_TOLERANCES: '{"default":"0.004","symbols":{"BTCUSDT":"0.003","ETH-PERP":"0.01"}}' });
    expect(['BTCUSDT', 'ETH-PERP', 'SOLUSDT'].map(settings.dispute.toleranceFor)).toEqual(['0.003', '0.01', '0.004']);
  });

  it.each([
    ['not JSON', '{default:0.005}', 'TICKETING_DISPUTES_TOLERANCES'],
    ['a tolerance of 1 or more', '{"default":"1"}', 'below 1'],
    ['a number, not a decimal string', '{"default":0.005}', 'default:'],
    ['an unknown field', '{"fallback":"0.005"}', 'unknown field "fallback"'],
    ['a symbol in lower case', '{"symbols":{"btcusdt":"0.003"}}', 'not a symbol in capitals'],
    ['exponent notation', '{"symbols":{"BTCUSDT":"5e-3"}}', 'BTCUSDT:'],
  ])('refuses tolerances with %s, naming the variable', (_case, value, mentions) => {
    expect(problemsOf({ TICKETING_DISPUTES_TOLERANCES: value }).join('\n')).toContain(mentions);
  });

  it('names every bad variable at once', () => {
    const problems = problemsOf({
      TICKETING_DISPUTES_TOLERANCES: '{"default":"2"}',
      TICKETING_DISPUTES_INDEX_PRICE_WINDOW_MS: '-5',
      TICKETING_DISPUTES_MAX_ROUNDS: '0',
      TICKETING_RECOVERY_RULES: '{"feeRate":"1.5"}',
    });
    expect(problems.map((problem) => problem.split(':')[0])).toEqual([
      'TICKETING_DISPUTES_TOLERANCES',
      'TICKETING_DISPUTES_INDEX_PRICE_WINDOW_MS',
      'TICKETING_DISPUTES_MAX_ROUNDS',
      'TICKETING_RECOVERY_RULES',
    ]);
    expect(problems[3]).toContain('feeRate');
  });

  it('takes recovery rules as JSON, the defaults for fields not given', () => {
    const settings = disputesSettingsFromEnv({ TICKETING_RECOVERY_RULES: '{"feeRate":"0.05","quoteValidityHours":24}' });
    expect(settings.recovery).toMatchObject({ feeRate: '0.05', quoteValidityHours: 24, etaWorkingDays: DEFAULT_RECOVERY_RULES.etaWorkingDays });
    expect(problemsOf({ TICKETING_RECOVERY_RULES: 'not json' })).toEqual([expect.stringContaining('TICKETING_RECOVERY_RULES')]);
  });
});
