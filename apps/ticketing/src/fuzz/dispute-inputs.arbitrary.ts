import fc from 'fast-check';
import { RawEntries, RawText, type RawJson } from './raw-json';

/**
 * Requests to the disputes context's write routes, built to get past validation into real cases:
 * the route, the case it aims at (by the state it should be in, resolved to a real ticket when
 * sent), the caller, and a body mixing valid values with the hostile forms of the issue (decimals
 * in exponent notation, with separators, 30 decimals, Arabic-Indic digits; impossible instants;
 * content with floats, deep nesting, huge lists; unknown evidence; old quotes; unsupported pairs).
 * Values only the live system knows (the current quote id, an evidence id of the case) are
 * `Live` placeholders the sender fills in; values every route must refuse wherever they appear are
 * wrapped in `MustRefuse`, so the oracle knows a body carrying one may never be accepted.
 */

/** The clock the fuzzed app starts on: a Monday. Liquidation times below lie before it. */
export const FUZZ_START = '2026-12-07T10:00:00.000Z';
/** The liquidation time of the fixtures' disputes; their index prices are quoted at it. */
export const LIQUIDATED_AT = '2026-12-07T09:30:00.250Z';

export const DISPUTE_ROUTES = ['open', 'evidence', 'attachments', 'decision', 'appeal', 'request', 'quote', 'accept', 'decline', 'proofs', 'tracing', 'outcome'] as const;
export type DisputeRoute = (typeof DISPUTE_ROUTES)[number];

/** The path of each route; `{id}` is the ticket. */
export const ROUTE_PATHS: Readonly<Record<DisputeRoute, string>> = {
  open: '/v1/disputes/{id}',
  evidence: '/v1/disputes/{id}/evidence',
  attachments: '/v1/disputes/{id}/attachments',
  decision: '/v1/disputes/{id}/decision',
  appeal: '/v1/disputes/{id}/appeal',
  request: '/v1/recoveries/{id}',
  quote: '/v1/recoveries/{id}/quote',
  accept: '/v1/recoveries/{id}/accept',
  decline: '/v1/recoveries/{id}/decline',
  proofs: '/v1/recoveries/{id}/proofs',
  tracing: '/v1/recoveries/{id}/tracing',
  outcome: '/v1/recoveries/{id}/outcome',
};

/** Which case a route writes: the dispute stream or the recovery stream of the ticket. */
export const routeFamily = (route: DisputeRoute): 'dispute' | 'recovery' => (DISPUTE_ROUTES.indexOf(route) < DISPUTE_ROUTES.indexOf('request') ? 'dispute' : 'recovery');

/**
 * The state of the ticket a request aims at. `fresh`: neither a dispute nor a recovery (of the
 * route's kind); `open`/`sealed`: a dispute with evidence, undecided or decided; `quoted`,
 * `expired`, `conditioned` (quoted, needs proof of ownership), `accepted`, `tracing`: a recovery.
 */
export const CASE_SLOTS = ['fresh', 'open', 'sealed', 'quoted', 'expired', 'conditioned', 'accepted', 'tracing'] as const;
export type CaseSlot = (typeof CASE_SLOTS)[number];

/** Who calls: the ticket's customer, another one, every staff and reader role, no token, an expired or forged one. */
export const DISPUTE_CALLERS = [
  'owner', 'other-customer', 'agent', 'unprofiled-agent', 'cleared-agent', 'supervisor', 'admin', 'service', 'auditor', 'ops', 'none', 'expired', 'forged',
] as const;
export type DisputeCaller = (typeof DISPUTE_CALLERS)[number];

/** Values the sender fills in from the live system. */
export type LiveRef = 'currentQuoteId' | 'oldQuoteId' | 'evidenceId' | 'foreignEvidenceId' | 'storedSha256' | 'storedSize';
export class Live {
  constructor(readonly ref: LiveRef) {}
}

/**
 * A value the route must refuse (400, 409, 422, …) whatever else the request carries: a hostile
 * decimal where a price or amount is required, a malformed instant, an unsupported network pair,
 * a quote or evidence id the case does not have. `undefined` inside: a required member left out.
 */
export class MustRefuse {
  constructor(
    readonly value: Draft,
    readonly what: string,
  ) {}
}

/** A body before the sender fills in live values; `undefined` members are left out. */
export type Draft = RawJson | Live | MustRefuse | undefined | readonly Draft[] | DraftObject;
export type DraftObject = { readonly [key: string]: Draft };

/** The body as sent: JSON (from a draft), none, or raw text under a content type of its own. */
export type FuzzBody = Readonly<{ kind: 'json'; draft: Draft }> | Readonly<{ kind: 'none' }> | Readonly<{ kind: 'raw'; text: string; contentType: string }>;

