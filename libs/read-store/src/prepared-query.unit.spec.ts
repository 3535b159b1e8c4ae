import Database from 'better-sqlite3';
import { Kysely, PostgresDialect, SqliteDialect, type Compilable } from 'kysely';
import { prepareQuery, type ParameterOf } from './prepared-query';

type Tables = { notes: { id: number; owner: string; body: string | null; kind: string; revision: number } };

const sqlite = (): Kysely<Tables> => new Kysely<Tables>({ dialect: new SqliteDialect({ database: new Database(':memory:') }) });

describe('prepareQuery', () => {
  let db: Kysely<Tables>;
  beforeEach(async () => {
    db = sqlite();
    await db.schema
      .createTable('notes')
      .addColumn('id', 'integer', (column) => column.primaryKey())
      .addColumn('owner', 'text', (column) => column.notNull())
      .addColumn('body', 'text')
      .addColumn('kind', 'text', (column) => column.notNull())
      .addColumn('revision', 'integer', (column) => column.notNull())
      .execute();
  });
  afterEach(() => db.destroy());

  const insertNote = prepareQuery((kysely: Kysely<Tables>, param: ParameterOf<{ id: number; owner: string; body: string | null }>) =>
    kysely.insertInto('notes').values({ id: param('id'), owner: param('owner'), body: param('body'), kind: 'note', revision: 1 }),
  );
  const notesOf = prepareQuery((kysely: Kysely<Tables>, param: ParameterOf<{ owner: string }>) =>
    kysely.selectFrom('notes').selectAll().where('owner', '=', param('owner')).orderBy('id'),
  );

  it('runs the same shape with fresh values each time, constants compiled in', async () => {
    await insertNote.execute(db, { id: 1, owner: 'alice', body: 'first' });
    await insertNote.execute(db, { id: 2, owner: 'bob', body: null });
    await insertNote.execute(db, { id: 3, owner: 'alice', body: 'third' });
    expect((await notesOf.execute(db, { owner: 'alice' })).rows).toEqual([
      { id: 1, owner: 'alice', body: 'first', kind: 'note', revision: 1 },
      { id: 3, owner: 'alice', body: 'third', kind: 'note', revision: 1 },
    ]);
    expect((await notesOf.execute(db, { owner: 'bob' })).rows).toEqual([{ id: 2, owner: 'bob', body: null, kind: 'note', revision: 1 }]);
  });

  it('fills a parameter named twice in every place it appears', async () => {
    const touch = prepareQuery((kysely: Kysely<Tables>, param: ParameterOf<{ id: number; revision: number }>) =>
      kysely.updateTable('notes').set({ revision: param('revision') }).where('id', '=', param('id')).where('revision', '<', param('revision')),
    );
    await insertNote.execute(db, { id: 1, owner: 'alice', body: 'x' });
    expect(Number((await touch.execute(db, { id: 1, revision: 5 })).numAffectedRows)).toBe(1);
    expect(Number((await touch.execute(db, { id: 1, revision: 3 })).numAffectedRows)).toBe(0);
    expect((await notesOf.execute(db, { owner: 'alice' })).rows[0]).toMatchObject({ revision: 5 });
  });

  it('runs inside a transaction, whose writes roll back with it', async () => {
    await expect(
      db.transaction().execute(async (trx) => {
        await insertNote.execute(trx, { id: 1, owner: 'alice', body: 'rolled back' });
        expect((await notesOf.execute(trx, { owner: 'alice' })).rows).toHaveLength(1);
        throw new Error('abort');
      }),
    ).rejects.toThrow('abort');
    expect((await notesOf.execute(db, { owner: 'alice' })).rows).toEqual([]);
  });

  it('builds once per database, shared with its transactions, and compiles for each dialect', async () => {
    const builds: string[] = [];
    const byId = prepareQuery((kysely: Kysely<Tables>, param: ParameterOf<{ id: number }>): Compilable<unknown> => {
      const query = kysely.selectFrom('notes').select('body').where('id', '=', param('id'));
      builds.push(query.compile().sql);
      return query;
    });
    await insertNote.execute(db, { id: 1, owner: 'alice', body: 'one' });
    for (let i = 0; i < 3; i++) await byId.execute(db, { id: 1 });
    await db.transaction().execute((trx) => byId.execute(trx, { id: 1 }));
    expect(builds).toEqual(['select "body" from "notes" where "id" = ?']);

    const other = sqlite();
    // Not toThrow: once another test file has loaded better-sqlite3 in this worker, its errors come from that file's realm.
    await expect(byId.execute(other, { id: 1 })).rejects.toMatchObject({ message: expect.stringMatching(/no such table/) });
    expect(builds).toHaveLength(2);
    await other.destroy();

    // PostgreSQL's numbered placeholders, compiled without a connection.
    const postgres = new Kysely<Tables>({ dialect: new PostgresDialect({ pool: {} as never }) });
    const compiled = prepareQuery((kysely: Kysely<Tables>, param: ParameterOf<{ id: number; owner: string }>) =>
      kysely.updateTable('notes').set({ owner: param('owner') }).where('id', '=', param('id')),
    );
    const executed = jest.spyOn(postgres, 'executeQuery').mockResolvedValue({ rows: [] });
    await compiled.execute(postgres, { id: 7, owner: 'carol' });
    expect(executed).toHaveBeenCalledWith(expect.objectContaining({ sql: 'update "notes" set "owner" = $1 where "id" = $2', parameters: ['carol', 7] }));
  });
});
