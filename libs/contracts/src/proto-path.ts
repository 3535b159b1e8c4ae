import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

const PROTO_DIR_IN_REPO = join('libs', 'contracts', 'proto');
// Present in every proto folder of this repo: tells it apart from unrelated `proto` folders.
const MARKER = 'ticketing';

const isProtoDir = (folder: string): boolean => existsSync(join(folder, MARKER));

/**
 * The folder holding the .proto files (the include root for imports between them). tsc copies no
 * .proto files, so from compiled code in `dist/libs/contracts/src` this walks up to the checkout's
 * `libs/contracts/proto`; a build that does copy them next to the code is found first.
 */
export function protoDir(from: string = __dirname): string {
  const besideCode = join(from, '..', 'proto');
  if (isProtoDir(besideCode)) return besideCode;
  for (let folder = from; ; folder = dirname(folder)) {
    const candidate = join(folder, PROTO_DIR_IN_REPO);
    if (isProtoDir(candidate)) return candidate;
    if (dirname(folder) === folder) break;
  }
  throw new Error(`No ${PROTO_DIR_IN_REPO} folder found above ${from}: deploy the .proto files with the code`);
}

/** The intake context's gRPC package and its .proto file, relative to `protoDir()`. */
export const INTAKE_GRPC_PACKAGE = 'ticketing.intake.v1';
export const INTAKE_PROTO_FILE = 'ticketing/intake/v1/tickets.proto';

/** The routing context's gRPC package and its .proto file, relative to `protoDir()`. */
export const ROUTING_GRPC_PACKAGE = 'ticketing.routing.v1';
export const ROUTING_PROTO_FILE = 'ticketing/routing/v1/routing.proto';

/** The SLA context's gRPC package and its .proto file, relative to `protoDir()`. */
export const SLA_GRPC_PACKAGE = 'ticketing.sla.v1';
export const SLA_PROTO_FILE = 'ticketing/sla/v1/sla.proto';

/** Absolute path of the intake context's .proto (TicketService). */
export const intakeProtoPath = (): string => join(protoDir(), INTAKE_PROTO_FILE);

/** How servers and clients load these protos (@grpc/proto-loader options): camelCase fields, int64 as strings, enums by name. */
export const protoLoaderOptions = (): ProtoLoaderOptions => ({
  keepCase: false,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
  includeDirs: [protoDir()],
});

/** The subset of @grpc/proto-loader's Options used here (contracts carry no gRPC dependency). */
export type ProtoLoaderOptions = {
  keepCase: boolean;
  longs: StringConstructor;
  enums: StringConstructor;
  defaults: boolean;
  oneofs: boolean;
  includeDirs: string[];
};

/** googleapis' error model (google.rpc.Status and the detail messages this API sends), relative to `protoDir()`. */
export const GOOGLE_RPC_STATUS_PROTO_FILE = 'google/rpc/status.proto';
export const GOOGLE_RPC_ERROR_DETAILS_PROTO_FILE = 'google/rpc/error_details.proto';

/** The knowledge base's gRPC package and its .proto file, relative to `protoDir()`. */
export const KB_GRPC_PACKAGE = 'ticketing.kb.v1';
export const KB_PROTO_FILE = 'ticketing/kb/v1/knowledge_base.proto';

/** Package and file of the disputes context's gRPC service. */
export const DISPUTES_GRPC_PACKAGE = 'ticketing.disputes.v1';
export const DISPUTES_PROTO_FILE = 'ticketing/disputes/v1/disputes.proto';

/** Package and file of the audit context's gRPC service. */
export const AUDIT_GRPC_PACKAGE = 'ticketing.audit.v1';
export const AUDIT_PROTO_FILE = 'ticketing/audit/v1/audit.proto';