/** Where the request goes: a ticket in a state, that ticket's id in capitals, a ticket nobody has, or no id at all. */
export type CaseTarget =
  | Readonly<{ kind: 'slot'; slot: CaseSlot; pick: number }>
  | Readonly<{ kind: 'upper'; slot: CaseSlot; pick: number }>
  | Readonly<{ kind: 'unknown'; id: string }>
  | Readonly<{ kind: 'garbage'; id: string }>;

export type DisputeFuzzCase = Readonly<{ route: DisputeRoute; target: CaseTarget; caller: DisputeCaller; body: FuzzBody; idempotencyKey?: string }>;

/**
 * Fills the live placeholders of a draft (members left undefined are dropped) and lists, in
 * `refused`, every value the route must refuse that it carries.
 */
export function resolveDraft(draft: Draft, live: (ref: LiveRef) => RawJson, refused: string[] = []): RawJson {
  const resolve = (value: Draft): RawJson | undefined => {
    if (value instanceof MustRefuse) {
      const inner = resolve(value.value);
      refused.push(`${value.what}: ${inner === undefined ? '(left out)' : JSON.stringify(inner instanceof RawText ? inner.text : inner)?.slice(0, 60)}`);
      return inner;
    }
    if (value instanceof Live) return live(value.ref);
    if (value === undefined || value === null || typeof value !== 'object' || value instanceof RawText || value instanceof RawEntries) return value;
    if (Array.isArray(value)) return (value as readonly Draft[]).map((entry) => resolve(entry) ?? null);
    const members = Object.entries(value as DraftObject).map(([key, member]) => [key, resolve(member)] as const);
    return Object.fromEntries(members.filter(([, member]) => member !== undefined)) as RawJson;
  };
  return resolve(draft) ?? null;
}

// ---------------------------------------------------------------------------------------------
// Values

/** A member of a body: what it looks like when right, and its hostile forms (`undefined`: left out). */
type Field = Readonly<{ valid: fc.Arbitrary<Draft>; hostile: fc.Arbitrary<Draft> }>;
const field = (valid: fc.Arbitrary<Draft>, hostile: fc.Arbitrary<Draft>): Field => ({ valid, hostile });
const always = (value: Draft): fc.Arbitrary<Draft> => fc.constant(value);
/** Hostile values every route refuses where this member is (see MustRefuse). */
const refused = (what: string, values: fc.Arbitrary<Draft>): fc.Arbitrary<Draft> => values.map((value) => new MustRefuse(value, what));
const refusedFrom = (what: string, ...values: Draft[]): fc.Arbitrary<Draft> => refused(what, fc.constantFrom(...values));

const recordOf = (fields: Readonly<Record<string, Field>>, pick: (key: string, member: Field) => fc.Arbitrary<Draft>): fc.Arbitrary<DraftObject> =>
  fc.record(Object.fromEntries(Object.entries(fields).map(([key, member]) => [key, pick(key, member)]))) as fc.Arbitrary<DraftObject>;

/**
 * An object of `fields`: all valid (so requests get past validation into the case), exactly one
 * hostile (so the refusal names one thing), or each hostile now and then.
 */
function mixed(fields: Readonly<Record<string, Field>>): Readonly<{ valid: fc.Arbitrary<DraftObject>; oneBad: fc.Arbitrary<DraftObject>; chaos: fc.Arbitrary<DraftObject> }> {
  const keys = Object.keys(fields);
  return {
    valid: recordOf(fields, (_key, member) => member.valid),
    oneBad: fc.constantFrom(...keys).chain((bad) => recordOf(fields, (key, member) => (key === bad ? member.hostile : member.valid))),
    chaos: recordOf(fields, (_key, member) => fc.oneof({ weight: 3, arbitrary: member.valid }, { weight: 1, arbitrary: member.hostile })),
  };
}

/** A body of `fields`, mostly valid. */
const bodyRecord = (fields: Readonly<Record<string, Field>>): fc.Arbitrary<DraftObject> => {
  const { valid, oneBad, chaos } = mixed(fields);
  return fc.oneof({ weight: 4, arbitrary: valid }, { weight: 4, arbitrary: oneBad }, { weight: 1, arbitrary: chaos });
};

const merged = (base: Draft, more: Draft): Draft => ({ ...(base as DraftObject), ...(more as DraftObject) });

/**
 * A nested object as a field: valid when all its members are; hostile with one bad member, extras
 * that spoil it, or no object at all (refused as `what` unless `what` is undefined).
 */
