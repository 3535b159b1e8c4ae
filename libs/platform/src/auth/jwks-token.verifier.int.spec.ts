import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ManualClock, UnauthorizedError } from '@ticketing/kernel';
import { exportJWK, generateKeyPair, SignJWT, type KeyLike } from 'jose';
import { ServiceUnavailableError } from '@ticketing/kernel';
import { JwksTokenVerifier } from './jwks-token.verifier';

describe('JwksTokenVerifier against a live JWKS endpoint', () => {
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  let privateKey: KeyLike;
  let server: Server;
  let jwksUrl: string;

  const sign = (claims: object, key: KeyLike | Uint8Array = privateKey, alg = 'RS256') =>
    new SignJWT({ ...claims })
      .setProtectedHeader({ alg, kid: 'k1' })
      .setSubject('svc-1')
      .setIssuer('https://idp.test/')
      .setAudience('ticketing')
      .setIssuedAt(clock.now())
      .setExpirationTime(new Date(clock.now().getTime() + 300_000))
      .sign(key);

  beforeAll(async () => {
    const pair = await generateKeyPair('RS256');
    privateKey = pair.privateKey;
    const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
    server = createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify({ keys: [jwk] }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    jwksUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/jwks.json`;
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
  });

  const verifier = () => new JwksTokenVerifier(jwksUrl, { issuer: 'https://idp.test/', audience: 'ticketing', clock });

  it('keys are available when the JWKS answers with keys; readiness names the URL when it does not', async () => {
    await expect(verifier().assertKeysAvailable()).resolves.toBeUndefined();
    // Nothing listens on port 9 (discard) of localhost: the placeholder-left-in-place case.
    await expect(new JwksTokenVerifier('http://127.0.0.1:9/.well-known/jwks.json').assertKeysAvailable()).rejects.toThrow(/TICKETING_JWKS_URL http:\/\/127\.0\.0\.1:9\/\.well-known\/jwks\.json\) cannot be fetched/);
    const empty = createServer((_req, res) => res.end(JSON.stringify({ keys: [] })));
    await new Promise<void>((resolve) => empty.listen(0, '127.0.0.1', resolve));
    try {
      await expect(new JwksTokenVerifier(`http://127.0.0.1:${(empty.address() as AddressInfo).port}/`).assertKeysAvailable()).rejects.toThrow(/holds no key/);
    } finally {
      await new Promise((resolve) => empty.close(resolve));
    }
  });

  it('verifies a token signed by the identity provider', async () => {
    await expect(verifier().verify(await sign({ roles: ['service'] }))).resolves.toEqual({
      kind: 'service',
      id: 'svc-1',
      sub: 'svc-1',
      roles: ['service'],
    });
  });

  it('rejects a token signed by another key', async () => {
    const stranger = await generateKeyPair('RS256');
    await expect(verifier().verify(await sign({ roles: ['admin'] }, stranger.privateKey))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('rejects an HS256 token (no algorithm confusion with the public key)', async () => {
    await expect(verifier().verify(await sign({ roles: ['admin'] }, new Uint8Array(32), 'HS256'))).rejects.toBeInstanceOf(
      UnauthorizedError,
    );
  });

  it('rejects the wrong audience', async () => {
    const other = new JwksTokenVerifier(jwksUrl, { audience: 'billing', clock });
    await expect(other.verify(await sign({ roles: ['service'] }))).rejects.toBeInstanceOf(UnauthorizedError);
  });

  it('reports an unreachable identity provider as unavailable, not as a bad token', async () => {
    const down = new JwksTokenVerifier('http://127.0.0.1:1/jwks.json', { clock });
    await expect(down.verify(await sign({ roles: ['service'] }))).rejects.toBeInstanceOf(ServiceUnavailableError);
  });
});
