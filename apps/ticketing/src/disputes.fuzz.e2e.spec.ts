import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { ManualClock } from '@ticketing/kernel';
import { Dec, RECOVERY_STATUSES } from '@ticketing/disputes-domain';
import type { RecoveryView } from '@ticketing/disputes-feature';
import { loadOrCreateDevSecret, mintDevToken, type Role } from '@ticketing/platform';
import type { RecordedEvent } from '@ticketing/event-store';
import { seedFrom } from './fuzz/fuzz-run';
import { FUZZ_APP_ENV } from './fuzz/fuzz-target';
import { renderRawJson, type RawJson } from './fuzz/raw-json';
import {
  DISPUTE_ROUTES,
  disputeFuzzCase,
  FUZZ_START,
  HOSTILE_DECIMAL_STRINGS,
  LIQUIDATED_AT,
  resolveDraft,
  ROUTE_PATHS,
  routeFamily,
  type CaseSlot,
  type DisputeCaller,
  type DisputeFuzzCase,
  type DisputeRoute,
  type LiveRef,
} from './fuzz/dispute-inputs.arbitrary';
import { TicketingHarness, type HttpReply } from './test-support/ticketing.harness';

/** The generator on a fixed seed in `npm test`; `FUZZ_SEED=random` (or a number) explores instead. */
const SEED = seedFrom(process.env.FUZZ_SEED, 20261207);
const RUNS = 600;
const MAX_ROUNDS = 3;
const HOUR_MS = 3_600_000;
/** Quotes are valid 72 hours: past this, every quote made before has expired. */
const PAST_QUOTE_VALIDITY_MS = 73 * HOUR_MS;
const NO_SUCH_ID = '00000000-0000-4000-8000-00000000f00d';
const ATTACHMENT = Buffer.from('%PDF-1.7 screenshot of the liquidation notice');

type Decision = { outcome: string; compensation: { amount: string; asset: string } | null; citedEvidenceIds: string[] };
type Assessment = { deviation: string; tolerance: string; withinTolerance: boolean; evidenceIds: string[] };
/** A dispute as GET /v1/disputes/{id} shows it (the fields the oracle reads). */
type DisputeView = {
  status: 'open' | 'sealed';
  round: number;
  decision: Decision | null;
  rounds: { round: number; appealOf: { round: number; reason: string } | null; assessment: Assessment | null; decision: Decision | null }[];
  items: { evidenceId: string; kind: string; contentHash: string }[];
};
type Tokens = Readonly<Record<DisputeCaller, string | undefined>>;
type Cases = { dispute: DisputeView | null; recovery: RecoveryView | null };

const ETH_DEPOSIT = {
  asset: 'ETH',
  amount: '1.5',
  txHash: '0x5c504ed432cb51138bcf09aa5e8a410dd4a1e204ef84bfed1be16dfba1b22060',
  sentNetwork: 'BEP20',
  expectedNetwork: 'ERC20',
  address: '0x9f8b1c3f6f4b1e0b2b0f7d3c1a2e4b5c6d7e8f90',
};
const XRP_DEPOSIT = {
  asset: 'XRP',
  amount: '2500',
  txHash: 'A1B2C3D4E5F60718293A4B5C6D7E8F90A1B2C3D4E5F60718293A4B5C6D7E8F90',
  sentNetwork: 'XRP',
  expectedNetwork: 'XRP',
  address: 'rLHzPsX6oXkzU2qL12kHCH8G8cnZv1rBJh',
  memo: null,
};
const DISPUTE = {
  position: { symbol: 'BTCUSDT', side: 'long', size: '0.750', leverage: '20', marginMode: 'isolated' },
  liquidationPrice: '21427.698125',
  liquidatedAt: LIQUIDATED_AT,
};
const TRADE_LOG = { fills: [{ orderId: 'o-1', price: '64400', quantity: '0.75', fee: '0.9660', at: '2026-12-07T08:00:01Z' }] };
const INDEX_PRICE = { indexPrice: '21535.375', at: LIQUIDATED_AT, source: 'index-v3' };

/**
 * The app booted in-process on a ManualClock, with a token for every caller, and tickets built on
 * demand in each state a dispute or recovery can be in. What the fuzzer's 2xx answers do to a case
 * is read back, so a ticket is picked by the state it is in now.
 */
class DisputesWorld {
  tokens!: Tokens;
  readonly cases = new Map<string, Cases>();
  /** Every quote id seen, oldest first: "an old quote" for accept and decline. */
  readonly quoteIds: string[] = [];
  stored!: Readonly<{ sha256: string; size: number }>;

  constructor(
    readonly harness: TicketingHarness,
    readonly clock: ManualClock,
  ) {}

