import { classificationReport, thresholdCurve } from './classification-metrics';
import { scoreText } from './linear-model';
import { extractFeatures } from './text-features';
import { linearModelVersion, trainLinearModel } from './train-linear-model';

const SMALL = { dimensions: 1 << 12, epochs: 15 } as const;

const examples = [
  { text: 'my withdrawal is stuck pending for hours', label: 'funds' },
  { text: 'withdrawal not received at my wallet', label: 'funds' },
  { text: '提币一直在审核中 没有到账', label: 'funds' },
  { text: 'cannot log in, lost my 2FA phone', label: 'access' },
  { text: 'forgot password and locked out of my account', label: 'access' },
  { text: '登录不了 谷歌验证器丢了', label: 'access' },
] as const;
const LABELS = ['funds', 'access'] as const;

describe('text features', () => {
  it('hashes the same text to the same buckets, L2-normalized', () => {
    const first = extractFeatures('Withdrawal pending since noon', 1 << 16, 4000);
    expect([...extractFeatures('Withdrawal pending since noon', 1 << 16, 4000)]).toEqual([...first]);
    const norm = Math.sqrt([...first.values()].reduce((sum, value) => sum + value * value, 0));
    expect(norm).toBeCloseTo(1, 6);
  });

  it('folds accents and case, so "retiró" meets "RETIRO" and "rút tiền" meets "rut tien"', () => {
    const buckets = (text: string) => new Set(extractFeatures(text, 1 << 20, 4000).keys());
    expect(buckets('retiró')).toEqual(buckets('RETIRO'));
    expect(buckets('rút tiền')).toEqual(buckets('rut tien'));
  });

  it('reads Chinese without spaces by its characters and bigrams', () => {
    const withdrawal = new Set(extractFeatures('我要提币', 1 << 20, 4000).keys());
    const shared = [...extractFeatures('提币失败', 1 << 20, 4000).keys()].filter((bucket) => withdrawal.has(bucket));
    expect(shared.length).toBeGreaterThanOrEqual(3);
  });

  it('reads no further than maxChars', () => {
    const head = 'withdrawal pending ';
    expect([...extractFeatures(head + 'x'.repeat(10_000) + ' kyc', 1 << 16, head.length)]).toEqual([...extractFeatures(head, 1 << 16, head.length)]);
  });

  it('gives empty or symbol-only text no word features and never throws', () => {
    expect(extractFeatures('', 1 << 10, 4000).size).toBe(0);
    expect(() => extractFeatures('😡😡‼️', 1 << 10, 4000)).not.toThrow();
  });
});

describe('trainLinearModel', () => {
  const model = trainLinearModel(examples, LABELS, SMALL);

  it('learns the examples and generalizes to a paraphrase in each script', () => {
    expect(scoreText(model, 'withdrawal pending, not received')[0].label).toBe('funds');
    expect(scoreText(model, 'locked out, lost 2FA')[0].label).toBe('access');
    expect(scoreText(model, '提币没有到账')[0].label).toBe('funds');
    const probabilities = scoreText(model, 'anything').map((scored) => scored.probability);
    expect(probabilities.reduce((sum, value) => sum + value, 0)).toBeCloseTo(1, 6);
  });

  it('is deterministic: the same inputs give the same weights and the version names them', () => {
    const again = trainLinearModel(examples, LABELS, SMALL);
    expect(again.version).toBe(model.version);
    expect(Buffer.from(again.weights.buffer).equals(Buffer.from(model.weights.buffer))).toBe(true);
    expect(linearModelVersion(examples, LABELS, SMALL)).toBe(model.version);
    expect(linearModelVersion(examples.slice(1), LABELS, SMALL)).not.toBe(model.version);
    expect(linearModelVersion(examples, LABELS, { ...SMALL, epochs: 16 })).not.toBe(model.version);
  });

  it('refuses an example with a label outside the labels', () => {
    expect(() => trainLinearModel([{ text: 'x', label: 'other' as 'funds' }], LABELS, SMALL)).toThrow(/other/);
  });
});

describe('classification metrics', () => {
  it('computes accuracy, per-label precision and recall, macro-F1 and the confusion matrix', () => {
    const report = classificationReport(
      [
        { actual: 'a', predicted: 'a' },
        { actual: 'a', predicted: 'b' },
        { actual: 'b', predicted: 'b' },
        { actual: 'b', predicted: 'b' },
      ],
      ['a', 'b'],
    );
    expect(report.accuracy).toBe(0.75);
    expect(report.confusion).toEqual([
      [1, 1],
      [0, 2],
    ]);
    expect(report.perLabel[0]).toMatchObject({ precision: 1, recall: 0.5, support: 2 });
    expect(report.perLabel[1]).toMatchObject({ precision: 2 / 3, recall: 1, support: 2 });
    expect(report.macroF1).toBeCloseTo((2 / 3 + 0.8) / 2, 10);
  });

  it('shows what a confidence threshold keeps and how precise that is', () => {
    const curve = thresholdCurve(
      [
        { actual: 'a', predicted: 'a', confidence: 0.9 },
        { actual: 'a', predicted: 'b', confidence: 0.3 },
      ],
      [0.5],
    );
    expect(curve).toEqual([{ threshold: 0.5, coverage: 0.5, precision: 1 }]);
  });
});
