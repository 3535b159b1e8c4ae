import { OpenApiResponseValidator, type ObservedResponse } from './openapi-response.validator';

const document = {
  paths: {
    '/v1/things/{id}': {
      get: {
        responses: {
          '200': {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  required: ['id', 'note'],
                  properties: { id: { type: 'string', format: 'uuid' }, note: { type: 'string', nullable: true, maxLength: 3 }, count: { type: 'integer', format: 'int32' } },
                },
              },
            },
          },
          '429': { headers: { 'Retry-After': { $ref: '#/components/headers/Retry-After' } }, content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } } },
        },
      },
    },
    '/v1/things/special': { get: { responses: { '204': {} } } },
  },
  components: {
    schemas: { Problem: { type: 'object', required: ['status'], properties: { status: { type: 'integer' } } } },
    headers: { 'Retry-After': { required: true, schema: { type: 'integer' } } },
  },
};

const ID = '0193a0c4-4c5e-7000-8000-000000000001';
const observed = (status: number, body: unknown, extra: Partial<ObservedResponse> = {}): ObservedResponse => ({
  method: 'GET',
  url: `/v1/things/${ID}?x=1`,
  status,
  contentType: body === '' ? null : 'application/json; charset=utf-8',
  body,
  headers: new Headers(),
  ...extra,
});

describe('OpenApiResponseValidator', () => {
  const validator = new OpenApiResponseValidator(document);

  it('accepts a documented status with a body of its schema (nullable included)', () => {
    expect(validator.problems(observed(200, { id: ID, note: null, count: 3 }))).toEqual([]);
    expect(validator.problems(observed(200, { id: ID, note: 'abc' }))).toEqual([]);
  });

  it('refuses an undocumented status', () => {
    expect(validator.problems(observed(404, { status: 404 }))).toEqual([expect.stringContaining('status not documented')]);
  });

  it('refuses a body that does not match the schema', () => {
    expect(validator.problems(observed(200, { id: 'nope', note: 'abcd', count: 1.5 }))).toEqual([expect.stringMatching(/body\/id must match format "uuid".*body\/note must NOT have more than 3 characters/)]);
  });

  it('refuses an undocumented media type, and a missing required header', () => {
    const problem = observed(429, { status: 429 }, { contentType: 'application/json' });
    expect(validator.problems(problem)).toEqual([expect.stringContaining('required header Retry-After missing'), expect.stringContaining('content type application/json not documented')]);
    expect(validator.problems({ ...problem, contentType: 'application/problem+json', headers: new Headers({ 'retry-after': '3' }) })).toEqual([]);
  });

  it('matches literal paths before templated ones, and leaves routes outside the document alone', () => {
    expect(validator.problems(observed(204, '', { url: '/v1/things/special' }))).toEqual([]);
    expect(validator.problems(observed(404, { anything: true }, { url: '/v1/unknown' }))).toEqual([]);
  });
});
