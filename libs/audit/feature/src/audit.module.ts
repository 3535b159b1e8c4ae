import { Module } from '@nestjs/common';
import { bundleSignerProvider } from '@ticketing/platform';
import { AuditAccessLog } from './access/audit-access.log';
import { AuditTrailService } from './audit-trail.service';
import { AuditGrpcController } from './grpc/audit.grpc.controller';
import { AuditHttpController } from './http/audit.http.controller';

/**
 * The audit context: reads every context's streams of a ticket (history, state at a moment,
 * verification, signed export) for auditors, and records each read. It keeps no read model: it
 * reads the event store, which is the record. Expects EVENT_STORE, CLOCK and the config globally.
 */
@Module({
  controllers: [AuditHttpController, AuditGrpcController],
  providers: [AuditTrailService, AuditAccessLog, bundleSignerProvider],
  exports: [AuditTrailService],
})
export class AuditModule {}
