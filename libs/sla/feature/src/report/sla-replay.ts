import type { SlaClockEvent, SlaTarget } from '@ticketing/contracts';
import { DomainError } from '@ticketing/kernel';
import { slaClockDecider, slaCommandOf, type SlaClockCommand, type SlaEnvironment, type SlaFactEvent } from '@ticketing/sla-domain';

/** Per target of one ticket: clocks started and breaches, as recorded or as a replay under some policy finds them. */
export type TargetVerdicts = Readonly<Partial<Record<SlaTarget, Readonly<{ clocks: number; breaches: number }>>>>;

/**
 * Replays a ticket's facts through the clock decider under `env`, with the timer firing exactly
 * when each check falls due (a check before every fact and one at `until`), and answers what the
 * clocks would have recorded. Pure: nothing is written.
 */
export function replayTicket(facts: readonly SlaFactEvent[], env: SlaEnvironment, until: string): TargetVerdicts {
  let state = slaClockDecider.initialState();
  const verdicts: Partial<Record<SlaTarget, { clocks: number; breaches: number }>> = {};
  const run = (command: SlaClockCommand) => {
    let decided: SlaClockEvent[];
    try {
      const result = slaClockDecider.decide(command, state);
      decided = Array.isArray(result) ? [...result] : [result as SlaClockEvent];
    } catch (error) {
      // A fact the live consumer would also refuse (e.g. before the opening): it changes nothing here either.
      if (error instanceof DomainError) return;
      throw error;
    }
    for (const event of decided) {
      if (event.type === 'SlaClockStarted') (verdicts[event.data.target] ??= { clocks: 0, breaches: 0 }).clocks += 1;
      if (event.type === 'SlaBreached') (verdicts[event.data.target] ??= { clocks: 0, breaches: 0 }).breaches += 1;
      state = slaClockDecider.evolve(state, event);
    }
  };
  const checkUntil = (at: string) => {
    // Every due moment up to `at`, in order: warnings do not change verdicts, breaches do, and a breach falls at its due time.
    for (let guard = 0; guard < 16; guard++) {
      const due = Object.values(state.clocks)
        .filter((clock) => clock.phase === 'running' && clock.breachedAt === null && clock.dueAt !== null && Date.parse(clock.dueAt) <= Date.parse(at))
        .map((clock) => clock.dueAt!)
        .sort()[0];
      if (due === undefined) return;
      const before = state;
      run({ type: 'CheckDeadlines', data: { ticketId: state.ticketId ?? '', at: due, env } });
      if (before === state) return;
    }
  };
  for (const fact of facts) {
    const command = slaCommandOf(fact, env);
    if (state.ticketId !== null) checkUntil(command.data.at);
    run(command);
  }
  if (state.ticketId !== null) checkUntil(until);
  return verdicts;
}