const nested = (fields: Readonly<Record<string, Field>>, extras: Field = NO_EXTRAS, what?: string): Field => {
  const { valid, oneBad, chaos } = mixed(fields);
  const notAnObject = fc.constantFrom<Draft>(undefined, null, [], 'x', 5);
  return field(
    fc.tuple(valid, extras.valid).map(([base, more]) => merged(base, more)),
    fc.oneof(
      { weight: 4, arbitrary: oneBad },
      { weight: 1, arbitrary: chaos },
      { weight: 2, arbitrary: fc.tuple(valid, extras.hostile).map(([base, more]) => merged(base, more)) },
      { weight: 1, arbitrary: what === undefined ? notAnObject : refused(what, notAnObject) },
    ),
  );
};

/** Every hostile form of a decimal string the issue names, and then some. */
export const HOSTILE_DECIMAL_STRINGS = [
  '1e5', '6.42107e4', '1E5', '-1', '-0.5', '+1', '0', '0.0', '000', '1,000', '64,210.7', ' 1', '1 ', '1\n', '\u00a01', '1_000', "1'000",
  '\u0661\u0662\u0663', '\uff11\uff12\uff13', '.5', '5.', '1.2.3', '0x10', 'NaN', 'Infinity', '', ' ',
  `0.${'0'.repeat(29)}1`, `1.${'1'.repeat(30)}`, '1'.repeat(25), '1'.repeat(21), `1.${'1'.repeat(19)}`, '9'.repeat(41),
] as const;

/** The forms the issue names: exponent notation, negative, zero, separators and spaces, other digits, 30 decimals, 25 digits. */
const ISSUE_DECIMALS = ['1e5', '6.42107e4', '1E5', '-1', '0', '1,000', ' 1', '1 ', '\u0661\u0662\u0663', `0.${'0'.repeat(29)}1`, '1'.repeat(25)] as const;

const hostileDecimalValues: fc.Arbitrary<Draft> = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom<Draft>(...ISSUE_DECIMALS) },
  { weight: 4, arbitrary: fc.constantFrom<Draft>(...HOSTILE_DECIMAL_STRINGS) },
  {
    weight: 3,
    arbitrary: fc.constantFrom<Draft>(undefined, null, 0, 1.5, 21535.375, -1, 1e21, true, [], {}, ['1'], { value: '1' }, new RawText('1e400'), new RawText('123456789012345678901234567890'), new RawText('-0')),
  },
  { weight: 1, arbitrary: fc.constantFrom<Draft>('1'.repeat(10_000), '9'.repeat(200_000)) },
);

/** A plain positive decimal string within the limits (20 integer digits, 18 decimals), edges included. */
const validDecimal: fc.Arbitrary<string> = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('64210.5', '21427.698125', '0.75', '1', '20', '1.5', '2500', '0.001', '100') },
  {
    weight: 3,
    arbitrary: fc
      .tuple(fc.bigInt({ min: 0n, max: 10n ** 12n }), fc.option(fc.stringMatching(/^\d{1,18}$/), { nil: undefined }))
      .map(([whole, fraction]) => (fraction === undefined ? String(whole === 0n ? 1n : whole) : `${whole}.${fraction}`))
      .filter((text) => /[1-9]/.test(text)),
  },
  { weight: 1, arbitrary: fc.constantFrom(`${'9'.repeat(20)}.${'9'.repeat(18)}`, `0.${'0'.repeat(17)}1`, '00012.50', '1.000000000000000000') },
);
/** A required price or amount: every hostile form is refused. */
const decimal = field(validDecimal, refused('a hostile decimal', hostileDecimalValues));
/** A price inside a trade log's entry: kept as given (only numbers are checked there). */
const loggedDecimal = field(validDecimal, fc.oneof(fc.constantFrom<Draft>(...HOSTILE_DECIMAL_STRINGS), refusedFrom('a non-integer number in evidence', 1.5, 21535.375)));

/** Instants: ISO with a zone (valid, before the fuzz clock), and malformed, impossible or far-future ones. */
export const MALFORMED_INSTANTS = [
  '2026-02-30T10:00:00Z', '2026-13-01T00:00:00Z', '2026-12-07T24:00:00Z', '2026-12-07T09:30:00', '2026-12-07', '2026-12-07 09:30:00Z',
  '+275760-09-13T00:00:00Z', '2026-12-07T09:30:00.1234567891Z', '2026-12-07T09:30:00+25:00', 'yesterday', '', 'T'.repeat(36),
] as const;
const FAR_FUTURE = ['9999-12-31T23:59:59Z', '2099-01-01T00:00:00Z'] as const;
const validInstant = fc.constantFrom(LIQUIDATED_AT, LIQUIDATED_AT, '2026-12-07T09:30:00Z', '2026-12-07T10:30:00.250+01:00', '2026-12-06T23:59:59.999Z', '2026-11-30T00:00:00Z');
const notAnInstant = fc.oneof({ weight: 4, arbitrary: fc.constantFrom<Draft>(...MALFORMED_INSTANTS) }, { weight: 1, arbitrary: fc.constantFrom<Draft>(undefined, 1765099800000, null, new RawText('1e400'), { at: LIQUIDATED_AT }) });
/** When a position was liquidated: malformed or in the future is refused. */
const liquidationInstant = field(validInstant, refused('a malformed or future liquidation time', fc.oneof({ weight: 3, arbitrary: notAnInstant }, { weight: 1, arbitrary: fc.constantFrom(...FAR_FUTURE) })));
/** When a snapshot was taken: malformed is refused, a far-future one is kept (it assesses nothing). */
const snapshotInstant = field(validInstant, fc.oneof({ weight: 3, arbitrary: refused('a malformed instant', notAnInstant) }, { weight: 1, arbitrary: fc.constantFrom(...FAR_FUTURE) }));
/** An instant inside a trade log's entry: kept as given. */
const loggedInstant = field(validInstant, fc.constantFrom<Draft>(...MALFORMED_INSTANTS, ...FAR_FUTURE));

