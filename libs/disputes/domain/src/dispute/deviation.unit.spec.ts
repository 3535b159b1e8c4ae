import { contentHashOf, type DisputeEvent, type DisputeOpened, type EvidenceKind, type EvidenceSubmitted } from '@ticketing/contracts';
import { foldEvents, type Actor } from '@ticketing/kernel';
import { deviationOf, indexPriceItemFor } from './deviation';
import { disputeDecider, evidenceIdOf } from './dispute.decider';

const TOLERANCE = '0.005';
/** What a float implementation would compute. */
const floatDeviation = (liquidation: string, index: string): number => Math.abs(Number(liquidation) - Number(index)) / Number(index);

/** An exact decimal string of `units` × 10^-scale (BigInt, no floats). */
function scaled(units: bigint, scale: number): string {
  const digits = units.toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = digits.slice(digits.length - scale).replace(/0+$/, '');
  return fraction === '' ? whole : `${whole}.${fraction}`;
}

describe('deviationOf', () => {
  describe('exactly 0.5% is within the tolerance, where floats say it is outside', () => {
    // Each pair deviates by exactly 0.005 (liquidation = index × 1.005 or × 0.995); found by evaluating
    // `Math.abs(l - i) / i` in doubles, which lands just above 0.005 for every one of them.
    const ABOVE_INDEX: readonly [string, string][] = [
      ['10.05', '10'],
      ['0.1005', '0.1'],
      ['0.3015', '0.3'],
      ['0.7035', '0.7'],
      ['27637.75125', '27500.25'],
    ];
    const BELOW_INDEX: readonly [string, string][] = [
      ['9.95', '10'],
      ['0.995', '1'],
      ['1.0945', '1.1'],
      ['3439.4961', '3456.78'],
      ['94525.0995', '95000.1'],
      ['0.0000199', '0.00002'],
    ];

    it.each([...ABOVE_INDEX.map(([l, i]) => ['above', l, i]), ...BELOW_INDEX.map(([l, i]) => ['below', l, i])])(
      'liquidation %s the index: %s against %s',
      (side, liquidation, index) => {
        expect(Number(liquidation) > Number(index)).toBe(side === 'above');
        // The point of the pair: floats put it outside the tolerance…
        expect(floatDeviation(liquidation, index)).toBeGreaterThan(0.005);
        expect(floatDeviation(liquidation, index) <= 0.005).toBe(false);
        // …while it is exactly on it, and so within.
        expect(deviationOf(liquidation, index, TOLERANCE)).toEqual({ deviation: '0.005', withinTolerance: true });
      },
    );

    it('is within for every exact 0.5% move of an index between 10.00 and 99.99, though floats misjudge hundreds of them', () => {
      let floatsWrong = 0;
      for (let cents = 1000n; cents < 10000n; cents++) {
        const index = scaled(cents, 2);
        for (const factor of [1005n, 995n]) {
          const liquidation = scaled(cents * factor, 5); // index × 1.005 or × 0.995, exactly
          if (floatDeviation(liquidation, index) > 0.005) floatsWrong++;
          const result = deviationOf(liquidation, index, TOLERANCE);
          if (!result.withinTolerance || result.deviation !== '0.005') throw new Error(`${liquidation} against ${index}: ${JSON.stringify(result)}`);
        }
      }
      expect(floatsWrong).toBeGreaterThan(100);
    });

    it('shows a pair floats happen to round below 0.005 as exactly 0.005 too', () => {
      expect(floatDeviation('64531.5525', '64210.5')).toBeLessThan(0.005);
      expect(deviationOf('64531.5525', '64210.5', TOLERANCE)).toEqual({ deviation: '0.005', withinTolerance: true });
      expect(deviationOf('63889.4475', '64210.5', TOLERANCE)).toEqual({ deviation: '0.005', withinTolerance: true });
    });
  });

  describe('one unit of the 18th decimal past the boundary', () => {
    it('is outside, above the index and below it, and shows more than 0.005', () => {
      expect(deviationOf('10.050000000000000001', '10', TOLERANCE)).toEqual({ deviation: '0.005000000000000001', withinTolerance: false });
      expect(deviationOf('9.949999999999999999', '10', TOLERANCE)).toEqual({ deviation: '0.005000000000000001', withinTolerance: false });
      // Floats cannot even tell these prices from the boundary ones.
      expect(Number('10.050000000000000001')).toBe(Number('10.05'));
      expect(Number('9.949999999999999999')).toBe(Number('9.95'));
    });

    it('rounds a deviation past the tolerance up, never down onto it', () => {
      // 0.015000000000000001 / 3 = 0.005000000000000000333…: half-even would show 0.005.
      expect(deviationOf('3.015000000000000001', '3', TOLERANCE)).toEqual({ deviation: '0.005000000000000001', withinTolerance: false });
      expect(deviationOf('2.984999999999999999', '3', TOLERANCE)).toEqual({ deviation: '0.005000000000000001', withinTolerance: false });
      // 1 wei over an index of 10^19: 0.005 + 10^-37, still shown above 0.005.
      expect(deviationOf('10050000000000000000.000000000000000001', '10000000000000000000', TOLERANCE)).toEqual({
        deviation: '0.005000000000000001',
        withinTolerance: false,
      });
    });

    it('is within one unit inside the boundary', () => {
      expect(deviationOf('10.049999999999999999', '10', TOLERANCE).withinTolerance).toBe(true);
      expect(deviationOf('9.950000000000000001', '10', TOLERANCE).withinTolerance).toBe(true);
    });
  });

  describe('large and small values', () => {
    // 20 integer digits; the prices have 18 decimals (index × 0.005 must be a whole number of 10^-18, so the index has 16).
    const INDEX = '12345678901234567890.1234567890123456';
    const AT_BOUNDARY = '12407407295740740729.574074072957407328';

    it('stays exact with 20 integer digits and 18 decimals', () => {
      expect(deviationOf(AT_BOUNDARY, INDEX, TOLERANCE)).toEqual({ deviation: '0.005', withinTolerance: true });
      expect(deviationOf('12407407295740740729.574074072957407329', INDEX, TOLERANCE)).toEqual({ deviation: '0.005000000000000001', withinTolerance: false });
      expect(deviationOf('12283950506728395050.672839505067283872', INDEX, TOLERANCE)).toEqual({ deviation: '0.005', withinTolerance: true });
      expect(deviationOf('12283950506728395050.672839505067283871', INDEX, TOLERANCE)).toEqual({ deviation: '0.005000000000000001', withinTolerance: false });
      // To a double, the boundary and one wei past it are the same number.
      expect(Number(AT_BOUNDARY)).toBe(Number('12407407295740740729.574074072957407329'));
    });

    it('stays exact with the smallest prices', () => {
      expect(deviationOf('0.000000000000000201', '0.0000000000000002', TOLERANCE)).toEqual({ deviation: '0.005', withinTolerance: true });
      expect(deviationOf('0.000000000000000202', '0.0000000000000002', TOLERANCE)).toEqual({ deviation: '0.01', withinTolerance: false });
      expect(deviationOf('0.000000000000000001', '99999999999999999999.999999999999999999', TOLERANCE)).toEqual({ deviation: '1', withinTolerance: false });
    });

    it('shows a deviation that does not terminate rounded up to 18 decimals', () => {
      expect(deviationOf('3.01', '3', TOLERANCE)).toEqual({ deviation: '0.003333333333333334', withinTolerance: true });
      expect(deviationOf('100', '100', TOLERANCE)).toEqual({ deviation: '0', withinTolerance: true });
    });

    it('refuses an index price of zero rather than dividing by it', () => {
      expect(() => deviationOf('100', '0', TOLERANCE)).toThrow(RangeError);
    });
  });

  describe('a tolerance per symbol', () => {
    it('compares with the tolerance given (0.3%)', () => {
      expect(deviationOf('10.03', '10', '0.003')).toEqual({ deviation: '0.003', withinTolerance: true });
      expect(deviationOf('9.97', '10', '0.003')).toEqual({ deviation: '0.003', withinTolerance: true });
      expect(deviationOf('10.030000000000000001', '10', '0.003')).toEqual({ deviation: '0.003000000000000001', withinTolerance: false });
      // 0.4%: within the default 0.5%, outside 0.3%.
      expect(deviationOf('10.04', '10', '0.003')).toEqual({ deviation: '0.004', withinTolerance: false });
      expect(deviationOf('10.04', '10', TOLERANCE)).toEqual({ deviation: '0.004', withinTolerance: true });
    });
  });
});

