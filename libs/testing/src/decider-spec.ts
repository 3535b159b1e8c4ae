import { foldEvents, type Command, type Decider, type Event } from '@ticketing/kernel';

type ErrorClass = abstract new (...args: never[]) => Error;

/**
 * given(events).when(command).then(events) specs for a decider, as in emmett's DeciderSpecification.
 * `then` compares the decided events exactly; `thenThrows` checks the typed error and optionally its fields.
 */
export function deciderSpec<State, C extends Command, E extends Event>(decider: Decider<State, C, E>) {
  return {
    given(history: readonly E[]) {
      return {
        when(command: C) {
          const decide = (): readonly E[] => {
            const decided = decider.decide(command, foldEvents(decider, history));
            return Array.isArray(decided) ? decided : [decided as E];
          };
          return {
            then(expected: readonly E[]): void {
              expect(decide()).toEqual(expected);
            },
            thenNothingHappens(): void {
              expect(decide()).toEqual([]);
            },
            thenThrows<T extends ErrorClass>(errorClass: T, matches?: (error: InstanceType<T>) => void): void {
              let thrown: unknown;
              try {
                decide();
              } catch (error) {
                thrown = error;
              }
              expect(thrown).toBeInstanceOf(errorClass);
              matches?.(thrown as InstanceType<T>);
            },
          };
        },
      };
    },
  };
}