/** Free text (reasons, statements): valid (odd characters too), then blank, too long, not text; refused where it is required. */
const text = (max: number, required = true): Field => {
  const hostile = fc.constantFrom<Draft>(undefined, '', '   ', 'x'.repeat(max + 1), 5, null, [], { text: 'x' });
  return field(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('The index price feed lagged during the crash.', 'Liquidated within tolerance.', 'مرحبا — 你好 — 🙂', 'x', 'x'.repeat(max), '\u0000', 'a\u202eb') },
      { weight: 1, arbitrary: fc.string({ minLength: 1, maxLength: 80 }).filter((value) => value.trim().length > 0) },
    ),
    required ? refused(`text of 1 to ${max} characters`, hostile) : hostile,
  );
};

const enumOf = (valid: readonly string[], hostile: readonly Draft[], what?: string): Field =>
  field(fc.constantFrom(...valid), what === undefined ? fc.constantFrom<Draft>(...hostile) : refusedFrom(what, undefined, ...hostile));

const uuid = fc.uuid({ version: 4 });
const evidenceIds = field(
  fc.oneof({ weight: 6, arbitrary: always([new Live('evidenceId')]) }, { weight: 1, arbitrary: always([new Live('evidenceId'), new Live('evidenceId')]) }),
  refused(
    'evidence ids this case does not have',
    fc.oneof(
      { weight: 2, arbitrary: uuid.map<Draft>((id) => [id]) },
      { weight: 1, arbitrary: uuid.map<Draft>((id) => [new Live('evidenceId'), id]) },
      { weight: 1, arbitrary: always([new Live('foreignEvidenceId')]) },
      { weight: 2, arbitrary: fc.constantFrom<Draft>(undefined, [], [1], [null], 'x', null, ['x'.repeat(65)], Array.from({ length: 101 }, (_, index) => `e-${index}`)) },
    ),
  ),
);

const quoteId = field(
  always(new Live('currentQuoteId')),
  refused(
    'a quote id that is not the current one',
    fc.oneof({ weight: 3, arbitrary: always(new Live('oldQuoteId')) }, { weight: 1, arbitrary: uuid }, { weight: 2, arbitrary: fc.constantFrom<Draft>(undefined, '', 'not-a-quote', 'x'.repeat(37), 5, null, ['q']) }),
  ),
);

/**
 * The networks of a deposit, as a pair: feasible ones (EVM to EVM, a tag network without or with
 * a wrong memo) by canonical names and aliases in any case; unsupported pairs; unknown names.
 */
const networks = field(
  fc.constantFrom<Draft>(['BEP20', 'ERC20'], ['ETH', 'BSC'], ['matic', 'ETH'], ['Arbitrum One', 'avax-c'], [' eth ', 'bnb smart chain'], ['XRP', 'XRP'], ['XLM', 'xlm']),
  fc.oneof(
    { weight: 3, arbitrary: refusedFrom('an unsupported network pair', ['TRC20', 'ERC20'], ['BTC', 'ETH'], ['ETH', 'ETH'], ['ERC20', 'ETH']) },
    { weight: 1, arbitrary: fc.constantFrom<Draft>(['SOL', 'BSC'], ['XRP', 'XLM'], ['BTC', 'LTC']) },
    { weight: 2, arbitrary: refusedFrom('an unknown network', ['DOGE', 'ETH'], ['ETH', 'FOO'], ['', 'ETH'], [' ', ' '], ['ETH\u0000', 'BSC'], ['e'.repeat(41), 'ETH'], [3, 'ETH'], [null, 'ETH'], [undefined, 'ETH']) },
  ),
);

