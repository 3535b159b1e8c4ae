import { join } from 'node:path';
import { loadSync } from '@grpc/proto-loader';
import { CHANNELS, LANGUAGES, SOCIAL_PLATFORMS } from './intake/intake.events';
import { INTAKE_PROTO_FILE, intakeProtoPath, protoDir, protoLoaderOptions } from './proto-path';

const REPO_ROOT = join(__dirname, '../../..');
const SOURCE_PROTO_DIR = join(REPO_ROOT, 'libs/contracts/proto');

describe('protoDir', () => {
  it('finds libs/contracts/proto from the sources', () => {
    expect(protoDir()).toBe(SOURCE_PROTO_DIR);
  });

  it('finds it from compiled code in dist, where tsc copied no .proto files', () => {
    expect(protoDir(join(REPO_ROOT, 'dist/libs/contracts/src'))).toBe(SOURCE_PROTO_DIR);
  });

  it('says where it looked when there is none', () => {
    expect(() => protoDir('/')).toThrow(/No libs\/contracts\/proto folder found above \//);
  });
});

describe('intake .proto', () => {
  const definition = loadSync(intakeProtoPath(), protoLoaderOptions());
  const enumValues = (name: string): string[] => {
    const type = definition[`ticketing.intake.v1.${name}`] as { type: { value: { name: string }[] } };
    return type.type.value.map((value) => value.name);
  };
  const protoNames = (prefix: string, values: readonly string[]) => [`${prefix}UNSPECIFIED`, ...values.map((value) => `${prefix}${value.toUpperCase()}`)];

  it('is at the advertised path and declares TicketService', () => {
    expect(intakeProtoPath()).toBe(join(SOURCE_PROTO_DIR, INTAKE_PROTO_FILE));
    expect(Object.keys(definition['ticketing.intake.v1.TicketService'])).toEqual(
      expect.arrayContaining(['OpenTicket', 'GetTicket', 'ListTickets', 'WatchTicket', 'MergeTicket', 'ListMessages']),
    );
  });

  // The enums must name exactly the contract's values, else a new channel or language is unreachable over gRPC.
  it.each([
    ['Channel', 'CHANNEL_', CHANNELS],
    ['Language', 'LANGUAGE_', LANGUAGES],
    ['SocialPlatform', 'SOCIAL_PLATFORM_', SOCIAL_PLATFORMS],
    ['TicketStatus', 'TICKET_STATUS_', ['open', 'assigned', 'in_progress', 'waiting_on_customer', 'resolved', 'closed', 'merged']],
  ] as const)('enum %s mirrors the contract values', (name, prefix, values) => {
    expect(enumValues(name)).toEqual(protoNames(prefix, values));
  });
});