describe('indexPriceItemFor', () => {
  const LIQUIDATED_AT = '2026-12-07T09:30:00.250Z';
  const WINDOW_MS = 60_000;
  const service: Actor = { kind: 'service', id: 'index-feed' };
  const agent: Actor = { kind: 'agent', id: 'a-1' };
  const customer: Actor = { kind: 'customer', id: 'c-1' };
  const at = (offsetMs: number): string => new Date(Date.parse(LIQUIDATED_AT) + offsetMs).toISOString();

  const opened: DisputeOpened = {
    type: 'DisputeOpened',
    schemaVersion: 1,
    data: {
      ticketId: 't-1',
      round: 1,
      customerId: 'c-1',
      position: { symbol: 'BTCUSDT', side: 'long', size: '0.5', leverage: '20', marginMode: 'isolated' },
      liquidationPrice: '64210.5',
      liquidatedAt: LIQUIDATED_AT,
      tolerance: TOLERANCE,
      openedBy: customer,
      openedAt: '2026-12-07T10:00:00.000Z',
      appealOf: null,
    },
  };

  let submissions = 0;
  function item(content: Record<string, unknown>, by: Actor = service, kind: EvidenceKind = 'index_price'): EvidenceSubmitted {
    const contentHash = contentHashOf(content);
    submissions++;
    return {
      type: 'EvidenceSubmitted',
      schemaVersion: 1,
      data: { ticketId: 't-1', round: 1, evidenceId: evidenceIdOf('t-1', kind, contentHash, by), kind, content, contentHash, submittedBy: by, submittedAt: `2026-12-07T10:${String(submissions % 60).padStart(2, '0')}:00.000Z` },
    };
  }
  const chosen = (events: DisputeEvent[]) => indexPriceItemFor(foldEvents(disputeDecider, events), WINDOW_MS)?.evidenceId;

  it('has none before the dispute is opened', () => {
    expect(chosen([])).toBeUndefined();
  });

  it('takes the exchange-side item nearest to the liquidation time', () => {
    const far = item({ indexPrice: '64100', at: at(-30_000) });
    const near = item({ indexPrice: '64200', at: at(2_000) }, agent);
    const farther = item({ indexPrice: '64300', at: at(45_000) });
    expect(chosen([opened, far, near, farther])).toBe(near.data.evidenceId);
    expect(chosen([opened, near, far])).toBe(near.data.evidenceId);
  });

  it('compares instants, whatever zone `at` is written in', () => {
    const utc = item({ indexPrice: '64100', at: at(5_000) });
    const berlin = item({ indexPrice: '64200', at: '2026-12-07T10:30:01.250+01:00' }); // 1 s after
    expect(chosen([opened, utc, berlin])).toBe(berlin.data.evidenceId);
  });

  it('of equally near items takes the latest submitted, before or after the liquidation time', () => {
    const first = item({ indexPrice: '64100', at: LIQUIDATED_AT });
    const correction = item({ indexPrice: '64200', at: LIQUIDATED_AT, note: 'corrected feed' });
    expect(chosen([opened, first, correction])).toBe(correction.data.evidenceId);
    expect(chosen([opened, correction, first])).toBe(first.data.evidenceId);
    const before = item({ indexPrice: '64100', at: at(-3_000) });
    const after = item({ indexPrice: '64200', at: at(3_000) });
    expect(chosen([opened, before, after])).toBe(after.data.evidenceId);
    expect(chosen([opened, after, before])).toBe(before.data.evidenceId);
  });

  it('does not count index prices a customer submitted, however near', () => {
    const customers = item({ indexPrice: '60000', at: LIQUIDATED_AT }, customer);
    expect(chosen([opened, customers])).toBeUndefined();
    const exchanges = item({ indexPrice: '64200', at: at(20_000) });
    expect(chosen([opened, exchanges, customers])).toBe(exchanges.data.evidenceId);
  });

  it('counts items of the supervisor and the admin as exchange-side', () => {
    expect(chosen([opened, item({ indexPrice: '1', at: LIQUIDATED_AT }, { kind: 'supervisor', id: 's-1' })])).toBeDefined();
    expect(chosen([opened, item({ indexPrice: '2', at: LIQUIDATED_AT }, { kind: 'admin', id: 'root' })])).toBeDefined();
  });

  it('has none outside the window, and takes one exactly at its edge', () => {
    expect(chosen([opened, item({ indexPrice: '64100', at: at(WINDOW_MS + 1) }), item({ indexPrice: '64100', at: at(-WINDOW_MS - 1) })])).toBeUndefined();
    const edge = item({ indexPrice: '64100', at: at(-WINDOW_MS) });
    expect(chosen([opened, edge])).toBe(edge.data.evidenceId);
  });

  it('looks only at index price items', () => {
    expect(chosen([opened, item({ markPrice: '64200', at: LIQUIDATED_AT }, service, 'mark_price')])).toBeUndefined();
  });
});
