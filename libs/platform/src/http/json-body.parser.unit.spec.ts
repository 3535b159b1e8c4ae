import { BadRequestException } from '@nestjs/common';
import { ValidationError } from '@ticketing/kernel';
import { MAX_BODY_DEPTH, parseJsonBody } from './json-body.parser';

const nested = (depth: number): string => '['.repeat(depth) + ']'.repeat(depth);

const rejectionOf = (text: string): unknown => {
  try {
    parseJsonBody(text);
  } catch (error) {
    return error;
  }
  throw new Error(`expected ${text.slice(0, 40)} to be refused`);
};

describe('parseJsonBody', () => {
  it('parses JSON, keeping well-formed Unicode (surrogate pairs included) and finite numbers', () => {
    expect(parseJsonBody('{"subject":"提现 😀","n":1.5e300,"list":[1,{"a":null}]}')).toEqual({ subject: '提现 😀', n: 1.5e300, list: [1, { a: null }] });
  });

  it.each(['', '   ', '\n'])('makes an empty body (%j) undefined', (text) => {
    expect(parseJsonBody(text)).toBeUndefined();
  });

  it('refuses invalid JSON as a bad request', () => {
    expect(rejectionOf('{"subject": ')).toBeInstanceOf(BadRequestException);
  });

  it(`accepts ${MAX_BODY_DEPTH} levels of nesting and refuses one more, before parsing`, () => {
    expect(parseJsonBody(nested(MAX_BODY_DEPTH))).toBeDefined();
    expect(rejectionOf(nested(MAX_BODY_DEPTH + 1))).toBeInstanceOf(BadRequestException);
    expect(rejectionOf(`{"a":${nested(5000)}}`)).toBeInstanceOf(BadRequestException);
  });

  it('counts no brackets inside strings, escaped quotes included', () => {
    const text = JSON.stringify({ body: `"\\${'['.repeat(100)}` });
    expect(parseJsonBody(text)).toEqual({ body: `"\\${'['.repeat(100)}` });
  });

  it.each(['1e309', '-1e309', '{"a":{"b":[1e400]}}'])('refuses %s: a number JSON cannot carry', (text) => {
    const error = rejectionOf(text);
    expect(error).toBeInstanceOf(ValidationError);
    expect((error as ValidationError).errors[0]?.message).toMatch(/finite number/);
  });

  it('names the field of a non-finite number', () => {
    expect((rejectionOf('{"assetContext":{"amount":1e309}}') as ValidationError).errors).toEqual([
      { field: 'assetContext.amount', message: 'assetContext.amount must be a finite number' },
    ]);
  });

  it.each(['"\\ud800@x.com"', '{"email":{"fromAddress":"\\ud800@x.com"}}', '["a\\udc00"]', '{"\\udbff":1}', '"\\ude00\\ud83d"'])(
    'refuses %s: a lone surrogate',
    (text) => {
      const error = rejectionOf(text);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as ValidationError).errors[0]?.message).toMatch(/well-formed Unicode/);
    },
  );
});
