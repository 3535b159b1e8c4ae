import { ManualClock, UnauthorizedError } from '@ticketing/kernel';
import { base64url, SignJWT, UnsecuredJWT } from 'jose';
import { authenticateBearer } from './bearer';
import { mintDevToken } from './dev-token';
import { HmacTokenVerifier } from './hmac-token.verifier';

const secret = new Uint8Array(32).fill(1);
const clock = new ManualClock('2026-03-01T00:00:00Z');
const verifier = new HmacTokenVerifier(secret, { clock });

const rejection = async (promise: Promise<unknown>): Promise<Error> => {
  try {
    await promise;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
};

describe('mintDevToken + HmacTokenVerifier', () => {
  it('round-trips: the actor kind is the first role, the id is the subject', async () => {
    const token = await mintDevToken({ sub: 'a-1', roles: ['supervisor', 'agent'], secret, now: clock.now() });
    await expect(verifier.verify(token)).resolves.toEqual({
      kind: 'supervisor',
      id: 'a-1',
      sub: 'a-1',
      roles: ['supervisor', 'agent'],
    });
  });

  it('ignores roles it does not know, and rejects a token with none it knows', async () => {
    const sign = (roles: unknown) =>
      new SignJWT({ roles })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u-1')
        .setIssuedAt(clock.now())
        .setExpirationTime(new Date(clock.now().getTime() + 60_000))
        .sign(secret);
    await expect(verifier.verify(await sign(['root', 'agent']))).resolves.toMatchObject({ kind: 'agent', roles: ['agent'] });
    for (const roles of [['root'], [], 'admin', undefined]) {
      const error = await rejection(verifier.verify(await sign(roles)));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error.message).toMatch(/no known role/);
    }
  });

  it.each([
    [['customer', 'agent']],
    [['agent', 'customer']],
    [['customer', 'service']],
    [['admin', 'root', 'customer']],
  ])('refuses a token combining the customer role with a staff or service role: %j', async (roles) => {
    const token = await new SignJWT({ roles })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('u-1')
      .setIssuedAt(clock.now())
      .setExpirationTime(new Date(clock.now().getTime() + 60_000))
      .sign(secret);
    const error = await rejection(verifier.verify(token));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toMatch(/may not combine the customer role with staff roles/);
  });

  describe('maximum token lifetime', () => {
    const HOUR = 3600;
    const signed = (claims: Readonly<{ iat?: number; exp: number }>) => {
      let jwt = new SignJWT({ roles: ['agent'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('a-1').setExpirationTime(claims.exp);
      if (claims.iat !== undefined) jwt = jwt.setIssuedAt(claims.iat);
      return jwt.sign(secret);
    };
    const now = Math.floor(clock.now().getTime() / 1000);
    const capped = new HmacTokenVerifier(secret, { clock, maxLifetimeSeconds: 2 * HOUR });

    it('accepts a token living exactly the maximum, and refuses one living a second longer', async () => {
      await expect(capped.verify(await signed({ iat: now, exp: now + 2 * HOUR }))).resolves.toMatchObject({ id: 'a-1' });
      const error = await rejection(capped.verify(await signed({ iat: now, exp: now + 2 * HOUR + 1 })));
      expect(error).toBeInstanceOf(UnauthorizedError);
      expect(error.message).toMatch(/token lifetime exceeds the maximum of 7200 seconds/);
    });

    it('measures from now when the token has no iat', async () => {
      await expect(capped.verify(await signed({ exp: now + HOUR }))).resolves.toMatchObject({ id: 'a-1' });
      expect(await rejection(capped.verify(await signed({ exp: now + 3 * HOUR })))).toBeInstanceOf(UnauthorizedError);
    });

    it('refuses a 100-year token by default (24 h)', async () => {
      const century = 100 * 365 * 24 * HOUR;
      const error = await rejection(verifier.verify(await mintDevToken({ sub: 'a-1', roles: ['agent'], secret, ttlSeconds: century, now: clock.now() })));
      expect(error.message).toMatch(/lifetime exceeds the maximum of 86400 seconds/);
      await expect(verifier.verify(await signed({ iat: now, exp: now + 24 * HOUR }))).resolves.toMatchObject({ id: 'a-1' });
    });
  });

  it('rejects an expired token by the injected clock', async () => {
    const token = await mintDevToken({ sub: 'a-1', roles: ['agent'], secret, ttlSeconds: 60, now: clock.now() });
    const later = new HmacTokenVerifier(secret, { clock: new ManualClock(new Date(clock.now().getTime() + 61_000)) });
    const error = await rejection(later.verify(token));
    expect(error).toBeInstanceOf(UnauthorizedError);
    expect(error.message).toMatch(/expired/);
  });

  it('rejects a token signed with another secret', async () => {
    const token = await mintDevToken({ sub: 'a-1', roles: ['agent'], secret: new Uint8Array(32).fill(2), now: clock.now() });
    expect(await rejection(verifier.verify(token))).toBeInstanceOf(UnauthorizedError);
  });

  it('rejects a token whose payload was edited to escalate its role', async () => {
    const token = await mintDevToken({ sub: 'c-1', roles: ['customer'], secret, now: clock.now() });
    const [header, payload, signature] = token.split('.');
    const claims = JSON.parse(new TextDecoder().decode(base64url.decode(payload!)));
    const forged = base64url.encode(JSON.stringify({ ...claims, roles: ['admin'] }));
    expect(await rejection(verifier.verify(`${header}.${forged}.${signature}`))).toBeInstanceOf(UnauthorizedError);
  });

  it('rejects an unsigned (alg: none) token', async () => {
    const token = new UnsecuredJWT({ roles: ['admin'] }).setSubject('x').setExpirationTime('1h').encode();
    expect(await rejection(verifier.verify(token))).toBeInstanceOf(UnauthorizedError);
  });

  it('rejects a token without an expiry', async () => {
    const token = await new SignJWT({ roles: ['agent'] }).setProtectedHeader({ alg: 'HS256' }).setSubject('a-1').sign(secret);
    expect(await rejection(verifier.verify(token))).toBeInstanceOf(UnauthorizedError);
  });

  it('checks issuer and audience when configured', async () => {
    const strict = new HmacTokenVerifier(secret, { clock, issuer: 'ticketing', audience: 'api' });
    const good = await mintDevToken({ sub: 'a-1', roles: ['agent'], secret, issuer: 'ticketing', audience: 'api', now: clock.now() });
    const wrong = await mintDevToken({ sub: 'a-1', roles: ['agent'], secret, issuer: 'other', audience: 'api', now: clock.now() });
    await expect(strict.verify(good)).resolves.toMatchObject({ id: 'a-1' });
    expect(await rejection(strict.verify(wrong))).toBeInstanceOf(UnauthorizedError);
  });

  it('refuses to mint nonsense', async () => {
    await expect(mintDevToken({ sub: '', roles: ['agent'], secret })).rejects.toThrow(RangeError);
    await expect(mintDevToken({ sub: 'a', roles: [], secret })).rejects.toThrow(RangeError);
    await expect(mintDevToken({ sub: 'a', roles: ['agent'], secret, ttlSeconds: 0 })).rejects.toThrow(RangeError);
  });
});

describe('authenticateBearer', () => {
  it('accepts "Bearer <token>" in any case of the scheme', async () => {
    const token = await mintDevToken({ sub: 'a-1', roles: ['agent'], secret, now: clock.now() });
    await expect(authenticateBearer(`Bearer ${token}`, verifier)).resolves.toMatchObject({ id: 'a-1' });
    await expect(authenticateBearer(`bearer ${token}`, verifier)).resolves.toMatchObject({ id: 'a-1' });
    await expect(authenticateBearer([`Bearer ${token}`], verifier)).resolves.toMatchObject({ id: 'a-1' });
  });

  it.each([undefined, '', '   ', 'Bearer', 'Bearer ', 'Basic dXNlcjpwYXNz', 'Bearer a b', 'token-without-scheme'])(
    'rejects %j as unauthorized',
    async (header) => {
      expect(await rejection(authenticateBearer(header, verifier))).toBeInstanceOf(UnauthorizedError);
    },
  );
});
