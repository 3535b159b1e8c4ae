import { AUDIT_CONTRACT, AUDIT_GRPC_PACKAGE, AUDIT_PROTO_FILE } from '@ticketing/contracts';
import { defineContext } from '@ticketing/runtime';
import { AuditModule } from './audit.module';

/** The fully-qualified name of the audit gRPC service. */
export const AUDIT_GRPC_SERVICE = `${AUDIT_GRPC_PACKAGE}.AuditService`;

/** Audit: every context's history of a ticket, its state at any moment, tamper evidence and signed exports; it only reads (and records who read). */
export const AUDIT_CONTEXT = defineContext({
  contract: AUDIT_CONTRACT,
  module: AuditModule,
  serves: 'api',
  grpc: { package: AUDIT_GRPC_PACKAGE, protoFile: AUDIT_PROTO_FILE, services: [AUDIT_GRPC_SERVICE] },
});
