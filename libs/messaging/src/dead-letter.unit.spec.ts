import { RpcException } from '@nestjs/microservices';
import { describeError } from './dead-letter';

describe('describeError', () => {
  it('keeps name, message and stack of an Error', () => {
    const error = new RangeError('out of range');
    expect(describeError(error)).toEqual({ name: 'RangeError', message: 'out of range', stack: error.stack });
  });

  it('reads the message of an RpcException and of the object Nest turns errors into', () => {
    expect(describeError(new RpcException('bad input'))).toMatchObject({ message: 'bad input' });
    expect(describeError(new RpcException({ code: 7 }))).toMatchObject({ message: '{"code":7}' });
    expect(describeError({ status: 'error', message: 'Internal server error' })).toEqual({
      name: 'RpcError',
      message: 'Internal server error',
      stack: null,
    });
  });

  it('describes anything else thrown', () => {
    expect(describeError('plain string')).toEqual({ name: 'NonError', message: 'plain string', stack: null });
    expect(describeError(42)).toEqual({ name: 'NonError', message: '42', stack: null });
    expect(describeError(undefined)).toEqual({ name: 'NonError', message: 'undefined', stack: null });
  });

  it('bounds what it stores', () => {
    const error = new Error('x'.repeat(10_000));
    const described = describeError(error);
    expect(described.message.length).toBeLessThanOrEqual(2_001);
    expect(described.stack!.length).toBeLessThanOrEqual(8_001);
  });
});
