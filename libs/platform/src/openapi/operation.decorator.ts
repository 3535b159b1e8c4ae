import { ApiOperation, ApiParam } from '@nestjs/swagger';

/** An AIP-style operation name: a lowerCamelCase verb and resource (`getTicket`, `listTickets`, `startTicketProgress`). */
export const OPERATION_NAME = /^[a-z][a-z0-9]*(?:[A-Z][a-z0-9]*)+$/;

export type OperationOptions = Readonly<{ summary: string; description?: string }>;

/**
 * Names and describes an HTTP route in the OpenAPI document; every route must have one (the
 * document is refused without it). `name` becomes the operationId, the method name of generated clients.
 */
export function Operation(name: string, options: OperationOptions): MethodDecorator {
  if (!OPERATION_NAME.test(name)) throw new Error(`Operation name "${name}" is not a lowerCamelCase verb and resource such as getTicket`);
  return ApiOperation({ operationId: name, summary: options.summary, ...(options.description !== undefined && { description: options.description }) });
}

/**
 * Replaces Nest's generated operationIds (`ticketWritesHttpControllerStartProgress`) with a name
 * that `applyApiConventions` refuses: a route without `@Operation` fails the document.
 */
export const unnamedOperation = (controllerKey: string, methodKey: string): string => `${controllerKey}.${methodKey}`;

/** A path parameter that must be a UUID (with `ParseUUIDPipe`), bounded as the lint requires. */
export const ApiUuidParam = (name: string, description: string): MethodDecorator & ClassDecorator =>
  ApiParam({ name, description, schema: { type: 'string', format: 'uuid', minLength: 36, maxLength: 36 } });