const memo = field(fc.constantFrom<Draft>(undefined, null, '', ' ', '104857', 'x'.repeat(64)), refusedFrom('a memo that is no memo', 'x'.repeat(65), 5, ['1'], { tag: 1 }));
const TX_HASH_HOSTILE = ['0x', 'abc', 'a'.repeat(129), '0x5c50 4ed4', '', null, 7] as const;
const txHash = field(fc.stringMatching(/^0x[0-9a-f]{64}$/), refusedFrom('a transaction hash that is none', undefined, ...TX_HASH_HOSTILE));
// Optional: left out or null is none given.
const creditTxHash = field(fc.oneof(fc.stringMatching(/^0x[0-9a-f]{64}$/), fc.constantFrom<Draft>(undefined, null)), refusedFrom('a transaction hash that is none', '0x', 'abc', 'a'.repeat(129), '0x5c50 4ed4', '', 7));
const ADDRESSES = ['0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90', 'rLHzPsX6oXkzU2qL12kHCH8G8cnZv1rBJh', 'TQ5hGz8qK3Cq1b9Yw7k8v4mNnP2rXs6Ddu'] as const;
const address = field(fc.constantFrom(...ADDRESSES), refusedFrom('an address that is none', undefined, 'short', 'with space in it', 'a'.repeat(129), '', null));
const asset = field(fc.constantFrom('ETH', 'eth', 'USDT', 'XRP', 'BNB', 'DAI'), refusedFrom('an asset symbol that is none', undefined, '', 'E', 'TOOLONGASSETSYMB', 'ÉTH', 'US DT', 3, null));

/** Deep nesting as text (JSON.stringify would not build it); a generated tree stays shallow. */
const deeplyNested = (depth: number): RawText => new RawText(`${'['.repeat(depth)}${']'.repeat(depth)}`);
const deeplyNestedObject = (depth: number): RawText => new RawText(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);

const HARMLESS_EXTRAS = [{}, {}, {}, { source: 'index-v3' }, { note: 'as exported' }, { count: 3 }, { nested: { deeper: ['a', 1] } }] as const;
/** What the request body parser refuses anywhere: numbers JSON cannot carry, nesting past 32, prototype names. */
const UNPARSABLE_EXTRAS = [{ big: new RawText('1e400') }, { deep: deeplyNested(3000) }, { deep: deeplyNestedObject(1000) }, { constructor: 'x' }, { toString: 1 }] as const;
/** Members evidence content may not carry (floats, unsafe integers, nesting past 16); a proof keeps them. */
const INEXACT_EXTRAS = [{ note: 1.5 }, { nested: { deeper: { price: 0.1 } } }, { big: new RawText('18446744073709551616') }, { deep: deeplyNested(20) }, { list: Array.from({ length: 2000 }, (_, index) => index + 0.5) }] as const;
const EVIDENCE_EXTRAS = field(fc.constantFrom<Draft>(...HARMLESS_EXTRAS), refusedFrom('evidence content with inexact numbers, too deep or unparsable', ...UNPARSABLE_EXTRAS, ...INEXACT_EXTRAS));
const PROOF_EXTRAS = field(fc.constantFrom<Draft>(...HARMLESS_EXTRAS, ...INEXACT_EXTRAS), refusedFrom('an unparsable body', ...UNPARSABLE_EXTRAS));
const NO_EXTRAS = field(always({}), always({}));

/** Lists of a trade log: a few entries, hostile ones, and now and then a huge one (4000 fills, with or without a float). */
const list = (entry: Field): Field =>
  field(
    fc.oneof({ weight: 12, arbitrary: fc.array(entry.valid, { minLength: 1, maxLength: 3 }) as fc.Arbitrary<Draft> }, { weight: 1, arbitrary: always(hugeFills(4000, false)) }),
    fc.oneof(
      { weight: 4, arbitrary: fc.tuple(entry.hostile, fc.array(entry.valid, { maxLength: 2 })).map<Draft>(([bad, good]) => [...good, bad]) },
      { weight: 1, arbitrary: always([]) },
      { weight: 2, arbitrary: refusedFrom('a trade log list that is no list of objects', 'fills', [1], [[]], null) },
      { weight: 1, arbitrary: refusedFrom('a float in evidence', hugeFills(4000, true)) },
    ),
  );

function hugeFills(count: number, withFloat: boolean): Draft {
  return Array.from({ length: count }, (_, index) => ({ orderId: `o-${index}`, price: withFloat && index === count - 1 ? 64400.5 : '64400', quantity: '0.001', at: LIQUIDATED_AT }));
}

