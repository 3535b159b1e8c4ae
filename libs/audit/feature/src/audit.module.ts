import { Module } from '@nestjs/common';
import { bundleSignerProvider } from '@ticketing/platform';
import { AuditAccessLog } from './access/audit-access.log';
import { AuditTrailService } from './audit-trail.service';
import { AuditGrpcController } from './grpc/audit.grpc.controller';
import { AuditHttpController } from './http/audit.http.controller';
import { PrivacyHttpController } from './http/privacy.http.controller';
import { CustomerErasureService } from './privacy/customer-erasure.service';

/**
 * The audit context: reads every context's streams of a ticket (history, state at a moment,
 * verification, signed export) for auditors, and records each read; erases a customer's personal
 * data (crypto-shredding) for admins. It keeps no read model: it reads the event store, which is
 * the record. Expects EVENT_STORE, STORED_EVENT_STORE, PersonalDataProtection, CLOCK and the config globally.
 */
@Module({
  controllers: [AuditHttpController, PrivacyHttpController, AuditGrpcController],
  providers: [AuditTrailService, AuditAccessLog, CustomerErasureService, bundleSignerProvider],
  exports: [AuditTrailService, CustomerErasureService],
})
export class AuditModule {}
