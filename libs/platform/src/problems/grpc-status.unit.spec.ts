import { join } from 'node:path';
import { status as GrpcStatus } from '@grpc/grpc-js';
import { IllegalStateError, NotFoundError, ValidationError } from '@ticketing/kernel';
import { Root } from 'protobufjs';
import { GRPC_STATUS_DETAILS_TRAILER, protoFieldPath, toGrpcStatus } from './grpc-status';

// Decoded as a client would: from the googleapis files, independent of the encoder's loading.
const root = new Root();
root.resolvePath = (_origin, target) => join(__dirname, '../../../contracts/proto', target);
root.loadSync(['google/rpc/status.proto', 'google/rpc/error_details.proto']);

// protobufjs' built-in google.protobuf.Any keeps the proto's snake_case field name.
type Detail = { type_url: string; value: Uint8Array };
function detailsOf(error: unknown, correlationId?: string) {
  const { metadata, code, message } = toGrpcStatus(error, { correlationId });
  const [bin] = metadata.get(GRPC_STATUS_DETAILS_TRAILER) as Buffer[];
  const status = root.lookupType('google.rpc.Status').toObject(root.lookupType('google.rpc.Status').decode(bin)) as {
    code: number;
    message: string;
    details: Detail[];
  };
  const byType = (name: string) => {
    const detail = status.details.find((candidate) => candidate.type_url === `type.googleapis.com/google.rpc.${name}`);
    const type = root.lookupType(`google.rpc.${name}`);
    return detail ? (type.toObject(type.decode(detail.value), { longs: Number }) as Record<string, unknown>) : undefined;
  };
  return { code, message, status, metadata, errorInfo: byType('ErrorInfo'), badRequest: byType('BadRequest'), retryInfo: byType('RetryInfo') };
}

describe('gRPC error details (google.rpc.Status in grpc-status-details-bin)', () => {
  it('carries a validation error as BadRequest with proto field paths, and the message as the status message', () => {
    const error = new ValidationError('The request is invalid: social.postUrl: postUrl must be a URL', [
      { field: 'social.postUrl', message: 'postUrl must be a URL' },
      { field: 'subject', message: 'subject should not be empty' },
    ]);
    const { code, message, status, badRequest, errorInfo } = detailsOf(error, 'corr-1');
    expect({ code, message }).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, message: error.message });
    expect({ code: status.code, message: status.message }).toEqual({ code: GrpcStatus.INVALID_ARGUMENT, message: error.message });
    expect(badRequest).toEqual({
      fieldViolations: [
        { field: 'social.post_url', description: 'postUrl must be a URL' },
        { field: 'subject', description: 'subject should not be empty' },
      ],
    });
    expect(errorInfo).toMatchObject({ reason: 'VALIDATION', domain: 'ticketing.dev' });
  });

  it('carries the problem type, title, HTTP status, correlation id and scalar extensions as ErrorInfo', () => {
    const { errorInfo, badRequest, metadata } = detailsOf(new IllegalStateError('closed', 'resolve'), 'corr-2');
    expect(errorInfo).toEqual({
      reason: 'ILLEGAL_STATE',
      domain: 'ticketing.dev',
      metadata: {
        type: 'https://ticketing.dev/problems/illegal-state',
        title: 'Not allowed in the current state',
        httpStatus: '409',
        correlationId: 'corr-2',
        state: 'closed',
        command: 'resolve',
      },
    });
    expect(badRequest).toBeUndefined();
    expect(metadata.get('x-correlation-id')).toEqual(['corr-2']);
  });

  it('adds RetryInfo when the error says when to retry', () => {
    const { retryInfo } = detailsOf(new NotFoundError('later', { retryAfterSeconds: 7.2 }));
    expect(retryInfo).toEqual({ retryDelay: { seconds: 8 } });
  });

  it('gives an unexpected error the generic message and INTERNAL', () => {
    const { code, message, errorInfo } = detailsOf(new TypeError('secret stack'), 'corr-3');
    expect(code).toBe(GrpcStatus.INTERNAL);
    expect(message).not.toMatch(/secret/);
    expect(errorInfo).toMatchObject({ reason: 'INTERNAL', metadata: { correlationId: 'corr-3' } });
  });

  it.each([
    ['social.postUrl', 'social.post_url'],
    ['assetContext.txHash', 'asset_context.tx_hash'],
    ['intoTicketId', 'into_ticket_id'],
    ['items.0.amount', 'items[0].amount'],
    ['subject', 'subject'],
  ])('maps the DTO path %s to the proto path %s', (dto, proto) => {
    expect(protoFieldPath(dto)).toBe(proto);
  });
});
