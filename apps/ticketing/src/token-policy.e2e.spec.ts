import { status } from '@grpc/grpc-js';
import { loadOrCreateDevSecret } from '@ticketing/platform';
import { SignJWT } from 'jose';
import { TicketGrpcClient } from './test-support/ticket-grpc.client';
import { TicketingHarness } from './test-support/ticketing.harness';

const chat = { channel: 'chat', subject: 'Withdrawal pending', body: 'My BTC withdrawal is pending', language: 'en', chat: { sessionId: 's-1' } };
const grpcChat = { ...chat, channel: 'CHANNEL_CHAT', language: 'LANGUAGE_EN' };

/**
 * Tokens the verifier refuses before any route runs: a customer role combined with staff roles, and
 * a lifetime beyond TICKETING_JWT_MAX_LIFETIME. Shown on a read and a write on each transport.
 */
describe('token policy on every route: mixed roles and over-long lifetimes are 401 (e2e)', () => {
  let harness: TicketingHarness;
  let grpc: TicketGrpcClient;
  let ticketId: string;

  beforeAll(async () => {
    harness = await TicketingHarness.start();
    grpc = new TicketGrpcClient(harness.grpcAddress);
    const customer = await harness.token('customer', 'cust-policy');
    ticketId = ((await harness.request('POST', '/v1/tickets', { token: customer, body: chat })).body as { id: string }).id;
  });
  afterAll(async () => {
    grpc.close();
    await harness.close();
  });

  async function signed(roles: readonly string[], lifetimeSeconds: number): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ roles: [...roles] })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('cust-policy')
      .setIssuedAt(now)
      .setExpirationTime(now + lifetimeSeconds)
      .sign(await loadOrCreateDevSecret(harness.dataDir));
  }

  const cases: readonly [string, () => Promise<string>, RegExp][] = [
    ['[customer, agent]', () => signed(['customer', 'agent'], 600), /may not combine the customer role with staff roles/],
    ['[agent, customer]', () => signed(['agent', 'customer'], 600), /may not combine the customer role with staff roles/],
    ['a 100-year agent token', () => signed(['agent'], 100 * 365 * 86_400), /token lifetime exceeds the maximum of 86400 seconds/],
  ];

  it.each(cases)('REST refuses %s on a read and a write with a 401 problem naming why, appending nothing', async (_name, token, why) => {
    const before = (await harness.request('GET', `/v1/tickets/${ticketId}`, { token: await harness.token('agent', 'a-1') })).body;
    const bearer = await token();
    for (const [method, path, body] of [
      ['GET', `/v1/tickets/${ticketId}`, undefined],
      ['POST', `/v1/tickets/${ticketId}/messages`, { body: 'Any news?' }],
    ] as const) {
      const reply = await harness.request(method, path, { token: bearer, body });
      expect(reply.status).toBe(401);
      expect(reply.contentType).toContain('application/problem+json');
      expect(reply.body).toMatchObject({ status: 401, detail: expect.stringMatching(why) });
    }
    const after = (await harness.request('GET', `/v1/tickets/${ticketId}`, { token: await harness.token('agent', 'a-1') })).body;
    expect(after).toEqual(before);
  });

  it.each(cases)('gRPC refuses %s on a read and a write with UNAUTHENTICATED naming why', async (_name, token, why) => {
    const bearer = await token();
    for (const [method, request] of [
      ['GetTicket', { ticketId }],
      ['OpenTicket', grpcChat],
    ] as const) {
      const error = await grpc.callError(method, request, { token: bearer });
      expect({ code: error.code, details: error.details }).toEqual({ code: status.UNAUTHENTICATED, details: expect.stringMatching(why) });
    }
  });

  it('still accepts a single-role token within the lifetime, so the refusals above are about the policy', async () => {
    const reply = await harness.request('GET', `/v1/tickets/${ticketId}`, { token: await signed(['customer'], 600) });
    expect(reply.status).toBe(200);
    expect(await grpc.call('GetTicket', { ticketId }, { token: await signed(['agent'], 86_400) })).toMatchObject({ id: ticketId });
  });
});
