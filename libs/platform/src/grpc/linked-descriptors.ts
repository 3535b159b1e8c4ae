import type { PackageDefinition } from '@grpc/proto-loader';
import { FileDescriptorProto } from 'protobufjs/ext/descriptor';

type FieldDescriptor = { name: string; typeName?: string; oneofIndex?: number; proto3Optional?: boolean };
type MessageDescriptor = { name: string; field: FieldDescriptor[]; nestedType: MessageDescriptor[]; enumType: { name: string }[]; oneofDecl: { name: string }[] };
type FileDescriptor = {
  name: string;
  package?: string;
  dependency: string[];
  messageType: MessageDescriptor[];
  enumType: { name: string }[];
  service: { method: { inputType?: string; outputType?: string }[] }[];
};

const decode = (bytes: Uint8Array): FileDescriptor => FileDescriptorProto.decode(bytes) as unknown as FileDescriptor;

function* messagesOf(messages: readonly MessageDescriptor[], scope: string): Generator<[string, MessageDescriptor]> {
  for (const message of messages) {
    const name = `${scope}.${message.name}`;
    yield [name, message];
    yield* messagesOf(message.nestedType, name);
  }
}

/**
 * proto-loader's file descriptors declare no imports (grpc/grpc-node#2595) and lose proto3
 * `optional` (protobufjs drops `proto3_optional`), so reflection clients such as grpcurl cannot
 * link `google.protobuf.Timestamp` and see plain oneofs. This fills in each file's `dependency`
 * from the types it references (written fully qualified, as protoc does) and marks the synthetic `_<field>` oneofs' fields proto3_optional.
 */
export function withLinkedDescriptors(definition: PackageDefinition): PackageDefinition {
  const files = new Map<string, FileDescriptor>();
  for (const entry of Object.values(definition)) {
    for (const bytes of (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos ?? []) {
      const file = decode(bytes);
      if (!files.has(file.name)) files.set(file.name, file);
    }
  }
  const declaredIn = new Map<string, string>();
  for (const file of files.values()) {
    const scope = file.package ? `.${file.package}` : '';
    for (const enumType of file.enumType) declaredIn.set(`${scope}.${enumType.name}`, file.name);
    for (const [name, message] of messagesOf(file.messageType, scope)) {
      declaredIn.set(name, file.name);
      for (const enumType of message.enumType) declaredIn.set(`${name}.${enumType.name}`, file.name);
    }
  }
  // protobufjs writes references as written (`google.protobuf.Timestamp`, `Channel`); protoc writes them fully qualified.
  const resolve = (reference: string, scope: string): string | undefined => {
    if (reference.startsWith('.')) return declaredIn.has(reference) ? reference : undefined;
    for (let outer = scope; ; outer = outer.slice(0, Math.max(0, outer.lastIndexOf('.')))) {
      if (declaredIn.has(`${outer}.${reference}`)) return `${outer}.${reference}`;
      if (outer === '') return undefined;
    }
  };
  const encoded = new Map<string, Uint8Array>();
  for (const file of files.values()) {
    const scope = file.package ? `.${file.package}` : '';
    const references = new Set<string>();
    const qualified = (reference: string, within: string): string => {
      const resolved = resolve(reference, within);
      if (resolved === undefined) return reference;
      references.add(resolved);
      return resolved;
    };
    for (const [name, message] of messagesOf(file.messageType, scope)) {
      for (const field of message.field) {
        if (field.typeName) field.typeName = qualified(field.typeName, name);
        const oneof = field.oneofIndex === undefined ? undefined : message.oneofDecl[field.oneofIndex];
        if (oneof?.name === `_${field.name}`) field.proto3Optional = true;
      }
    }
    for (const method of file.service.flatMap((service) => service.method)) {
      if (method.inputType) method.inputType = qualified(method.inputType, scope);
      if (method.outputType) method.outputType = qualified(method.outputType, scope);
    }
    const dependencies = [...references].map((type) => declaredIn.get(type)).filter((name): name is string => name !== undefined && name !== file.name);
    file.dependency = [...new Set(dependencies)];
    encoded.set(file.name, FileDescriptorProto.encode(file as never).finish());
  }
  return Object.fromEntries(
    Object.entries(definition).map(([name, entry]) => {
      const protos = (entry as { fileDescriptorProtos?: Uint8Array[] }).fileDescriptorProtos;
      if (!protos) return [name, entry];
      return [name, { ...entry, fileDescriptorProtos: protos.map((bytes) => encoded.get(decode(bytes).name) ?? bytes) }];
    }),
  ) as PackageDefinition;
}
