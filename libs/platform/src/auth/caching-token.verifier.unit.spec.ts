import { ManualClock, UnauthorizedError } from '@ticketing/kernel';
import { CachingTokenVerifier } from './caching-token.verifier';
import { mintDevToken } from './dev-token';
import { HmacTokenVerifier } from './hmac-token.verifier';
import type { TokenVerifier } from './token-verifier.port';

const secret = new Uint8Array(32).fill(7);

function setup(options: { maxAgeMs?: number; capacity?: number } = {}) {
  const clock = new ManualClock('2026-03-01T00:00:00Z');
  const signatures = new HmacTokenVerifier(secret, { clock });
  const calls: string[] = [];
  const counting: TokenVerifier = {
    verify: (token) => {
      calls.push(token);
      return signatures.verify(token);
    },
  };
  const verifier = new CachingTokenVerifier(counting, { clock, ...options });
  const mint = (sub: string, ttlSeconds = 3600) => mintDevToken({ sub, roles: ['agent'], secret, ttlSeconds, now: clock.now() });
  return { clock, verifier, calls, mint };
}

describe('CachingTokenVerifier', () => {
  it('checks a token once and answers repeats with the same actor', async () => {
    const { verifier, calls, mint } = setup();
    const token = await mint('a-1');
    const first = await verifier.verify(token);
    await expect(verifier.verify(token)).resolves.toEqual(first);
    expect(first).toMatchObject({ kind: 'agent', id: 'a-1' });
    expect(calls).toHaveLength(1);
  });

  it('checks again after maxAgeMs', async () => {
    const { clock, verifier, calls, mint } = setup({ maxAgeMs: 1_000 });
    const token = await mint('a-1');
    await verifier.verify(token);
    clock.advance(999);
    await verifier.verify(token);
    clock.advance(1);
    await verifier.verify(token);
    expect(calls).toHaveLength(2);
  });

  it('rejects a remembered token once it has expired', async () => {
    const { clock, verifier, mint } = setup({ maxAgeMs: 600_000 });
    const token = await mint('a-1', 30);
    await verifier.verify(token);
    clock.advance(30_000);
    await expect(verifier.verify(token)).rejects.toThrow(UnauthorizedError);
  });

  it('never remembers a rejection', async () => {
    const { verifier, calls } = setup();
    await expect(verifier.verify('not.a.jwt')).rejects.toThrow(UnauthorizedError);
    await expect(verifier.verify('not.a.jwt')).rejects.toThrow(UnauthorizedError);
    expect(calls).toHaveLength(2);
  });

  it('forgets the least recently used token past its capacity', async () => {
    const { verifier, calls, mint } = setup({ capacity: 2 });
    const [a, b, c] = await Promise.all([mint('a'), mint('b'), mint('c')]);
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // b is now the least recently used
    await verifier.verify(c);
    await verifier.verify(a);
    expect(calls).toEqual([a, b, c]);
    await verifier.verify(b);
    expect(calls).toEqual([a, b, c, b]);
  });
});
