import type { Compilable, CompiledQuery, Kysely, QueryResult } from 'kysely';

/** Stands in for a value while the query is compiled; no real value starts with a NUL. */
const PLACEHOLDER_PREFIX = '\u0000prepared-query-parameter:';

type Slot = Readonly<{ name: string }> | Readonly<{ constant: unknown }>;

type Compiled<Row> = Readonly<{ query: CompiledQuery<Row>; slots: readonly Slot[] }>;

/**
 * Names a parameter of a prepared query. Typed `never` so that it fits any column; at run time it is
 * a placeholder that `execute` replaces with the value given under that name.
 */
export type ParameterOf<Params> = (name: keyof Params & string) => never;

/** A query shape that Kysely builds and compiles once per database, then runs with fresh values. */
export type PreparedQuery<DB, Params, Row> = Readonly<{
  /** Runs the query on `db` (a Kysely instance or one of its transactions) with `params`. */
  execute(db: Kysely<DB>, params: Params): Promise<QueryResult<Row>>;
}>;

/**
 * Prepares a query for the hot paths of projections and reads. Kysely builds a query's tree and
 * compiles it to SQL on every call, which costs more than SQLite takes to run the small statements a
 * projection issues per event; a prepared query does that once per database (dialect), and every run
 * only swaps the parameter values. `build` must give every value that varies through `param`: any
 * other value is compiled in as a constant.
 *
 * @example
 * const setQueue = prepareQuery((db: Kysely<Tables>, param: ParameterOf<{ id: string; queue: string }>) =>
 *   db.updateTable('tickets').set({ queue: param('queue') }).where('id', '=', param('id')));
 * await setQueue.execute(trx, { id, queue });
 */
export function prepareQuery<DB, Params extends Record<string, unknown>, Row>(
  build: (db: Kysely<DB>, param: ParameterOf<Params>) => Compilable<Row>,
): PreparedQuery<DB, Params, Row> {
  // Keyed by the dialect adapter, which a Kysely instance shares with its transactions.
  const compiledPerDatabase = new WeakMap<object, Compiled<Row>>();

  const compile = (db: Kysely<DB>): Compiled<Row> => {
    const query = build(db, ((name: string) => `${PLACEHOLDER_PREFIX}${name}`) as ParameterOf<Params>).compile();
    const slots = query.parameters.map(
      (value): Slot =>
        typeof value === 'string' && value.startsWith(PLACEHOLDER_PREFIX) ? { name: value.slice(PLACEHOLDER_PREFIX.length) } : { constant: value },
    );
    return { query, slots };
  };

  return {
    execute(db, params) {
      const adapter = db.getExecutor().adapter;
      let compiled = compiledPerDatabase.get(adapter);
      if (compiled === undefined) {
        compiled = compile(db);
        compiledPerDatabase.set(adapter, compiled);
      }
      const parameters = compiled.slots.map((slot) => ('name' in slot ? params[slot.name] : slot.constant));
      return db.executeQuery<Row>({ ...compiled.query, parameters });
    },
  };
}
