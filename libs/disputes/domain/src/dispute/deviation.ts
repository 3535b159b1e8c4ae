import type { DeviationAssessed } from '@ticketing/contracts';
import type { Actor } from '@ticketing/kernel';
import { Dec, decimalString } from '../decimal';
import type { DisputeState, EvidenceItem } from './dispute.state';

/** Actors whose index price counts: the exchange's trading system and its staff (a customer's is kept as evidence only). */
const EXCHANGE_SIDE: ReadonlySet<Actor['kind']> = new Set(['service', 'agent', 'supervisor', 'admin']);

/** Digits of the shown deviation; rounded up so a deviation past the tolerance never shows as equal to it. */
const DEVIATION_DECIMALS = 18;

export type DeviationResult = Readonly<{ deviation: string; withinTolerance: boolean }>;

/**
 * |liquidation − index| / index against `tolerance`, exactly: the comparison multiplies instead of
 * dividing (|L − I| ≤ tolerance × I), so no rounding decides a case on the boundary.
 */
export function deviationOf(liquidationPrice: string, indexPrice: string, tolerance: string): DeviationResult {
  const liquidation = new Dec(liquidationPrice);
  const index = new Dec(indexPrice);
  if (!index.isPositive() || index.isZero()) throw new RangeError(`index price must be positive, got ${indexPrice}`);
  const difference = liquidation.minus(index).abs();
  const withinTolerance = difference.lessThanOrEqualTo(new Dec(tolerance).times(index));
  const deviation = difference.dividedBy(index).toDecimalPlaces(DEVIATION_DECIMALS, Dec.ROUND_UP);
  return { deviation: decimalString(deviation), withinTolerance };
}

/**
 * The index price item for the liquidation time: the exchange-side `index_price` item whose `at` is
 * nearest to it, within `windowMs`; of equally near ones, the latest submitted (a correction).
 */
export function indexPriceItemFor(state: DisputeState, windowMs: number): EvidenceItem | undefined {
  if (state.liquidatedAt === null) return undefined;
  const liquidatedAt = Date.parse(state.liquidatedAt);
  let best: EvidenceItem | undefined;
  let bestDistance = Infinity;
  for (const item of state.items) {
    if (item.kind !== 'index_price' || !EXCHANGE_SIDE.has(item.submittedBy.kind)) continue;
    const distance = Math.abs(Date.parse(String(item.content['at'])) - liquidatedAt);
    if (distance <= windowMs && distance <= bestDistance) {
      best = item;
      bestDistance = distance;
    }
  }
  return best;
}

/** The assessment the current round should show now, or undefined when it lacks an index price for the liquidation time. */
export function assessmentFor(state: DisputeState, windowMs: number, now: string): DeviationAssessed['data'] | undefined {
  const round = state.rounds[state.rounds.length - 1];
  const item = indexPriceItemFor(state, windowMs);
  if (round === undefined || item === undefined || state.liquidationPrice === null || state.ticketId === null) return undefined;
  const indexPrice = String(item.content['indexPrice']);
  const { deviation, withinTolerance } = deviationOf(state.liquidationPrice, indexPrice, round.tolerance);
  return {
    ticketId: state.ticketId,
    round: round.round,
    deviation,
    tolerance: round.tolerance,
    withinTolerance,
    indexPrice,
    liquidationPrice: state.liquidationPrice,
    evidenceIds: [item.evidenceId],
    assessedAt: now,
  };
}