const orderId = field(fc.constantFrom('o-1', 'o-2'), fc.oneof(refusedFrom('a float in evidence', 1.5), always(null)));
const entryOf = (fields: Readonly<Record<string, Field>>): Field => {
  const { valid, oneBad } = mixed(fields);
  return field(valid, fc.oneof({ weight: 4, arbitrary: oneBad }, { weight: 1, arbitrary: refusedFrom('a trade log entry that is no object', 'x', 5, null) }));
};
const order = entryOf({ orderId, side: enumOf(['buy', 'sell'], ['BUY', 'x']), price: loggedDecimal, quantity: loggedDecimal, at: loggedInstant });
const fill = entryOf({ orderId, price: loggedDecimal, quantity: loggedDecimal, fee: loggedDecimal, at: loggedInstant });
const marginRatio = entryOf({ at: loggedInstant, ratio: loggedDecimal });
const optional = (member: Field): Field => field(fc.oneof({ weight: 2, arbitrary: member.valid }, { weight: 1, arbitrary: always(undefined) }), member.hostile);

const HOSTILE_KINDS = ['INDEX_PRICE', 'screenshot', '', 5, null] as const;
const evidenceOf = (kind: string, content: Field): fc.Arbitrary<DraftObject> => bodyRecord({ kind: field(always(kind), refusedFrom('an unknown evidence kind', undefined, ...HOSTILE_KINDS)), content });
const content = (fields: Readonly<Record<string, Field>>): Field => nested(fields, EVIDENCE_EXTRAS, 'evidence content that is no object');

/** Signed decimals (funding): a sign is allowed, zero too; the other hostile forms are refused. */
const signedDecimal = field(
  fc.oneof(validDecimal, fc.constantFrom('-0.0001', '0', '-12.5')),
  refusedFrom('a hostile decimal', '--1', '-', '+0.1', 0.0001, '1e5', '1,000', ' 1', '\u0661\u0662\u0663', `0.${'0'.repeat(29)}1`, '1'.repeat(25), null),
);

/** Evidence by kind: index prices (which assess the case) most, then the others. */
const evidence: fc.Arbitrary<DraftObject> = fc.oneof(
  { weight: 3, arbitrary: evidenceOf('index_price', content({ indexPrice: decimal, at: snapshotInstant })) },
  { weight: 1, arbitrary: evidenceOf('mark_price', content({ markPrice: decimal, at: snapshotInstant })) },
  { weight: 1, arbitrary: evidenceOf('funding', content({ rate: signedDecimal, at: snapshotInstant, payment: optional(signedDecimal) })) },
  { weight: 2, arbitrary: evidenceOf('trade_log', content({ orders: optional(list(order)), fills: list(fill), marginRatios: optional(list(marginRatio)) })) },
  { weight: 2, arbitrary: evidenceOf('statement', content({ text: text(20_000) })) },
  {
    weight: 2,
    arbitrary: evidenceOf(
      'attachment',
      content({
        name: text(255),
        mediaType: enumOf(['application/pdf', 'image/png'], ['pdf', 'Application/PDF', '', 'a/b/c'], 'a media type that is none'),
        size: field(always(new Live('storedSize')), refusedFrom('a size that is not the stored bytes’', undefined, 0, -1, 1.5, 104857601, '45', 999)),
        sha256: field(always(new Live('storedSha256')), refusedFrom('a hash of no stored bytes', undefined, '0'.repeat(64), 'A'.repeat(64), 'abc', '')),
      }),
    ),
  },
  {
    weight: 1,
    arbitrary: fc.record({
      kind: refusedFrom('an unknown evidence kind', ...HOSTILE_KINDS),
      content: fc.constantFrom<Draft>(null, [], 'x', 5, {}, { text: 'a statement' }, deeplyNested(50)),
    }),
  },
);

/** Base64 bytes: valid (small, large, none at all), garbage, past the body limit. */
const base64 = field(
  fc.oneof(
    { weight: 5, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((bytes) => Buffer.from(bytes).toString('base64')) },
    { weight: 1, arbitrary: fc.constant(Buffer.from('%PDF-1.7 screenshot of the liquidation notice').toString('base64')) },
    { weight: 1, arbitrary: fc.constantFrom(Buffer.alloc(300_000, 7).toString('base64'), '') },
  ),
  fc.oneof(
    { weight: 6, arbitrary: refusedFrom('bytes that are not base64', undefined, '!!!!', 'abc', 'YQ', '====', 'YQ==\n', 'Y Q==', 'YQ=a', '-_-_', '\u0661\u0662\u0663\u0664', 5, null) },
    { weight: 1, arbitrary: refusedFrom('a body past the limit', 'A'.repeat(2_000_000)) },
  ),
);

const position = nested(
  {
    symbol: field(fc.constantFrom('BTCUSDT', 'btcusdt', 'ETHUSDT', 'SOL-PERP', ' XRPUSDT '), refusedFrom('a symbol that is none', undefined, '', 'B', 'X'.repeat(33), 'BTC USDT', '💥USDT', 42, null)),
    side: enumOf(['long', 'short'], ['LONG', 'up', '', 1], 'a side that is none'),
    size: decimal,
    leverage: field(fc.constantFrom('20', '1', '125', '1000', '0.5'), fc.oneof(decimal.hostile, refusedFrom('a leverage out of range', '1001', '0', '-20', '1e3'))),
    marginMode: enumOf(['isolated', 'cross'], ['ISOLATED', 'portfolio', ''], 'a margin mode that is none'),
  },
  NO_EXTRAS,
  'a position that is no object',
);

