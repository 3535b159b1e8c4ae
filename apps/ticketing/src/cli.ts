import { Command } from 'commander';
import { registerAuditCommands } from './commands/audit.command';
import { registerPrivacyCommands } from './commands/privacy.command';
import { registerClassifierCommands } from './commands/classifier.command';
import { registerDeadLetterCommands } from './commands/dead-letters.command';
import { registerDisputesCommands } from './commands/disputes.command';
import { registerKbCommands } from './commands/kb.command';
import { registerProjectionCommands } from './commands/projections.command';
import { registerRoutingCommands } from './commands/routing.command';
import { registerStartCommand } from './commands/start.command';
import { registerTokenCommand } from './commands/token.command';

/** The `ticketing` command line: configuration comes from TICKETING_* environment variables. */
export function buildCli(): Command {
  const program = new Command('ticketing')
    .description('Event-sourced support ticketing for 24/7 crypto exchanges')
    .showHelpAfterError();
  registerStartCommand(program);
  registerTokenCommand(program);
  registerDeadLetterCommands(program);
  registerProjectionCommands(program);
  registerClassifierCommands(program);
  registerKbCommands(program);
  registerRoutingCommands(program);
  registerDisputesCommands(program);
  registerAuditCommands(program);
  registerPrivacyCommands(program);
  return program;
}
