import { ValidationError } from '@ticketing/kernel';
import { Type } from 'class-transformer';
import { IsInt, IsString, ValidateNested } from 'class-validator';
import { createValidationPipe } from './validation.pipe';

class Line {
  @IsString()
  sku!: string;
}

class Order {
  @IsInt()
  quantity!: number;

  @ValidateNested({ each: true })
  @Type(() => Line)
  lines!: Line[];
}

const validate = (value: unknown) =>
  createValidationPipe().transform(value, { type: 'body', metatype: Order, data: '' });

const rejectionOf = async (value: unknown): Promise<ValidationError> => {
  try {
    await validate(value);
  } catch (error) {
    if (error instanceof ValidationError) return error;
    throw error;
  }
  throw new Error('expected a ValidationError');
};

describe('createValidationPipe', () => {
  it('returns a DTO instance for a valid payload', async () => {
    const order = await validate({ quantity: 2, lines: [{ sku: 'a' }] });
    expect(order).toBeInstanceOf(Order);
    expect(order.lines[0]).toBeInstanceOf(Line);
  });

  it('names nested fields with dotted paths', async () => {
    const error = await rejectionOf({ quantity: 1, lines: [{ sku: 'a' }, { sku: 7 }] });
    expect(error.errors).toEqual([{ field: 'lines.1.sku', message: 'sku must be a string' }]);
  });

  it('rejects unknown fields, also nested ones', async () => {
    const error = await rejectionOf({ quantity: 1, lines: [{ sku: 'a', price: 1 }], admin: true });
    expect(error.errors).toEqual(
      expect.arrayContaining([
        { field: 'admin', message: 'property admin should not exist' },
        { field: 'lines.0.price', message: 'property price should not exist' },
      ]),
    );
  });

  const PROTOTYPE_NAMES = ['constructor', 'toString', '__proto__', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', 'propertyIsEnumerable', 'toLocaleString', '__defineGetter__', '__lookupSetter__'];

  it.each(PROTOTYPE_NAMES)('rejects Object.prototype name %s as an unknown field, top-level and nested', async (name) => {
    const top = await rejectionOf(JSON.parse(`{"quantity":1,"lines":[],"${name}":"x"}`));
    expect(top.errors).toEqual([{ field: name, message: `property ${name} should not exist` }]);
    const nested = await rejectionOf(JSON.parse(`{"quantity":1,"lines":[{"sku":"a","${name}":{"x":1}}]}`));
    expect(nested.errors).toEqual([{ field: `lines.0.${name}`, message: `property ${name} should not exist` }]);
  });

  it('does not convert types implicitly', async () => {
    const error = await rejectionOf({ quantity: '2', lines: [] });
    expect(error.errors).toEqual([{ field: 'quantity', message: 'quantity must be an integer number' }]);
  });

  it.each([undefined, null, 'x', 5, []])('rejects a body that is not a JSON object (%j) against `body`', async (value) => {
    const error = await rejectionOf(value);
    expect(error.errors).toEqual([{ field: 'body', message: 'body must be a JSON object' }]);
  });

  it('leaves non-body and non-DTO arguments to the plain ValidationPipe rules', async () => {
    const pipe = createValidationPipe();
    await expect(pipe.transform('t-1', { type: 'param', metatype: String, data: 'id' })).resolves.toBe('t-1');
    await expect(pipe.transform([1, 2], { type: 'body', metatype: Array, data: '' })).resolves.toEqual([1, 2]);
  });
});
