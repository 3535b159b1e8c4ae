import type { TicketClassified, TicketQueued, TicketRecategorized } from '@ticketing/contracts';
import { IllegalStateError, NotFoundError, ValidationError } from '@ticketing/kernel';
import { deciderSpec } from '@ticketing/testing';
import { DEFAULT_ROUTING_RULES, isAssetAmountAboveThreshold, type RoutingRules } from './routing-rules';
import { decideRouting, routingDecider, type ClassifyTicket, type Prediction, type RecategorizeTicket } from './routing.decider';

const spec = deciderSpec(routingDecider);
const NOW = '2026-11-25T10:00:01.000Z';
const LATER = '2026-11-25T10:30:00.000Z';

const classify = (
  prediction: Partial<Prediction> & Pick<Prediction, 'category'>,
  overrides: Partial<ClassifyTicket['data']> = {},
): ClassifyTicket => ({
  type: 'ClassifyTicket',
  data: {
    ticketId: 't-1',
    channel: 'chat',
    language: 'en',
    prediction: { confidence: 0.9, modelVersion: 'base-1', ...prediction },
    assetAmountAboveThreshold: false,
    rules: DEFAULT_ROUTING_RULES,
    now: NOW,
    ...overrides,
  },
});

const classified = (data: Partial<TicketClassified['data']> = {}): TicketClassified => ({
  type: 'TicketClassified',
  schemaVersion: 1,
  data: {
    ticketId: 't-1',
    channel: 'chat',
    language: 'en',
    category: 'trading_issue',
    priority: 'normal',
    confidence: 0.9,
    modelVersion: 'base-1',
    signals: [],
    classifiedAt: NOW,
    ...data,
  },
});

const queued = (queue: string, rule: string, at = NOW): TicketQueued => ({ type: 'TicketQueued', schemaVersion: 1, data: { ticketId: 't-1', queue, rule, queuedAt: at } });

const recategorize = (to: RecategorizeTicket['data']['to'], rules: RoutingRules = DEFAULT_ROUTING_RULES): RecategorizeTicket => ({
  type: 'RecategorizeTicket',
  data: { ticketId: 't-1', to, by: 'agent-7', reason: 'customer was phished', rules, now: LATER },
});

