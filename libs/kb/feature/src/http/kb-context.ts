import { newId } from '@ticketing/kernel';
import { CorrelationContext, toEventActor, type AuthenticatedActor } from '@ticketing/platform';
import type { KbCommandContext } from '../application/kb-commands.service';

export const KB_WRITERS = ['agent', 'supervisor', 'admin'] as const;
export const KB_STAFF = ['agent', 'supervisor', 'ops', 'admin'] as const;

export const commandContextOf = (actor: AuthenticatedActor): KbCommandContext => ({
  actor: toEventActor(actor),
  correlationId: CorrelationContext.currentCorrelationId() ?? newId(),
});
