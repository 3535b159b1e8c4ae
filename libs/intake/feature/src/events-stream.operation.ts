import { ApiOperation, ApiPropertyOptional } from '@nestjs/swagger';
import { DECORATORS } from '@nestjs/swagger/dist/constants';
import { EventsStreamHttpController } from './events-stream/events-stream.http.controller';
import { EventsStreamQuery } from './events-stream/events-stream.request.dto';

// The SSE route is moving to a shared lib (issue 10, item 3). Until its own decorators say so, its
// OpenAPI operation is named, its Last-Event-ID bounded and its `type` example typed here; delete
// this file when they do (the API lint fails without these).
const stream = Object.getOwnPropertyDescriptor(EventsStreamHttpController.prototype, 'stream');
if (stream !== undefined) {
  ApiOperation({ operationId: 'streamEvents' })(EventsStreamHttpController.prototype, 'stream', stream);
  const parameters = (Reflect.getMetadata(DECORATORS.API_PARAMETERS, stream.value as object) ?? []) as { name: string; schema?: object }[];
  for (const header of parameters) if (header.name === 'Last-Event-ID') header.schema = { type: 'string', pattern: '^\\d{1,15}$', maxLength: 15 };
}
ApiPropertyOptional({ example: ['TicketOpened', 'AgentReplied'] })(EventsStreamQuery.prototype, 'type');