describe('routing decider', () => {
  describe('classifying an unrouted ticket', () => {
    it('records the classification and queues it by category group and language', () => {
      spec
        .given([])
        .when(classify({ category: 'trading_issue' }))
        .then([classified(), queued('trading-en', 'category-by-language')]);
    });

    it.each([
      ['security_incident', 'ko'],
      ['withdrawal_issue', 'ru'],
    ] as const)('puts %s (an emergency) in the one emergency lane whatever the language (%s)', (category, language) => {
      const events = decideRouting(classify({ category }, { language }), routingDecider.initialState());
      expect(events.map((event) => event.data)).toEqual([
        expect.objectContaining({ category, priority: 'emergency' }),
        expect.objectContaining({ queue: 'security-emergency', rule: 'emergency-lane' }),
      ]);
    });

    it('sends a low-confidence guess to triage and says so in the signals', () => {
      const events = decideRouting(classify({ category: 'kyc_verification', confidence: 0.2 }), routingDecider.initialState());
      expect(events.map((event) => event.data)).toEqual([
        expect.objectContaining({ category: 'kyc_verification', signals: ['low_confidence'] }),
        expect.objectContaining({ queue: 'triage', rule: 'low-confidence-triage' }),
      ]);
    });

    it('still puts a low-confidence emergency in the emergency lane: over-escalating is the safe mistake', () => {
      const events = decideRouting(classify({ category: 'security_incident', confidence: 0.2 }), routingDecider.initialState());
      expect(events[1].data).toMatchObject({ queue: 'security-emergency' });
    });

    it('raises a public social complaint to at least high and sends it to the public-escalation desk', () => {
      const events = decideRouting(classify({ category: 'general_inquiry' }, { channel: 'social', language: 'tr' }), routingDecider.initialState());
      expect(events.map((event) => event.data)).toEqual([
        expect.objectContaining({ priority: 'high', signals: ['public_social'] }),
        expect.objectContaining({ queue: 'social-escalations', rule: 'public-complaint' }),
      ]);
    });

    it('raises the priority one step when the asset amount is above its threshold', () => {
      const [event] = decideRouting(classify({ category: 'deposit_missing' }, { assetAmountAboveThreshold: true }), routingDecider.initialState());
      expect(event.data).toMatchObject({ priority: 'emergency', signals: ['asset_amount_above_threshold'] });
    });

    it('refuses a ticket of a channel or language it cannot route (a malformed TicketOpened goes to the dead letters)', () => {
      expect(() => decideRouting(classify({ category: 'api_support' }, { channel: 'fax' as never }), routingDecider.initialState())).toThrow(ValidationError);
      expect(() => decideRouting(classify({ category: 'api_support' }, { language: 'fr' as never }), routingDecider.initialState())).toThrow(ValidationError);
    });

    it('decides nothing for a ticket already routed, so a redelivered TicketOpened routes once', () => {
      spec.given([classified(), queued('trading-en', 'category-by-language')]).when(classify({ category: 'api_support' })).thenNothingHappens();
      spec.given([queued('chat-en', 'live-chat-by-language')]).when(classify({ category: 'api_support' })).thenNothingHappens();
    });
  });

  describe('recategorizing', () => {
    it('records the correction with the new priority and moves the ticket to the new queue', () => {
      const event: TicketRecategorized = {
        type: 'TicketRecategorized',
        schemaVersion: 1,
        data: { ticketId: 't-1', from: 'trading_issue', to: 'security_incident', priority: 'emergency', by: 'agent-7', reason: 'customer was phished', recategorizedAt: LATER },
      };
      spec
        .given([classified(), queued('trading-en', 'category-by-language')])
        .when(recategorize('security_incident'))
        .then([event, queued('security-emergency', 'emergency-lane', LATER)]);
    });

    it('keeps the queue when the new category belongs to the same desk', () => {
      const events = decideRouting(
        recategorize('liquidation_dispute'),
        [classified(), queued('trading-en', 'category-by-language')].reduce(routingDecider.evolve, routingDecider.initialState()),
      );
      expect(events.map((event) => event.type)).toEqual(['TicketRecategorized']);
      expect(events[0].data).toMatchObject({ priority: 'high' });
    });

    it('takes a ticket out of triage: a person’s category is certain', () => {
      const lowConfidence = classified({ confidence: 0.1, signals: ['low_confidence'] });
      const events = decideRouting(recategorize('kyc_verification'), [lowConfidence, queued('triage', 'low-confidence-triage')].reduce(routingDecider.evolve, routingDecider.initialState()));
      expect(events[1].data).toMatchObject({ queue: 'account-en' });
    });

    it('keeps the signals found at classification: a large amount still raises the new category', () => {
      const large = classified({ category: 'general_inquiry', signals: ['asset_amount_above_threshold'] });
      const [event] = decideRouting(recategorize('deposit_missing'), [large, queued('general-en', 'category-by-language')].reduce(routingDecider.evolve, routingDecider.initialState()));
      expect(event.data).toMatchObject({ priority: 'emergency' });
    });

    it('changes nothing when the category is the same', () => {
      spec.given([classified(), queued('trading-en', 'category-by-language')]).when(recategorize('trading_issue')).thenNothingHappens();
    });

    it('refuses a ticket that was never routed, and one queued before classification existed', () => {
      expect(() => decideRouting(recategorize('api_support'), routingDecider.initialState())).toThrow(NotFoundError);
      const old = [queued('chat-en', 'live-chat-by-language')].reduce(routingDecider.evolve, routingDecider.initialState());
      expect(() => decideRouting(recategorize('api_support'), old)).toThrow(IllegalStateError);
    });
  });

  describe('asset thresholds', () => {
    const thresholds = DEFAULT_ROUTING_RULES.priority.assetAmountThresholds;
    it.each([
      ['USDT', '10000.01', true],
      ['usdt', '10000', false],
      ['BTC', '0.15000001', true],
      ['BTC', '0.1', false],
      ['DOGE', '99999999', false],
      ['ETH', 'lots', false],
      [undefined, '5', false],
    ] as const)('%s %s above its threshold: %s (exact decimals, unknown assets and free text never raise)', (asset, amount, above) => {
      expect(isAssetAmountAboveThreshold(asset, amount, thresholds)).toBe(above);
    });
  });
});
