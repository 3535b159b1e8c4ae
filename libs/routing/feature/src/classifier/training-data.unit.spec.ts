import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CATEGORIES, LANGUAGES } from '@ticketing/contracts';
import { shippedDataDir } from './shipped-data';
import { isHeldOut, loadLabelledInquiries, loadProbeInquiries, splitHeldOut } from './training-data';

describe('training data', () => {
  describe('the shipped data (data/classifier)', () => {
    const inquiries = loadLabelledInquiries(shippedDataDir('classifier'));

    it('has at least 120 examples per category and every language at least 8 times in each', () => {
      for (const category of CATEGORIES) {
        const mine = inquiries.filter((inquiry) => inquiry.category === category);
        expect({ category, count: mine.length >= 120 }).toEqual({ category, count: true });
        for (const language of LANGUAGES) {
          const count = mine.filter((inquiry) => inquiry.language === language).length;
          expect({ category, language, enough: count >= 8 }).toEqual({ category, language, enough: true });
        }
      }
    });

    it('repeats no text (a duplicate could sit on both sides of the split)', () => {
      const texts = inquiries.map((inquiry) => inquiry.text.trim().toLowerCase());
      expect(new Set(texts).size).toBe(texts.length);
    });

    it('holds out about a fifth, the same every time', () => {
      const { train, test } = splitHeldOut(inquiries);
      expect(test.length / inquiries.length).toBeGreaterThan(0.15);
      expect(test.length / inquiries.length).toBeLessThan(0.25);
      expect(train.length + test.length).toBe(inquiries.length);
      expect(splitHeldOut(inquiries).test.map((inquiry) => inquiry.text)).toEqual(test.map((inquiry) => inquiry.text));
    });
  });

  it('keeps an inquiry on its side of the split whatever else is added', () => {
    const inquiry = { text: 'withdrawal stuck' };
    expect(isHeldOut(inquiry)).toBe(isHeldOut({ text: 'withdrawal stuck' }));
  });

  describe('loading', () => {
    const dirWith = (category: string, lines: string): string => {
      const dir = mkdtempSync(join(tmpdir(), 'labelled-'));
      mkdirSync(join(dir, category));
      writeFileSync(join(dir, category, 'en.jsonl'), lines);
      return dir;
    };

    it('reads each line with its category from the folder', () => {
      const dir = dirWith('kyc_verification', `${JSON.stringify({ text: 'kyc stuck', channel: 'chat', language: 'en', category: 'kyc_verification' })}\n\n`);
      expect(loadLabelledInquiries(dir)).toEqual([{ text: 'kyc stuck', channel: 'chat', language: 'en', category: 'kyc_verification' }]);
    });

    it.each([
      ['a line that is no JSON', '{"text": ', /en\.jsonl:1: not JSON/],
      ['a line of another category', JSON.stringify({ text: 't', channel: 'chat', language: 'en', category: 'api_support' }), /en\.jsonl:1: category api_support in the folder of kyc_verification/],
      ['an unknown language', JSON.stringify({ text: 't', channel: 'chat', language: 'fr', category: 'kyc_verification' }), /en\.jsonl:1: language must be one of/],
      ['an empty text', JSON.stringify({ text: ' ', channel: 'chat', language: 'en', category: 'kyc_verification' }), /en\.jsonl:1: text must be a non-empty string/],
    ])('stops at %s, naming the file and line', (_case, line, message) => {
      expect(() => loadLabelledInquiries(dirWith('kyc_verification', line))).toThrow(message);
    });

    it('refuses a folder that is no category', () => {
      expect(() => loadLabelledInquiries(dirWith('lunch', ''))).toThrow(/lunch: not a category/);
    });
  });

  describe('the probe (a flat folder, each line naming its category)', () => {
    const probeWith = (files: Record<string, string>): string => {
      const dir = mkdtempSync(join(tmpdir(), 'probe-'));
      for (const [name, lines] of Object.entries(files)) writeFileSync(join(dir, name), lines);
      return dir;
    };
    const line = (fields: Record<string, unknown>) => JSON.stringify({ text: 't', channel: 'chat', language: 'en', category: 'api_support', ...fields });

    it('reads every .jsonl file of the folder, each line with its own category', () => {
      const dir = probeWith({ 'en.jsonl': `${line({ text: 'api 429' })}\n${line({ text: 'hacked', category: 'security_incident' })}\n`, 'ru.jsonl': line({ text: 'kyc', language: 'ru', category: 'kyc_verification' }), 'notes.txt': 'not read' });
      expect(loadProbeInquiries(dir).map(({ text, category, language }) => [text, category, language])).toEqual([
        ['api 429', 'api_support', 'en'],
        ['hacked', 'security_incident', 'en'],
        ['kyc', 'kyc_verification', 'ru'],
      ]);
    });

    it.each([
      ['no category', line({ category: undefined }), /en\.jsonl:1: category must be one of/],
      ['an unknown category', line({ category: 'lunch' }), /en\.jsonl:1: category must be one of/],
      ['an unknown channel', line({ channel: 'fax' }), /en\.jsonl:1: channel must be one of/],
    ])('stops at a line with %s, naming the file and line', (_case, text, message) => {
      expect(() => loadProbeInquiries(probeWith({ 'en.jsonl': text }))).toThrow(message);
    });
  });
});
