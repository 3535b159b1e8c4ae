import { Dec, decimalString, parseDecimal, type DecimalLimits } from './decimal';

/** The parsed value as its canonical string, or the problem sentence. */
function parsed(value: unknown, limits?: DecimalLimits): string {
  const result = parseDecimal('price', value, limits);
  return 'problem' in result ? `problem: ${result.problem}` : decimalString(result.value);
}

describe('parseDecimal', () => {
  describe('accepts plain decimal strings and keeps them exact', () => {
    it.each([
      ['64210.5', '64210.5'],
      ['64210.50', '64210.5'],
      ['1', '1'],
      ['1.000', '1'],
      ['00012.50', '12.5'],
      ['0.000000000000000001', '0.000000000000000001'],
      ['99999999999999999999', '99999999999999999999'],
      ['99999999999999999999.999999999999999999', '99999999999999999999.999999999999999999'],
      ['12345678901234567890.123456789012345678', '12345678901234567890.123456789012345678'],
      // Leading zeros are not digits of the amount.
      ['000000000000000000000000001.5', '1.5'],
    ])('%s → %s', (input, canonical) => {
      expect(parsed(input)).toBe(canonical);
    });

    it('keeps 38 significant digits that a float would lose', () => {
      const result = parseDecimal('price', '12345678901234567890.123456789012345678');
      expect('value' in result && result.value.minus('12345678901234567890').toFixed()).toBe('0.123456789012345678');
      // The same in floats: the fraction is gone entirely.
      expect(Number('12345678901234567890.123456789012345678') - 12345678901234567890).toBe(0);
    });

    it('accepts zero only when asked for non-negative values', () => {
      expect(parsed('0', { sign: 'non_negative' })).toBe('0');
      expect(parsed('0.000', { sign: 'non_negative' })).toBe('0');
      expect(parsed('0')).toBe('problem: price must be greater than zero');
      expect(parsed('0.000000000000000000')).toBe('problem: price must be greater than zero');
    });

    it('honours other limits', () => {
      expect(parsed('123', { maxIntegerDigits: 3 })).toBe('123');
      expect(parsed('1234', { maxIntegerDigits: 3 })).toBe('problem: price has 4 digits before the point; at most 3');
      expect(parsed('1.12', { maxScale: 2 })).toBe('1.12');
      expect(parsed('1.123', { maxScale: 2 })).toBe('problem: price has 3 decimals; at most 2');
    });
  });

  describe('rejects every other form with a sentence naming the field', () => {
    it.each<[string, unknown, RegExp]>([
      ['negative', '-1', /must not be negative \(got "-1"\)/],
      ['negative zero', '-0', /must not be negative/],
      ['explicit plus sign', '+1', /without a sign/],
      ['exponent notation', '6.42105e4', /not exponent notation/],
      ['exponent notation, upper case', '1E-7', /not exponent notation/],
      ['thousands commas', '64,210.5', /spaces or digit separators/],
      ['decimal comma', '64210,5', /spaces or digit separators/],
      ['a space inside', '64 210.5', /spaces or digit separators/],
      ['a leading space', ' 64210.5', /spaces or digit separators/],
      ['a trailing newline', '64210.5\n', /spaces or digit separators/],
      ['a no-break space', '64\u00a0210.5', /spaces or digit separators/],
      ['underscores', '64_210.5', /spaces or digit separators/],
      ['apostrophes', "64'210.5", /spaces or digit separators/],
      ['empty', '', /is empty/],
      ['a bare fraction', '.5', /digits with an optional fraction/],
      ['a trailing point', '5.', /digits with an optional fraction/],
      ['two points', '1.2.3', /digits with an optional fraction/],
      ['hex', '0x1A', /digits with an optional fraction/],
      ['Infinity', 'Infinity', /digits with an optional fraction/],
      ['NaN', 'NaN', /digits with an optional fraction/],
      ['full-width digits', '６４２１０', /digits with an optional fraction/],
      ['huge: 21 integer digits', '100000000000000000000', /has 21 digits before the point; at most 20/],
      ['tiny: 19 decimals', '0.0000000000000000001', /has 19 decimals; at most 18/],
      ['30 decimals', '1.123456789012345678901234567890', /has 30 decimals; at most 18/],
      ['zero', '0', /must be greater than zero/],
      ['a JSON number', 64210.5, /must be a decimal string such as "64210.5" \(got number\): numbers lose precision/],
      ['an integer JSON number', 1, /must be a decimal string .*\(got number\)/],
      ['null', null, /\(got null\)/],
      ['undefined', undefined, /\(got undefined\)/],
      ['an object', { value: '1' }, /\(got object\)/],
      ['a bigint', BigInt(1), /\(got bigint\)/],
    ])('%s', (_, value, message) => {
      const result = parseDecimal('liquidationPrice', value);
      expect(result).toEqual({ problem: expect.stringMatching(/^liquidationPrice /) });
      expect('problem' in result && result.problem).toMatch(message);
    });

    it('quotes a long bad value only in part', () => {
      const result = parseDecimal('price', `1.${'9'.repeat(100)}x`);
      expect('problem' in result && result.problem.length).toBeLessThan(200);
    });
  });
});

describe('decimalString', () => {
  it('never uses exponent notation and drops trailing fraction zeros', () => {
    expect(decimalString(new Dec('0.000000000000000001'))).toBe('0.000000000000000001');
    expect(decimalString(new Dec('99999999999999999999'))).toBe('99999999999999999999');
    expect(decimalString(new Dec('1.50'))).toBe('1.5');
    expect(decimalString(new Dec('1e-30'))).toBe('0.000000000000000000000000000001');
    // Even past the configured exponent thresholds (10^±100).
    expect(decimalString(new Dec('1e-120'))).toBe(`0.${'0'.repeat(119)}1`);
    expect(decimalString(new Dec('1e120'))).toBe(`1${'0'.repeat(120)}`);
  });
});