/** Decision bodies: mostly well formed, with compensation exactly when compensated (now and then not). */
const decision: fc.Arbitrary<Draft> = fc
  .tuple(
    bodyRecord({ outcome: enumOf(['upheld', 'compensated', 'rejected'], ['UPHELD', 'approved', '', 1, null], 'an outcome that is none'), reason: text(2000), citedEvidenceIds: evidenceIds }),
    fc.oneof({ weight: 3, arbitrary: bodyRecord({ amount: decimal, asset }) as fc.Arbitrary<Draft> }, { weight: 1, arbitrary: fc.constantFrom<Draft>(null, {}, 'x', { amount: '1' }, { amount: '1', asset: 'USDT', extra: 1 }) }),
    fc.oneof({ weight: 6, arbitrary: fc.constant(false) }, { weight: 1, arbitrary: fc.constant(true) }),
  )
  .map(([body, paid, mismatch]) => {
    const compensated = body.outcome === 'compensated';
    if (!mismatch) return { ...body, compensation: compensated ? paid : undefined };
    // None where one must be, or one where none belongs (null counts as none).
    if (compensated) return { ...body, compensation: new MustRefuse(undefined, 'a compensated outcome without compensation') };
    return { ...body, compensation: paid === null ? null : new MustRefuse(paid, 'compensation with an outcome that is not compensated') };
  });

/** A deposit: its networks as a pair (feasible, unsupported or unknown). */
const deposit: fc.Arbitrary<Draft> = bodyRecord({ asset, amount: decimal, txHash, networks, address, memo }).map(({ networks: pair, ...rest }) => {
  const inner = pair instanceof MustRefuse ? pair.value : pair;
  const [sentNetwork, expectedNetwork] = inner as Draft[];
  const wrap = (network: Draft): Draft => (pair instanceof MustRefuse ? new MustRefuse(network, pair.what) : network);
  return { ...rest, sentNetwork: wrap(sentNetwork), expectedNetwork: expectedNetwork };
});

const proof = bodyRecord({
  condition: enumOf(['proof_of_ownership'], ['proof_of_identity', '', 1], 'a condition that is none'),
  content: nested({ signedMessage: field(fc.constantFrom('0xsigned', 'I own 0x9f8b…'), fc.constantFrom<Draft>(1.5, null)), address: optional(field(fc.constantFrom(...ADDRESSES), fc.constantFrom<Draft>('short', ''))) }, PROOF_EXTRAS, 'proof content that is no object'),
});

const completion: fc.Arbitrary<Draft> = fc.oneof(
  { weight: 2, arbitrary: bodyRecord({ outcome: field(always('succeeded'), refusedFrom('an outcome that is none', 'SUCCEEDED', 'declined', '', null)), creditTxHash }) },
  { weight: 2, arbitrary: bodyRecord({ outcome: field(always('failed'), refusedFrom('an outcome that is none', 'FAILED', 'declined', '', null)), reason: text(2000) }) },
);

/** Bodies of each route (a route without one is sent none). */
const ROUTE_BODIES: Readonly<Record<DisputeRoute, fc.Arbitrary<Draft> | undefined>> = {
  open: bodyRecord({ position, liquidationPrice: decimal, liquidatedAt: liquidationInstant }),
  evidence,
  attachments: bodyRecord({ contentBase64: base64 }),
  decision,
  appeal: bodyRecord({ reason: text(2000) }),
  request: deposit,
  quote: undefined,
  accept: bodyRecord({ quoteId }),
  decline: bodyRecord({ quoteId, reason: optional(text(2000, false)) }),
  proofs: proof,
  tracing: undefined,
  outcome: completion,
};

/** Now and then a body no route takes: not JSON, not an object, another media type, an unknown member. */
const strayBody: fc.Arbitrary<FuzzBody> = fc.oneof(
  fc.constantFrom<FuzzBody>(
    { kind: 'raw', text: '{', contentType: 'application/json' },
    { kind: 'raw', text: '[]', contentType: 'application/json' },
    { kind: 'raw', text: 'null', contentType: 'application/json' },
    { kind: 'raw', text: '"x"', contentType: 'application/json' },
    { kind: 'raw', text: '{"reason":"a","reason":"b"}', contentType: 'application/json' },
    { kind: 'raw', text: 'reason=a', contentType: 'application/x-www-form-urlencoded' },
    { kind: 'raw', text: '{"reason":"a"}', contentType: 'text/plain' },
    // Past the 1 MB body limit.
    { kind: 'raw', text: JSON.stringify({ reason: 'x'.repeat(1_100_000) }), contentType: 'application/json' },
    { kind: 'none' },
  ),
  fc.constant<FuzzBody>({ kind: 'json', draft: { unexpected: true } }),
);