  /** Tokens expire: minted anew from the clock's now (after every advance). */
  async mintTokens(): Promise<void> {
    const secret = await loadOrCreateDevSecret(this.harness.dataDir);
    const mint = (role: Role, sub: string, now = this.clock.now(), ttlSeconds = 4 * 3600) => mintDevToken({ sub, roles: [role], secret, now, ttlSeconds });
    const supervisor = await mint('supervisor', 'sup-fuzz');
    this.tokens = {
      owner: await mint('customer', 'cust-owner'),
      'other-customer': await mint('customer', 'cust-other'),
      agent: await mint('agent', 'agent-plain'),
      'unprofiled-agent': await mint('agent', 'agent-nobody'),
      'cleared-agent': await mint('agent', 'agent-cleared'),
      supervisor,
      admin: await mint('admin', 'admin-fuzz'),
      service: await mint('service', 'trading-engine'),
      auditor: await mint('auditor', 'aud-fuzz'),
      ops: await mint('ops', 'ops-fuzz'),
      none: undefined,
      expired: await mint('supervisor', 'sup-fuzz', new Date(this.clock.now().getTime() - 2 * HOUR_MS), 60),
      // A supervisor's token with another signature.
      forged: `${supervisor.slice(0, -6)}${supervisor.endsWith('AAAAAA') ? 'BBBBBB' : 'AAAAAA'}`,
    };
  }

  /** Moves the clock (tokens minted anew; quotes read back, some now expired). */
  async advance(ms: number): Promise<void> {
    this.clock.advance(ms);
    await this.mintTokens();
    for (const id of this.cases.keys()) await this.refresh(id);
  }

  async profiles(): Promise<void> {
    const profile = (clearances: string[]) => ({ displayName: 'Dee', languages: ['en'], skills: ['liquidation_dispute'], clearances, capacity: {} });
    for (const [agent, clearances] of [['agent-cleared', ['disputes', 'recovery']], ['agent-plain', []]] as const) {
      const reply = await this.harness.request('PUT', `/v1/routing/agents/${agent}`, { token: this.tokens.supervisor, body: profile([...clearances]) });
      if (reply.status !== 200) throw new Error(`agent profile: ${reply.status} ${JSON.stringify(reply.body)}`);
    }
  }

  async post(path: string, caller: DisputeCaller, body?: unknown): Promise<HttpReply> {
    return this.harness.request('POST', path, { token: this.tokens[caller], body });
  }

  /** Posts and insists on a 2xx (fixtures). */
  async must(path: string, caller: DisputeCaller, body?: unknown): Promise<unknown> {
    const reply = await this.post(path, caller, body);
    if (reply.status >= 300) throw new Error(`setup: POST ${path} as ${caller} answered ${reply.status} ${JSON.stringify(reply.body)}`);
    return reply.body;
  }

  async openTicket(caller: DisputeCaller = 'owner'): Promise<string> {
    const reply = await this.post('/v1/tickets', caller, { channel: 'web_form', subject: 'Liquidation', body: 'Where is the fee schedule?', webForm: { formId: 'futures-help' } });
    if (reply.status !== 201) throw new Error(`setup: a ticket: ${reply.status} ${JSON.stringify(reply.body)}`);
    const id = (reply.body as { id: string }).id;
    await this.harness.ticketQueued(id);
    this.cases.set(id, { dispute: null, recovery: null });
    return id;
  }

  /** Reads both cases of a ticket back (as a supervisor: every field). */
  async refresh(ticketId: string): Promise<Cases> {
    const read = async <T>(path: string): Promise<T | null> => {
      const reply = await this.harness.request('GET', path, { token: this.tokens.supervisor });
      if (reply.status === 404) return null;
      if (reply.status !== 200) throw new Error(`GET ${path} answered ${reply.status} ${JSON.stringify(reply.body)}`);
      return reply.body as T;
    };
    const cases = { dispute: await read<DisputeView>(`/v1/disputes/${ticketId}`), recovery: await read<RecoveryView>(`/v1/recoveries/${ticketId}`) };
    this.cases.set(ticketId, cases);
    const quoteId = cases.recovery?.quote?.quoteId;
    if (quoteId !== undefined && !this.quoteIds.includes(quoteId)) this.quoteIds.push(quoteId);
    return cases;
  }

  /** The bytes attachment items name, uploaded once on a case of their own. */
  async storeAttachment(): Promise<void> {
    const id = await this.openTicket();
    await this.must(`/v1/disputes/${id}`, 'owner', DISPUTE);
    this.stored = (await this.must(`/v1/disputes/${id}/attachments`, 'owner', { contentBase64: ATTACHMENT.toString('base64') })) as { sha256: string; size: number };
    await this.refresh(id);
  }

  async build(slot: CaseSlot): Promise<string> {
    const id = await this.openTicket();
    switch (slot) {
      case 'fresh':
        break;
      case 'open':
      case 'sealed': {
        await this.must(`/v1/disputes/${id}`, 'owner', DISPUTE);
        await this.must(`/v1/disputes/${id}/evidence`, 'service', { kind: 'trade_log', content: TRADE_LOG });
        const dispute = (await this.must(`/v1/disputes/${id}/evidence`, 'service', { kind: 'index_price', content: INDEX_PRICE })) as DisputeView;
        await this.must(`/v1/disputes/${id}/evidence`, 'owner', { kind: 'attachment', content: { name: 'notice.pdf', mediaType: 'application/pdf', ...this.stored } });
        if (slot === 'sealed') {
          const cited = dispute.items.filter((item) => item.kind === 'index_price').map((item) => item.evidenceId);
          await this.must(`/v1/disputes/${id}/decision`, 'cleared-agent', { outcome: 'rejected', reason: 'Within the 0.5% tolerance.', citedEvidenceIds: cited });
        }
        break;
      }
      case 'quoted':
      case 'expired':
      case 'accepted':
      case 'tracing': {
        const recovery = (await this.must(`/v1/recoveries/${id}`, 'owner', ETH_DEPOSIT)) as RecoveryView;
        if (slot === 'accepted' || slot === 'tracing') await this.must(`/v1/recoveries/${id}/accept`, 'owner', { quoteId: recovery.quote!.quoteId });
        if (slot === 'tracing') await this.must(`/v1/recoveries/${id}/tracing`, 'cleared-agent');
        break;
      }
      case 'conditioned':
        await this.must(`/v1/recoveries/${id}`, 'owner', XRP_DEPOSIT);
        break;
    }
    await this.refresh(id);
    return id;
  }

