import Decimal from 'decimal.js';

/**
 * decimal.js with room for every amount we accept (20 integer + 18 fraction digits) multiplied by a
 * rate, so products are exact; half-even rounding where a quotient must be rounded for display.
 */
export const Dec = Decimal.clone({ precision: 80, rounding: Decimal.ROUND_HALF_EVEN, toExpNeg: -100, toExpPos: 100 });
export type Dec = InstanceType<typeof Dec>;

/** Limits of a decimal string on the wire. */
export type DecimalLimits = Readonly<{
  /** Digits before the point, default 20 (10^20 of anything is not a real amount). */
  maxIntegerDigits?: number;
  /** Digits after the point, default 18 (an ether's wei). */
  maxScale?: number;
  /** `positive` (> 0, the default) or `non_negative` (≥ 0). */
  sign?: 'positive' | 'non_negative';
}>;

const PLAIN_DECIMAL = /^(\d+)(?:\.(\d+))?$/;

/**
 * Parses a decimal string as the API accepts it: plain digits with an optional fraction, no sign, no
 * exponent, no separators or spaces. Returns the problem as a sentence naming `field` otherwise.
 */
export function parseDecimal(field: string, value: unknown, limits: DecimalLimits = {}): Readonly<{ value: Dec } | { problem: string }> {
  const maxIntegerDigits = limits.maxIntegerDigits ?? 20;
  const maxScale = limits.maxScale ?? 18;
  if (typeof value !== 'string') return { problem: `${field} must be a decimal string such as "64210.5" (got ${value === null ? 'null' : typeof value}): numbers lose precision in JSON` };
  if (value.length === 0) return { problem: `${field} is empty` };
  if (/^[+-]/.test(value)) {
    return { problem: value.startsWith('-') ? `${field} must not be negative (got "${value}")` : `${field} must be written without a sign (got "${value}")` };
  }
  if (/[eE]/.test(value)) return { problem: `${field} must be plain digits, not exponent notation (got "${value}")` };
  if (/[\s,_']/.test(value)) return { problem: `${field} must not contain spaces or digit separators (got "${value}")` };
  const match = PLAIN_DECIMAL.exec(value);
  if (match === null) return { problem: `${field} must be a decimal string of digits with an optional fraction after a point, e.g. "64210.5" (got "${value.slice(0, 40)}")` };
  const integerDigits = match[1].replace(/^0+(?=\d)/, '').length;
  if (integerDigits > maxIntegerDigits) return { problem: `${field} has ${integerDigits} digits before the point; at most ${maxIntegerDigits}` };
  const scale = match[2]?.length ?? 0;
  if (scale > maxScale) return { problem: `${field} has ${scale} decimals; at most ${maxScale}` };
  const decimal = new Dec(value);
  if ((limits.sign ?? 'positive') === 'positive' && decimal.isZero()) return { problem: `${field} must be greater than zero` };
  return { value: decimal };
}

/** The canonical string of a decimal: no exponent, no trailing fraction zeros ("1.50" → "1.5"). */
export const decimalString = (value: Dec): string => value.toFixed();
