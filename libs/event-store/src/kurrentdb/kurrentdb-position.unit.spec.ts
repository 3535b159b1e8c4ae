import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { START } from '@kurrent/kurrentdb-client';
import { positionAfter, toGlobalPosition, UnmappablePositionError } from './kurrentdb-position';

const at = (commit: bigint, prepare = commit) => ({ commit, prepare });

describe('toGlobalPosition', () => {
  it('is the commit offset, as a number, when commit and prepare agree', () => {
    expect(toGlobalPosition(at(1n), 'e')).toBe(1);
    expect(toGlobalPosition(at(4_242_117n), 'e')).toBe(4_242_117);
    expect(toGlobalPosition(at(BigInt(Number.MAX_SAFE_INTEGER)), 'e')).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('round-trips every representable offset through positionAfter without loss', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: 1n, max: BigInt(Number.MAX_SAFE_INTEGER) }), (offset) => {
        const position = toGlobalPosition(at(offset), 'e');
        expect(positionAfter(position)).toEqual(at(offset));
      }),
    );
  });

  it.each<[string, { commit: bigint; prepare: bigint } | undefined, RegExp]>([
    ['no position at all', undefined, /22\.6/],
    ['the "no position" marker of servers before 22.6', at(0xffff_ffff_ffff_ffffn), /22\.6/],
    ['an explicit transaction (commit after prepare)', at(900n, 700n), /explicit transaction/],
    ['offset 0, which stands for "before the first event"', at(0n), /outside 1\.\./],
    ['an offset beyond 2^53 - 1 that a number would round', at(BigInt(Number.MAX_SAFE_INTEGER) + 1n), /outside 1\.\./],
  ])('refuses %s instead of inventing a position', (_, position, message) => {
    expect(() => toGlobalPosition(position, 'Event x')).toThrow(UnmappablePositionError);
    expect(() => toGlobalPosition(position, 'Event x')).toThrow(message);
  });
});

describe('positionAfter', () => {
  it('starts at the beginning of $all for 0 and at the reported offset otherwise', () => {
    expect(positionAfter(0)).toBe(START);
    expect(positionAfter(12_345)).toEqual(at(12_345n));
  });
});