  /** Whether the ticket's cases are in `slot` for a request to `route`. */
  static inSlot(cases: Cases, slot: CaseSlot, route: DisputeRoute): boolean {
    const { dispute, recovery } = cases;
    const quoted = recovery?.status === 'quoted' && recovery.quote !== null;
    switch (slot) {
      case 'fresh':
        return routeFamily(route) === 'dispute' ? dispute === null : recovery === null;
      case 'open':
        return dispute?.status === 'open';
      case 'sealed':
        return dispute?.status === 'sealed';
      case 'quoted':
        return quoted && !recovery.quote!.expired && recovery.conditions.length === 0;
      case 'expired':
        return quoted && recovery.quote!.expired;
      case 'conditioned':
        return quoted && !recovery.quote!.expired && recovery.conditions.length > 0;
      case 'accepted':
        return recovery?.status === 'accepted';
      case 'tracing':
        return recovery?.status === 'tracing';
    }
  }

  /** A ticket in `slot` now (the `pick`-th of them), built when none is; an expired quote cannot be built mid-run. */
  async ticketIn(slot: CaseSlot, pick: number, route: DisputeRoute): Promise<string> {
    const candidates = [...this.cases.entries()].filter(([, cases]) => DisputesWorld.inSlot(cases, slot, route)).map(([id]) => id);
    if (candidates.length > 0) return candidates[pick % candidates.length];
    return this.build(slot === 'expired' ? 'quoted' : slot);
  }

  /** The live value a draft names, for the ticket `ticketId` (a stand-in when it has none). */
  live(ref: LiveRef, ticketId: string): RawJson {
    const cases = this.cases.get(ticketId);
    switch (ref) {
      case 'currentQuoteId':
        return cases?.recovery?.quote?.quoteId ?? NO_SUCH_ID;
      case 'oldQuoteId':
        return this.quoteIds.find((id) => id !== cases?.recovery?.quote?.quoteId) ?? NO_SUCH_ID;
      case 'evidenceId': {
        const items = cases?.dispute?.items ?? [];
        return (items.find((item) => item.kind === 'index_price') ?? items[0])?.evidenceId ?? NO_SUCH_ID;
      }
      case 'foreignEvidenceId':
        for (const [id, other] of this.cases) if (id !== ticketId && other.dispute !== null && other.dispute.items.length > 0) return other.dispute.items[0].evidenceId;
        return NO_SUCH_ID;
      case 'storedSha256':
        return this.stored.sha256;
      case 'storedSize':
        return this.stored.size;
    }
  }

  /** Events on any dispute or recovery stream after `position` (other contexts' streams, written asynchronously, left out). */
  async casesAppendedAfter(position: number): Promise<RecordedEvent[]> {
    const events: RecordedEvent[] = [];
    for await (const event of this.harness.runtime.eventStore.readAll({ fromPosition: position, filter: { streamPrefixes: ['dispute-', 'recovery-'] } })) events.push(event);
    return events;
  }

  async streamLength(streamName: string): Promise<number> {
    let count = 0;
    for await (const _event of this.harness.runtime.eventStore.readStream(streamName)) count += 1;
    return count;
  }
}

/** What is wrong with a problem answer, if anything: problem+json with a detail and its status. */
function problemViolation(reply: HttpReply): string | undefined {
  if (!reply.contentType?.includes('application/problem+json')) return `${reply.status} as ${reply.contentType ?? 'no content type'}`;
  const problem = reply.body as { detail?: unknown; status?: unknown; type?: unknown; title?: unknown };
  if (typeof problem !== 'object' || problem === null) return `${reply.status} problem body is not a JSON object`;
  if (typeof problem.detail !== 'string' || problem.detail.trim().length === 0) return `${reply.status} problem without a detail`;
  if (problem.status !== reply.status || typeof problem.type !== 'string' || typeof problem.title !== 'string') return `${reply.status} problem lacks type/title/status`;
  return undefined;
}

