import { CATEGORIES, LANGUAGES } from '@ticketing/contracts';
import { evaluateProbe, TARGETS } from './classifier-evaluation';
import { shippedClassifierModels } from './classifier-models.provider';
import { shippedDataDir } from './shipped-data';
import { loadLabelledInquiries, loadProbeInquiries } from './training-data';

// The served model on inquiries written apart from its training data (data/classifier-probe): a
// change to the data, the features or the training that only fits the split shows here.
describe('the served classifier on the probe set (never trained on)', () => {
  const probe = loadProbeInquiries(shippedDataDir('classifier-probe'));
  const evaluation = evaluateProbe(shippedClassifierModels(), probe);

  it('covers every category in every language', () => {
    for (const category of CATEGORIES) {
      for (const language of LANGUAGES) {
        expect({ category, language, present: probe.some((inquiry) => inquiry.category === category && inquiry.language === language) }).toEqual({ category, language, present: true });
      }
    }
  });

  it('shares no text with the training data', () => {
    const normalized = (text: string) => text.trim().toLowerCase();
    const trained = new Set(loadLabelledInquiries(shippedDataDir('classifier')).map((inquiry) => normalized(inquiry.text)));
    expect(probe.filter((inquiry) => trained.has(normalized(inquiry.text))).map((inquiry) => inquiry.text)).toEqual([]);
  });

  it('meets the issue’s targets on it: accuracy and every class’s recall', () => {
    expect(evaluation.report.accuracy).toBeGreaterThanOrEqual(TARGETS.accuracy);
    for (const { label, recall } of evaluation.report.perLabel) expect({ label, recall: recall >= TARGETS.minRecall }).toEqual({ label, recall: true });
  });

  it('no language falls far behind (each at least 85%)', () => {
    for (const { language, accuracy } of evaluation.perLanguage) expect({ language, fine: accuracy >= 0.85 }).toEqual({ language, fine: true });
  });
});
