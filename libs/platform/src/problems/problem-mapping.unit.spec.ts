import { status as GrpcStatus } from '@grpc/grpc-js';
import {
  BadRequestException,
  ForbiddenException,
  HttpException,
  NotFoundException,
  PayloadTooLargeException,
  UnsupportedMediaTypeException,
} from '@nestjs/common';
import {
  ConcurrencyError,
  ConflictError,
  ForbiddenError,
  IllegalStateError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  ValidationError,
  type DomainError,
} from '@ticketing/kernel';
import { toGrpcStatus } from './grpc-status';
import { PROBLEM_LIMITS, toProblemDetails } from './problem-mapping';
import { PROBLEM_TYPES } from './problem-types';

const problemOf = (error: unknown) => toProblemDetails(error, { instance: '/v1/tickets/t-1', correlationId: 'c-1' });

describe('problem mapping', () => {
  describe.each<[string, Error, number, string, GrpcStatus]>([
    ['not_found', new NotFoundError('Ticket t-1 not found'), 404, 'not-found', GrpcStatus.NOT_FOUND],
    ['illegal_state', new IllegalStateError('closed', 'resolve'), 409, 'illegal-state', GrpcStatus.FAILED_PRECONDITION],
    ['conflict', new ConflictError('Already exists'), 409, 'conflict', GrpcStatus.ALREADY_EXISTS],
    ['validation', new ValidationError('Bad', [{ field: 'subject', message: 'required' }]), 400, 'validation', GrpcStatus.INVALID_ARGUMENT],
    ['forbidden', new ForbiddenError('Auditors read only'), 403, 'forbidden', GrpcStatus.PERMISSION_DENIED],
    ['unauthorized', new UnauthorizedError('Token expired'), 401, 'unauthorized', GrpcStatus.UNAUTHENTICATED],
    ['concurrency', new ConcurrencyError('ticket-1', '3', '4'), 409, 'concurrency', GrpcStatus.ABORTED],
    ['unprocessable', new UnprocessableError('Idempotency-Key reused with another body'), 422, 'unprocessable', GrpcStatus.FAILED_PRECONDITION],
    ['unavailable', new ServiceUnavailableError('Keys unavailable'), 503, 'unavailable', GrpcStatus.UNAVAILABLE],
  ])('%s', (_code, error, status, slug, grpc) => {
    it(`is ${status} ${slug} with the error's message as detail`, () => {
      const { body, unexpected } = problemOf(error);
      expect(body).toMatchObject({
        type: `https://ticketing.dev/problems/${slug}`,
        status,
        detail: error.message,
        instance: '/v1/tickets/t-1',
        correlationId: 'c-1',
      });
      expect(body.title).toBe(PROBLEM_TYPES[(error as DomainError).code].title);
      expect(unexpected).toBe(false);
    });

    it(`is gRPC ${GrpcStatus[grpc]}`, () => {
      expect(toGrpcStatus(error)).toMatchObject({ code: grpc, message: error.message });
    });
  });

  it('has a distinct type URI per code', () => {
    const types = Object.values(PROBLEM_TYPES).map((problem) => problem.type);
    expect(new Set(types).size).toBe(types.length);
  });

  it('adds WWW-Authenticate: Bearer to 401 only', () => {
    expect(problemOf(new UnauthorizedError('x')).headers).toEqual({ 'www-authenticate': 'Bearer realm="ticketing"' });
    expect(problemOf(new ForbiddenError('x')).headers).toEqual({});
  });

  it('is 429 / RESOURCE_EXHAUSTED with the wait in Retry-After and the retry-after trailer, when known', () => {
    const limited = new TooManyRequestsError('Slow down', 1_200, { budget: 'reads' });
    const { body, headers } = problemOf(limited);
    expect(body).toMatchObject({ status: 429, type: 'https://ticketing.dev/problems/too-many-requests', budget: 'reads', retryAfterSeconds: 2 });
    expect(headers).toEqual({ 'retry-after': '2' });
    const grpc = toGrpcStatus(limited);
    expect(grpc.code).toBe(GrpcStatus.RESOURCE_EXHAUSTED);
    expect(grpc.metadata?.get('retry-after')).toEqual(['2']);
    const capped = new TooManyRequestsError('Too many streams');
    expect(problemOf(capped).headers).toEqual({});
    const cappedGrpc = toGrpcStatus(capped);
    expect(cappedGrpc).toMatchObject({ code: GrpcStatus.RESOURCE_EXHAUSTED, message: 'Too many streams' });
    expect(cappedGrpc.metadata.get('retry-after')).toEqual([]);
  });

  it('carries validation field errors and other details as extension members', () => {
    expect(problemOf(new ValidationError('Bad', [{ field: 'items.0.amount', message: 'must be a decimal' }])).body.errors).toEqual([
      { field: 'items.0.amount', message: 'must be a decimal' },
    ]);
    expect(problemOf(new IllegalStateError('closed', 'resolve')).body).toMatchObject({ state: 'closed', command: 'resolve' });
  });

  it('never lets details overwrite the standard members', () => {
    const { body } = problemOf(new NotFoundError('gone', { status: 200, type: 'x', correlationId: 'spoof', ticketId: 't-1' }));
    expect(body).toMatchObject({ status: 404, type: 'https://ticketing.dev/problems/not-found', correlationId: 'c-1', ticketId: 't-1' });
  });

  describe('Nest HttpExceptions (including Fastify body-parse errors Nest wraps)', () => {
    it.each<[HttpException, number, string]>([
      [new BadRequestException("Body is not valid JSON but content-type is set to 'application/json'"), 400, 'bad-request'],
      [new PayloadTooLargeException('Request body is too large'), 413, 'payload-too-large'],
      [new HttpException('Request body is too large', 413), 413, 'payload-too-large'],
      [new UnsupportedMediaTypeException('Unsupported Media Type: text/plain'), 415, 'unsupported-media-type'],
      [new NotFoundException('Cannot GET /v1/nope'), 404, 'not-found'],
      [new ForbiddenException(), 403, 'forbidden'],
    ])('%s → %i %s', (exception, status, slug) => {
      const { body } = problemOf(exception);
      expect(body).toMatchObject({ status, type: `https://ticketing.dev/problems/${slug}` });
      expect(body.detail).toBe(exception.message);
    });

    it('joins a message array into the detail', () => {
      expect(problemOf(new BadRequestException(['a is bad', 'b is bad'])).body.detail).toBe('a is bad; b is bad');
    });

    it('uses about:blank and the status phrase for statuses without a type of their own', () => {
      expect(problemOf(new HttpException('slow down there', 418)).body).toMatchObject({
        type: 'about:blank',
        title: "I'm a Teapot",
        status: 418,
      });
    });
  });

  it('turns anything else into a generic 500 that leaks nothing and asks to be logged', () => {
    const { body, unexpected } = problemOf(new TypeError("Cannot read properties of undefined (reading 'password')"));
    expect(body).toMatchObject({ status: 500, type: 'https://ticketing.dev/problems/internal' });
    expect(JSON.stringify(body)).not.toMatch(/password|TypeError|stack/);
    expect(unexpected).toBe(true);
    expect(toGrpcStatus('a thrown string').code).toBe(GrpcStatus.INTERNAL);
  });

  it('bounds a problem as the OpenAPI document says: at most 100 field errors, each field and message cut to length', () => {
    const errors = Array.from({ length: 5000 }, (_, index) => ({ field: `f${index}${'x'.repeat(1000)}`, message: 'm'.repeat(5000) }));
    const { body } = problemOf(new ValidationError('d'.repeat(10_000), errors));
    const listed = body.errors as { field: string; message: string }[];
    expect(listed).toHaveLength(PROBLEM_LIMITS.fieldErrors);
    expect(listed[0]).toEqual({ field: errors[0].field.slice(0, PROBLEM_LIMITS.field), message: 'm'.repeat(PROBLEM_LIMITS.message) });
    expect(body.detail).toHaveLength(PROBLEM_LIMITS.detail);
  });
});
