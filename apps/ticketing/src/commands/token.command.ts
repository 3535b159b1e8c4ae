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

export function registerTokenCommand(program: Command): void {
  program
    .command('token')
    .description('print a dev bearer token signed with the data folder’s secret (embedded mode only)')
    .requiredOption('--role <role>', `a role (repeat for several): ${ROLES.join(', ')}`, parseRole)
    .requiredOption('--sub <id>', 'the subject: a customer, agent or service id')
    .option('--ttl <seconds>', 'lifetime in seconds', parseTtl, 3600)
    .action(async (options: { role: Role[]; sub: string; ttl: number }) => {
      const config = assertConfigOrExit();
      if (config.auth.kind === 'jwks') {
        program.error('TICKETING_JWKS_URL is set: tokens come from the identity provider, not from this CLI', { exitCode: 2 });
      }
      const token = await mintDevToken({
        sub: options.sub,
        roles: options.role,
        ttlSeconds: options.ttl,
        secret: await loadOrCreateDevSecret(config.dataDir),
        issuer: config.auth.issuer,
        audience: config.auth.audience,
      });
      process.stdout.write(`${token}\n`);
    });
}
