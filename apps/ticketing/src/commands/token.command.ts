import { InvalidArgumentError, type Command } from 'commander';
import { assertConfigOrExit, isRole, loadOrCreateDevSecret, mintDevToken, ROLES, type Role } from '@ticketing/platform';

const parseRole = (value: string, previous: Role[] = []): Role[] => {
  if (!isRole(value)) throw new InvalidArgumentError(`expected one of ${ROLES.join(', ')}`);
  return [...previous, value];
};

const parseTtl = (value: string): number => {
  const seconds = Number(value);
  if (!Number.isInteger(seconds) || seconds <= 0) throw new InvalidArgumentError('expected a positive whole number of seconds');
  return seconds;
};

const DEFAULT_TTL_SECONDS = 3600;

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('print a dev bearer token signed with the data folder’s secret (embedded mode only)')
    .requiredOption('--role <role>', `a role (repeat for several): ${ROLES.join(', ')}`, parseRole)
    .requiredOption('--sub <id>', 'the subject: a customer, agent or service id')
    .option('--ttl <seconds>', 'lifetime in seconds (default 3600, at most TICKETING_JWT_MAX_LIFETIME)', parseTtl)
    .action(async (options: { role: Role[]; sub: string; ttl?: number }) => {
      const config = assertConfigOrExit();
      if (config.auth.kind === 'jwks') {
        program.error('TICKETING_JWKS_URL is set: tokens come from the identity provider, not from this CLI', { exitCode: 2 });
      }
      // Never print a token the server would refuse.
      const { maxLifetimeSeconds } = config.auth;
      if (options.ttl !== undefined && options.ttl > maxLifetimeSeconds) {
        program.error(`--ttl ${options.ttl} exceeds the maximum token lifetime of ${maxLifetimeSeconds} seconds (TICKETING_JWT_MAX_LIFETIME)`, {
          exitCode: 2,
        });
      }
      if (options.role.includes('customer') && options.role.some((role) => role !== 'customer')) {
        program.error('a token may not combine the customer role with staff roles', { exitCode: 2 });
      }
      const token = await mintDevToken({
        sub: options.sub,
        roles: options.role,
        ttlSeconds: options.ttl ?? Math.min(DEFAULT_TTL_SECONDS, maxLifetimeSeconds),
        secret: await loadOrCreateDevSecret(config.dataDir),
        issuer: config.auth.issuer,
        audience: config.auth.audience,
      });
      process.stdout.write(`${token}\n`);
    });
}