/** What is inconsistent in a dispute as read back, if anything. */
function disputeViolation(dispute: DisputeView): string | undefined {
  const { rounds, items } = dispute;
  const decisions = rounds.filter((round) => round.decision !== null).length;
  const appeals = rounds.filter((round) => round.appealOf !== null).length;
  if (rounds.length === 0 || rounds.length > MAX_ROUNDS || dispute.round !== rounds.length) return `${rounds.length} rounds, current ${dispute.round}`;
  if (appeals !== rounds.length - 1) return `${appeals} appeals in ${rounds.length} rounds`;
  if (rounds.slice(0, -1).some((round) => round.decision === null)) return 'an earlier round without a decision';
  if (dispute.status === 'sealed' && (decisions !== appeals + 1 || dispute.decision === null)) return `sealed with ${decisions} decisions and ${appeals} appeals`;
  if (dispute.status === 'open' && (decisions !== appeals || dispute.decision !== null)) return `open with ${decisions} decisions and ${appeals} appeals`;
  const ids = new Set(items.map((item) => item.evidenceId));
  if (ids.size !== items.length) return 'an evidence item twice';
  if (items.some((item) => !/^[0-9a-f]{64}$/.test(item.contentHash))) return 'an item without its content hash';
  for (const round of rounds) {
    if (round.decision !== null) {
      const { citedEvidenceIds, outcome, compensation } = round.decision;
      if (citedEvidenceIds.length === 0 || citedEvidenceIds.some((id) => !ids.has(id)) || new Set(citedEvidenceIds).size !== citedEvidenceIds.length) return `round ${round.round} cites ${citedEvidenceIds.join(', ')}`;
      if ((outcome === 'compensated') !== (compensation !== null)) return `round ${round.round} ${outcome} with compensation ${JSON.stringify(compensation)}`;
    }
    const assessment = round.assessment;
    if (assessment !== null) {
      if (assessment.evidenceIds.some((id) => !ids.has(id))) return `round ${round.round} assessed on unknown evidence`;
      if (new Dec(assessment.deviation).lte(assessment.tolerance) !== assessment.withinTolerance) return `round ${round.round}: deviation ${assessment.deviation} vs tolerance ${assessment.tolerance} judged ${assessment.withinTolerance}`;
    }
  }
  return undefined;
}

/** What is inconsistent in a recovery as read back, if anything. */
function recoveryViolation(recovery: RecoveryView): string | undefined {
  const { status, quote, outcome, deposit } = recovery;
  if (!(RECOVERY_STATUSES as readonly string[]).includes(status) || status === 'none') return `status ${status}`;
  if (!/^\d+(\.\d+)?$/.test(deposit.amount)) return `amount ${deposit.amount}`;
  if (quote === null) return 'no quote';
  if (!new Dec(quote.fee).plus(quote.creditedOnSuccess).eq(quote.amount) || !new Dec(quote.fee).gt(0) || !new Dec(quote.creditedOnSuccess).gt(0)) {
    return `fee ${quote.fee} + credited ${quote.creditedOnSuccess} ≠ amount ${quote.amount}`;
  }
  if (recovery.proofs.some((proof) => !recovery.conditions.includes(proof.condition as never))) return 'a proof of a condition the recovery does not have';
  const accepted = recovery.acceptedAt !== null && recovery.etaFrom !== null && recovery.etaTo !== null && Date.parse(recovery.etaFrom) <= Date.parse(recovery.etaTo);
  switch (status) {
    case 'quoted':
      return recovery.acceptedAt === null && outcome === null ? undefined : 'quoted, yet accepted or ended';
    case 'accepted':
      return accepted && outcome === null && recovery.tracingStartedAt === null ? undefined : 'accepted without a window, or traced, or ended';
    case 'tracing':
      return accepted && outcome === null && recovery.tracingStartedAt !== null ? undefined : 'tracing without a window or a start';
    case 'succeeded': {
      const succeeded = outcome as { kind?: string; credited?: string; fee?: string; amount?: string } | null;
      if (!accepted || recovery.tracingStartedAt === null || succeeded?.kind !== 'succeeded') return 'succeeded without acceptance, tracing or outcome';
      if (!new Dec(succeeded.amount!).minus(succeeded.fee!).eq(succeeded.credited!)) return `credited ${succeeded.credited} ≠ ${succeeded.amount} − ${succeeded.fee}`;
      if (recovery.conditions.some((condition) => !recovery.proofs.some((proof) => proof.condition === condition))) return 'succeeded without every proof';
      return undefined;
    }
    case 'failed':
      return accepted && (outcome as { kind?: string } | null)?.kind === 'failed' ? undefined : 'failed without acceptance or outcome';
    case 'declined':
      return recovery.acceptedAt === null && (outcome as { kind?: string } | null)?.kind === 'declined' ? undefined : 'declined after acceptance, or without outcome';
    default:
      return `status ${status}`;
  }
}

/** A request as sent: the ticket it resolved to (undefined for ids no ticket has), its text, the answer, and what it appended to any case. */
type Sent = Readonly<{ ticketId: string | undefined; request: string; rawBody: string | undefined; mustRefuse: readonly string[]; reply: HttpReply; appended: readonly RecordedEvent[] }>;

const describeFailure = (fuzzCase: DisputeFuzzCase, sent: Sent | undefined, violation: string): string =>
  [
    `violation: ${violation}`,
    `case:      ${fuzzCase.route} on ${JSON.stringify(fuzzCase.target)} as ${fuzzCase.caller}${fuzzCase.idempotencyKey ? ` (idempotency key ${fuzzCase.idempotencyKey})` : ''}`,
    sent && `request:   ${sent.request.length > 400 ? `${sent.request.slice(0, 400)}… (${sent.request.length} chars)` : sent.request}`,
    sent && `reply:     ${sent.reply.status} ${sent.reply.contentType ?? ''} ${JSON.stringify(sent.reply.body).slice(0, 400)}`,
    sent && sent.appended.length > 0 && `appended:  ${sent.appended.map((event) => `${event.type} on ${event.streamName}`).join(', ')}`,
  ]
    .filter(Boolean)
    .join('\n');

