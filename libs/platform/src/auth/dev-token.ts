import { newId } from '@ticketing/kernel';
import { SignJWT } from 'jose';
import { ROLES, type Role } from './authenticated-actor';

export type DevTokenRequest = Readonly<{
  sub: string;
  roles: readonly Role[];
  secret: Uint8Array;
  /** Default one hour. */
  ttlSeconds?: number;
  issuer?: string;
  audience?: string;
  /** Issue time; default now. */
  now?: Date;
}>;

/** Mints an HS256 dev token (what `ticketing token --role R --sub S` prints). */
export async function mintDevToken(request: DevTokenRequest): Promise<string> {
  const { sub, roles, secret, ttlSeconds = 3600, issuer, audience, now = new Date() } = request;
  if (sub.trim() === '') throw new RangeError('sub must not be empty');
  if (roles.length === 0) throw new RangeError(`roles must name at least one of ${ROLES.join(', ')}`);
  if (!Number.isInteger(ttlSeconds) || ttlSeconds <= 0) throw new RangeError('ttlSeconds must be a positive integer');

  const issuedAt = Math.floor(now.getTime() / 1000);
  let jwt = new SignJWT({ roles: [...roles] })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setJti(newId())
    .setIssuedAt(issuedAt)
    .setExpirationTime(issuedAt + ttlSeconds);
  if (issuer !== undefined) jwt = jwt.setIssuer(issuer);
  if (audience !== undefined) jwt = jwt.setAudience(audience);
  return jwt.sign(secret);
}
