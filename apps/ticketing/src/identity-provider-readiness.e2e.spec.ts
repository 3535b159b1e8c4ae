import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair } from 'jose';
import { TicketingHarness } from './test-support/ticketing.harness';

/** With TICKETING_JWKS_URL, readiness says whether the identity provider's keys can be fetched. */
describe('readiness and the identity provider (e2e)', () => {
  let jwks: Server;
  let up = true;
  let harness: TicketingHarness;

  beforeAll(async () => {
    const { publicKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    jwks = createServer((_request, response) => {
      if (!up) {
        response.statusCode = 503;
        response.end();
        return;
      }
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((listening) => jwks.listen(0, '127.0.0.1', listening));
  });
  afterAll(async () => {
    await harness?.close();
    await new Promise((closed) => jwks.close(closed));
  });

  it('is ready while the JWKS answers; a JWKS URL that answers nothing (a placeholder left in place) is named', async () => {
    harness = await TicketingHarness.start({ env: { TICKETING_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` } });
    expect((await harness.request('GET', '/health/ready')).status).toBe(200);
    await harness.close();

    up = false;
    harness = await TicketingHarness.start({ env: { TICKETING_JWKS_URL: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` } });
    const notReady = await harness.request('GET', '/health/ready');
    expect(notReady.status).toBe(503);
    expect(JSON.stringify(notReady.body)).toMatch(/identity-provider.*TICKETING_JWKS_URL/);
  });
});