describe('disputes and recoveries under hostile input (e2e over HTTP, ManualClock)', () => {
  const clock = new ManualClock(new Date(FUZZ_START));
  let harness: TicketingHarness;
  let world: DisputesWorld;

  beforeAll(async () => {
    if (process.env.FUZZ_SEED !== undefined) process.stderr.write(`disputes fuzz seed ${SEED}\n`);
    harness = await TicketingHarness.start({ clock, env: { ...FUZZ_APP_ENV } });
    world = new DisputesWorld(harness, clock);
    await world.mintTokens();
    await world.profiles();
    await world.storeAttachment();
  }, 60_000);
  afterAll(() => harness?.close());

  /** Asserts a clear problem answer (status, problem+json with a detail naming `mentions`) that appended nothing to any case. */
  const expectRefused = async (send: () => Promise<HttpReply>, status: number, mentions?: RegExp): Promise<HttpReply> => {
    const before = await harness.runtime.eventStore.headPosition();
    const reply = await send();
    expect([reply.status, problemViolation(reply) ?? 'clear problem']).toEqual([status, 'clear problem']);
    // The detail, or the field errors with it (the request's shape is checked first, with a generic detail and one error per field).
    if (mentions !== undefined) expect(JSON.stringify(reply.body)).toMatch(mentions);
    expect((await world.casesAppendedAfter(before)).map((event) => `${event.type} on ${event.streamName}`)).toEqual([]);
    return reply;
  };

  it('every hostile decimal (price, amount, index price, compensation) is a 400 naming the field, and appends nothing', async () => {
    const open = await world.build('open');
    const fresh = await world.build('fresh');
    for (const bad of HOSTILE_DECIMAL_STRINGS) {
      await expectRefused(() => world.post(`/v1/disputes/${fresh}`, 'owner', { ...DISPUTE, liquidationPrice: bad }), 400, /liquidationPrice/);
      await expectRefused(() => world.post(`/v1/disputes/${fresh}`, 'owner', { ...DISPUTE, position: { ...DISPUTE.position, size: bad } }), 400, /size/);
      await expectRefused(() => world.post(`/v1/recoveries/${fresh}`, 'owner', { ...ETH_DEPOSIT, amount: bad }), 400, /amount/);
      await expectRefused(() => world.post(`/v1/disputes/${open}/evidence`, 'service', { kind: 'index_price', content: { indexPrice: bad, at: LIQUIDATED_AT } }), 400, /indexPrice/);
      const cited = world.live('evidenceId', open);
      await expectRefused(() => world.post(`/v1/disputes/${open}/decision`, 'supervisor', { outcome: 'compensated', compensation: { amount: bad, asset: 'USDT' }, reason: 'r', citedEvidenceIds: [cited] }), 400, /compensation\.amount/);
    }
    // Numbers are not decimal strings, however exact they look.
    await expectRefused(() => world.post(`/v1/disputes/${open}/evidence`, 'service', { kind: 'index_price', content: { indexPrice: 21535.375, at: LIQUIDATED_AT } }), 400, /decimal string/);
    await expectRefused(() => world.post(`/v1/recoveries/${fresh}`, 'owner', { ...ETH_DEPOSIT, amount: 1.5 }), 400, /amount/);
    expect(await world.refresh(fresh)).toEqual({ dispute: null, recovery: null });
  });

  it('an index price of 0 is a 400 naming indexPrice; the case keeps its assessment', async () => {
    const open = await world.build('open');
    const before = await world.refresh(open);
    await expectRefused(() => world.post(`/v1/disputes/${open}/evidence`, 'service', { kind: 'index_price', content: { indexPrice: '0', at: LIQUIDATED_AT } }), 400, /indexPrice must be greater than zero/);
    await expectRefused(() => world.post(`/v1/disputes/${open}/evidence`, 'service', { kind: 'index_price', content: { indexPrice: '0.000', at: LIQUIDATED_AT } }), 400, /indexPrice/);
    expect((await world.refresh(open)).dispute).toEqual(before.dispute);
  });

  it('a duplicate evidence item (same hash, keys in another order) is the same item: 200, nothing appended', async () => {
    const open = await world.build('open');
    const items = (await world.refresh(open)).dispute!.items.length;
    const stream = `dispute-${open}`;
    const revision = await world.streamLength(stream);
    const again = await world.post(`/v1/disputes/${open}/evidence`, 'service', { kind: 'index_price', content: { source: 'index-v3', at: LIQUIDATED_AT, indexPrice: '21535.375' } });
    expect(again.status).toBe(200);
    expect((again.body as DisputeView).items).toHaveLength(items);
    expect(await world.streamLength(stream)).toBe(revision);
  });

  it('a decision citing unknown evidence is a 400 naming it; the same id twice is cited once; evidence after sealing is a 409', async () => {
    const open = await world.build('open');
    const cited = world.live('evidenceId', open) as string;
    const decision = { outcome: 'rejected', reason: 'Within the 0.5% tolerance.' };
    await expectRefused(() => world.post(`/v1/disputes/${open}/decision`, 'cleared-agent', { ...decision, citedEvidenceIds: [NO_SUCH_ID] }), 400, new RegExp(`does not have: ${NO_SUCH_ID}`));
    await expectRefused(() => world.post(`/v1/disputes/${open}/decision`, 'cleared-agent', { ...decision, citedEvidenceIds: [cited, NO_SUCH_ID] }), 400, /does not have/);
    await expectRefused(() => world.post(`/v1/disputes/${open}/decision`, 'cleared-agent', { ...decision, citedEvidenceIds: [world.live('foreignEvidenceId', open)] }), 400, /does not have/);
    await expectRefused(() => world.post(`/v1/disputes/${open}/decision`, 'cleared-agent', { ...decision, citedEvidenceIds: [] }), 400, /citedEvidenceIds/);
    const decided = await world.post(`/v1/disputes/${open}/decision`, 'cleared-agent', { ...decision, citedEvidenceIds: [cited, cited] });
    expect(decided.status).toBe(200);
    expect((decided.body as DisputeView).decision!.citedEvidenceIds).toEqual([cited]);
    const sealed = (await world.refresh(open)).dispute!;
    await expectRefused(() => world.post(`/v1/disputes/${open}/evidence`, 'owner', { kind: 'statement', content: { text: 'one more thing' } }), 409, /sealed/);
    await expectRefused(() => world.post(`/v1/disputes/${open}/evidence`, 'service', { kind: 'index_price', content: INDEX_PRICE }), 409, /sealed/);
    await expectRefused(() => world.post(`/v1/disputes/${open}/decision`, 'supervisor', { ...decision, citedEvidenceIds: [cited] }), 409, /sealed/);
    expect((await world.refresh(open)).dispute).toEqual(sealed);
  });

  it('a recovery for an unsupported network pair is a 422 with the reason, and records nothing', async () => {
    const fresh = await world.build('fresh');
    await expectRefused(() => world.post(`/v1/recoveries/${fresh}`, 'owner', { ...ETH_DEPOSIT, sentNetwork: 'TRC20' }), 422, /TRC20|TRON/);
    await expectRefused(() => world.post(`/v1/recoveries/${fresh}`, 'owner', { ...ETH_DEPOSIT, sentNetwork: 'BTC', expectedNetwork: 'ETH' }), 422, /BTC/);
    await expectRefused(() => world.post(`/v1/recoveries/${fresh}`, 'owner', { ...ETH_DEPOSIT, sentNetwork: 'ETH', expectedNetwork: 'ETH' }), 422, /not a wrong-network deposit/);
    await expectRefused(() => world.post(`/v1/recoveries/${fresh}`, 'owner', { ...ETH_DEPOSIT, sentNetwork: 'DOGE' }), 400, /sentNetwork/);
    await expectRefused(() => world.post(`/v1/recoveries/${fresh}`, 'owner', { ...ETH_DEPOSIT, amount: '0.004' }), 422, /below what a recovery costs/);
    await expectRefused(() => world.harness.request('GET', `/v1/recoveries/${fresh}`, { token: world.tokens.owner }), 404);
  });

  it('accepting an expired quote is a 409 saying so, and appends nothing; a fresh quote can be accepted', async () => {
    const quoted = await world.build('quoted');
    const { quote } = (await world.refresh(quoted)).recovery!;
    await world.advance(Date.parse(quote!.validUntil) - clock.now().getTime());
    const stream = `recovery-${quoted}`;
    const revision = await world.streamLength(stream);
    await expectRefused(() => world.post(`/v1/recoveries/${quoted}/accept`, 'owner', { quoteId: quote!.quoteId }), 409, /expired/);
    await expectRefused(() => world.post(`/v1/recoveries/${quoted}/decline`, 'owner', { quoteId: NO_SUCH_ID }), 409, /not the current quote/);
    expect(await world.streamLength(stream)).toBe(revision);
    expect((await world.refresh(quoted)).recovery!.quote!.expired).toBe(true);
    const requoted = (await world.must(`/v1/recoveries/${quoted}/quote`, 'owner')) as RecoveryView;
    await expectRefused(() => world.post(`/v1/recoveries/${quoted}/accept`, 'owner', { quoteId: quote!.quoteId }), 409, /not the current quote/);
    expect((await world.post(`/v1/recoveries/${quoted}/accept`, 'owner', { quoteId: requoted.quote!.quoteId })).status).toBe(200);
  });

  it('on every write route, a caller without the right is refused (problem+json, nothing appended) where the right one succeeds with the same request', async () => {
    const quoteToExpire = await world.build('quoted');
    await world.advance(PAST_QUOTE_VALIDITY_MS);
    const open = await world.build('open');
    const statement = { kind: 'statement', content: { text: 'The mark price never touched it.' } };
    const decision = { outcome: 'rejected', reason: 'Within the 0.5% tolerance.', citedEvidenceIds: [world.live('evidenceId', open)] };
    const [toDecline, toAccept] = [await world.build('quoted'), await world.build('quoted')];
    const currentQuote = (ticketId: string) => () => ({ quoteId: world.live('currentQuoteId', ticketId) });
    const table: readonly [DisputeRoute, string, () => unknown, readonly DisputeCaller[], DisputeCaller][] = [
      ['open', await world.build('fresh'), () => DISPUTE, ['other-customer', 'service', 'auditor', 'ops', 'none', 'expired', 'forged'], 'owner'],
      ['evidence', open, () => statement, ['other-customer', 'auditor', 'ops', 'none', 'forged'], 'owner'],
      ['attachments', open, () => ({ contentBase64: ATTACHMENT.toString('base64') }), ['other-customer', 'auditor', 'ops', 'none'], 'service'],
      ['decision', open, () => decision, ['agent', 'unprofiled-agent', 'owner', 'other-customer', 'service', 'auditor', 'ops', 'expired'], 'cleared-agent'],
      ['appeal', open, () => ({ reason: 'The index lagged.' }), ['other-customer', 'agent', 'unprofiled-agent', 'service', 'auditor', 'none'], 'owner'],
      ['request', await world.build('fresh'), () => ETH_DEPOSIT, ['other-customer', 'service', 'auditor', 'ops', 'forged'], 'owner'],
      ['quote', quoteToExpire, () => undefined, ['other-customer', 'service', 'auditor', 'ops', 'none'], 'owner'],
      ['decline', toDecline, currentQuote(toDecline), ['supervisor', 'agent', 'other-customer', 'service'], 'owner'],
      ['accept', toAccept, currentQuote(toAccept), ['supervisor', 'cleared-agent', 'other-customer', 'auditor'], 'owner'],
      ['proofs', await world.build('conditioned'), () => ({ condition: 'proof_of_ownership', content: { signedMessage: '0xsigned' } }), ['other-customer', 'service', 'auditor', 'ops'], 'owner'],
      ['tracing', await world.build('accepted'), () => undefined, ['agent', 'unprofiled-agent', 'owner', 'service', 'auditor'], 'cleared-agent'],
      ['outcome', await world.build('tracing'), () => ({ outcome: 'failed', reason: 'Not traceable.' }), ['agent', 'unprofiled-agent', 'owner', 'service', 'ops'], 'supervisor'],
    ];
    for (const [route, ticketId, body, refusedCallers, rightCaller] of table) {
      const path = ROUTE_PATHS[route].replace('{id}', ticketId);
      for (const caller of refusedCallers) {
        const before = await harness.runtime.eventStore.headPosition();
        const reply = await world.post(path, caller, body());
        const appended = (await world.casesAppendedAfter(before)).map((event) => event.type);
        const refusal = [401, 403, 404].includes(reply.status) ? (problemViolation(reply) ?? 'refused') : `answered ${reply.status}`;
        expect([route, caller, refusal, appended]).toEqual([route, caller, 'refused', []]);
      }
      const accepted = await world.post(path, rightCaller, body());
      expect([route, rightCaller, accepted.status]).toEqual([route, rightCaller, route === 'open' || route === 'request' || route === 'attachments' ? 201 : 200]);
      await world.refresh(ticketId);
    }
  });

  it('a fuzz over every write route: never a 5xx; every 4xx a problem+json with a detail that appended nothing; every 2xx carried nothing to refuse and leaves a consistent case', async () => {
    // Quotes left to expire (requoting makes them current again), then fresh tokens and the cases of every other state.
    for (let count = 0; count < 5; count++) await world.build('quoted');
    await world.advance(PAST_QUOTE_VALIDITY_MS);
    for (const slot of ['open', 'open', 'sealed', 'quoted', 'conditioned', 'accepted', 'tracing'] as const) await world.build(slot);
    await world.build('open').then(async (id) => world.must(`/v1/disputes/${id}/evidence`, 'owner', { kind: 'statement', content: { text: 'The mark price never touched it.' } }));

    const statuses = new Map<DisputeRoute, Map<number, number>>(DISPUTE_ROUTES.map((route) => [route, new Map<number, number>()]));
    const started = Date.now();
    await fc.assert(
      fc.asyncProperty(disputeFuzzCase(), async (fuzzCase) => {
        let sent: Sent | undefined;
        try {
          sent = await sendCase(fuzzCase);
          const seen = statuses.get(fuzzCase.route)!;
          seen.set(sent.reply.status, (seen.get(sent.reply.status) ?? 0) + 1);
          const violation = await violationOf(fuzzCase, sent);
          if (violation !== undefined) throw new Error(violation);
        } catch (error) {
          throw new Error(describeFailure(fuzzCase, sent, (error as Error).message));
        }
      }),
      { numRuns: RUNS, seed: SEED, endOnFailure: true },
    );
    const reached = Object.fromEntries([...statuses].map(([route, seen]) => [route, Object.fromEntries([...seen].sort(([a], [b]) => a - b))]));
    if (process.env.FUZZ_SEED !== undefined) process.stderr.write(`disputes fuzz: ${RUNS} runs in ${Date.now() - started} ms; statuses (and counts) by route ${JSON.stringify(reached)}\n`);
    // The generator must reach both sides on every route: accepted writes and refusals (checked on the fixed seed).
    if (process.env.FUZZ_SEED === undefined) {
      for (const [route, seen] of statuses) {
        expect([route, [...seen.keys()].some((status) => status < 300), [...seen.keys()].some((status) => status >= 400)]).toEqual([route, true, true]);
      }
      const all = new Set([...statuses.values()].flatMap((seen) => [...seen.keys()]));
      expect([400, 401, 403, 404, 409, 413, 422].filter((status) => all.has(status))).toEqual([400, 401, 403, 404, 409, 413, 422]);
    }
  }, 120_000);

  /** Resolves the case to a real request, sends it, and collects what it appended to any case. */
  async function sendCase(fuzzCase: DisputeFuzzCase): Promise<Sent> {
    const { target, body } = fuzzCase;
    let id: string;
    let ticketId: string | undefined;
    if (target.kind === 'slot' || target.kind === 'upper') {
      ticketId = await world.ticketIn(target.slot, target.pick, fuzzCase.route);
      id = target.kind === 'upper' ? ticketId.toUpperCase() : ticketId;
    } else id = target.id;
    const path = ROUTE_PATHS[fuzzCase.route].replace('{id}', id);
    const headers: Record<string, string> = {};
    if (fuzzCase.idempotencyKey !== undefined) headers['idempotency-key'] = fuzzCase.idempotencyKey;
    let rawBody: string | undefined;
    const mustRefuse: string[] = [];
    if (body.kind === 'json') {
      const ticket = ticketId ?? id;
      rawBody = renderRawJson(resolveDraft(body.draft, (ref) => world.live(ref, ticket), mustRefuse));
    } else if (body.kind === 'raw') {
      rawBody = body.text;
      headers['content-type'] = body.contentType;
    }
    const before = await harness.runtime.eventStore.headPosition();
    const request = `POST ${path} ${rawBody ?? '(no body)'}`;
    let reply: HttpReply;
    try {
      reply = await harness.request('POST', path, { token: world.tokens[fuzzCase.caller], rawBody, headers });
    } catch (error) {
      // The harness checks every answer against the OpenAPI document, and parses JSON bodies.
      throw new Error(`${(error as Error).message.split('\n').slice(0, 3).join(' ')} (request: ${request.slice(0, 300)})`);
    }
    return { ticketId, request, rawBody, mustRefuse, reply, appended: await world.casesAppendedAfter(before) };
  }

  /** The oracle: 2xx or a 4xx problem (never 5xx); a 4xx appends nothing; a 2xx writes only its case, which reads back consistent. */
  async function violationOf(fuzzCase: DisputeFuzzCase, { ticketId, rawBody, mustRefuse, reply, appended }: Sent): Promise<string | undefined> {
    const { status } = reply;
    if (status >= 500 || status < 200 || (status >= 300 && status < 400)) return `status ${status}`;
    if (status >= 400) {
      const problem = problemViolation(reply);
      if (problem !== undefined) return problem;
      if (appended.length > 0) return `${status} appended ${appended.length} event(s)`;
      return undefined;
    }
    // Only a real ticket's cases take a write, under its id as created (not another spelling of it), and never a value every route refuses.
    if (fuzzCase.target.kind !== 'slot' || ticketId === undefined) return `${status} for a ${fuzzCase.target.kind} ticket id`;
    if (mustRefuse.length > 0) return `${status}: accepted ${mustRefuse.join('; ')}`;
    const family = routeFamily(fuzzCase.route);
    for (const event of appended) if (event.streamName !== `${family}-${ticketId}`) return `${status} appended ${event.type} to ${event.streamName}, not ${family}-${ticketId}`;
    if (fuzzCase.route === 'attachments') {
      const stored = reply.body as { sha256: string; size: number };
      const bytes = Buffer.from((JSON.parse(rawBody ?? '{}') as { contentBase64?: string }).contentBase64 ?? '', 'base64');
      if (stored.sha256 !== createHash('sha256').update(bytes).digest('hex') || stored.size !== bytes.length) return `stored ${JSON.stringify(stored)} for ${bytes.length} bytes`;
    }
    const cases = await world.refresh(ticketId);
    const view = family === 'dispute' ? cases.dispute : cases.recovery;
    if (view === null) return `${status}, then GET answers 404`;
    const inconsistent = family === 'dispute' ? disputeViolation(view as DisputeView) : recoveryViolation(view as RecoveryView);
    if (inconsistent !== undefined) return `${status}, then the case is inconsistent: ${inconsistent}`;
    // A replayed answer (same idempotency key) is the first one, not the case now.
    if (fuzzCase.route !== 'attachments' && fuzzCase.idempotencyKey === undefined) {
      const answered = reply.body as { status?: string; items?: unknown[]; proofs?: unknown[] };
      if (answered.status !== view.status) return `${status} answered a case ${answered.status}, reads back ${view.status}`;
      const count = (body: { items?: unknown[]; proofs?: unknown[] }) => (family === 'dispute' ? body.items?.length : body.proofs?.length);
      if (count(answered) !== count(view as never)) return `${status} answered ${count(answered)} items/proofs, reads back ${count(view as never)}`;
    }
    return undefined;
  }
});
