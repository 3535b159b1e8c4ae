import { Inject, Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import { CLOCK, newId, systemActor, type Clock } from '@ticketing/kernel';
import { BackgroundTasks } from '@ticketing/platform';
import { AUTO_CLOSE_ACTOR_ID } from '@ticketing/intake-domain';
import { TicketListQuery } from '../ticket-list/ticket-list.query';
import { TicketCommandsService } from './ticket-commands.service';

/** How often due tickets are looked for; a ticket closes at most this late. */
export const AUTO_CLOSE_SWEEP_MS = 60_000;
const SWEEP_BATCH = 200;

/**
 * The durable auto-close timer: due times live in the read model (rebuilt from TicketResolved events),
 * so a restart loses no timer. Each sweep closes what is due; AutoCloseTicket is a no-op for a ticket
 * that was reopened meanwhile, so a stale read model can never close the wrong ticket.
 */
@Injectable()
export class AutoCloseScheduler implements OnModuleInit {
  private readonly logger = new Logger(AutoCloseScheduler.name);

  constructor(
    private readonly tickets: TicketListQuery,
    private readonly commands: TicketCommandsService,
    private readonly background: BackgroundTasks,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  onModuleInit(): void {
    this.background.register({ name: 'intake-auto-close', run: (signal) => this.run(signal) });
  }

  /** Closes every resolved ticket whose time has come; returns how many it closed. */
  async sweep(): Promise<number> {
    let closed = 0;
    for (;;) {
      const due = await this.tickets.dueForAutoClose(this.clock.now().toISOString(), SWEEP_BATCH);
      for (const ticketId of due) {
        try {
          const outcome = await this.commands.autoClose(ticketId, { actor: systemActor(AUTO_CLOSE_ACTOR_ID), correlationId: newId() });
          if (outcome.lastGlobalPosition !== undefined) closed++;
        } catch (error) {
          this.logger.error(`Auto-close of ticket ${ticketId} failed: ${String(error)}`);
        }
      }
      // A full batch may mean more are due; a short one (or one the read model has not caught up on) ends the sweep.
      if (due.length < SWEEP_BATCH || closed === 0) return closed;
    }
  }

  private async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await this.sweep();
      await this.clock.sleep(AUTO_CLOSE_SWEEP_MS, signal);
    }
  }
}