const bodyOf = (route: DisputeRoute): fc.Arbitrary<FuzzBody> => {
  const own = ROUTE_BODIES[route];
  if (own === undefined) return fc.oneof({ weight: 8, arbitrary: fc.constant<FuzzBody>({ kind: 'none' }) }, { weight: 1, arbitrary: strayBody });
  const json = own.map<FuzzBody>((draft) => ({ kind: 'json', draft }));
  // An unknown member on a valid body: refused whole (forbidNonWhitelisted).
  const extra = own.map<FuzzBody>((draft) => ({ kind: 'json', draft: { ...(draft as DraftObject), unknownMember: new MustRefuse(1, 'an unknown member') } }));
  return fc.oneof({ weight: 16, arbitrary: json }, { weight: 1, arbitrary: extra }, { weight: 1, arbitrary: strayBody });
};

/** The cases and callers a route is meant for: most requests go there, the rest anywhere. */
const NATURAL: Readonly<Record<DisputeRoute, Readonly<{ slots: readonly CaseSlot[]; callers: readonly DisputeCaller[] }>>> = {
  open: { slots: ['fresh', 'fresh', 'open'], callers: ['owner', 'owner', 'supervisor', 'cleared-agent'] },
  evidence: { slots: ['open', 'open', 'sealed'], callers: ['owner', 'service', 'agent', 'supervisor'] },
  attachments: { slots: ['open', 'sealed'], callers: ['owner', 'service'] },
  decision: { slots: ['open', 'open', 'sealed'], callers: ['cleared-agent', 'supervisor', 'agent', 'admin'] },
  appeal: { slots: ['sealed', 'sealed', 'open'], callers: ['owner', 'owner', 'cleared-agent', 'supervisor'] },
  request: { slots: ['fresh', 'fresh', 'quoted'], callers: ['owner', 'owner', 'supervisor', 'agent'] },
  quote: { slots: ['expired', 'expired', 'quoted'], callers: ['owner', 'supervisor'] },
  accept: { slots: ['quoted', 'quoted', 'conditioned', 'expired', 'accepted'], callers: ['owner'] },
  decline: { slots: ['quoted', 'conditioned', 'accepted'], callers: ['owner'] },
  proofs: { slots: ['conditioned', 'conditioned', 'quoted', 'accepted'], callers: ['owner', 'supervisor', 'agent'] },
  tracing: { slots: ['accepted', 'accepted', 'quoted', 'tracing'], callers: ['cleared-agent', 'supervisor', 'agent'] },
  outcome: { slots: ['tracing', 'tracing', 'accepted'], callers: ['cleared-agent', 'supervisor', 'admin'] },
};

const targetOf = (route: DisputeRoute): fc.Arbitrary<CaseTarget> => {
  const slot = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...NATURAL[route].slots) }, { weight: 1, arbitrary: fc.constantFrom(...CASE_SLOTS) });
  return fc.oneof(
    { weight: 14, arbitrary: fc.record({ kind: fc.constant('slot' as const), slot, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('upper' as const), slot, pick: fc.nat() }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('unknown' as const), id: uuid }) },
    {
      weight: 1,
      arbitrary: fc.record({
        kind: fc.constant('garbage' as const),
        id: fc.constantFrom('not-a-uuid', 'ffffffff-ffff-ffff-ffff-ffffffffffff', '00000000-0000-0000-0000-000000000000', 'a'.repeat(300), '%20', '%F0%9F%98%80', '1'),
      }),
    },
  );
};

const callerOf = (route: DisputeRoute): fc.Arbitrary<DisputeCaller> =>
  fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...NATURAL[route].callers) }, { weight: 1, arbitrary: fc.constantFrom(...DISPUTE_CALLERS) });

/** One request to a disputes/recoveries write route; `routes` narrows the choice (default: all twelve). */
export function disputeFuzzCase(routes: readonly DisputeRoute[] = DISPUTE_ROUTES): fc.Arbitrary<DisputeFuzzCase> {
  return fc.constantFrom(...routes).chain((route) =>
    fc.record({
        route: fc.constant(route),
        target: targetOf(route),
        caller: callerOf(route),
        body: bodyOf(route),
        // Now and then a key: a retry replays the first answer, the same key on another request is refused.
        idempotencyKey: fc.oneof({ weight: 12, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: fc.constantFrom('fuzz-k1', 'fuzz-k2') }),
      }),
  );
}
