export * from './intake.module';
export * from './ticket.response.dto';
export * from './open-ticket/open-ticket.request.dto';
export * from './ticket-list/ticket-list.projection';
export * from './ticket-list/ticket-list.query';
export * from './application/ticket-commands.service';
export * from './application/auto-close.scheduler';
export { INTAKE_GRPC_SERVICE } from './intake.context';
export * from './intake.context';
