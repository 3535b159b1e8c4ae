import { ApiExtension } from '@nestjs/swagger';

/**
 * An OpenAPI `x-` extension on one operation, or on every operation of a controller: Nest's
 * `@ApiExtension` is read from methods only, so a class-level use is spread over its methods.
 */
export function operationExtension(key: `x-${string}`, value: unknown): MethodDecorator & ClassDecorator {
  const onMethod = ApiExtension(key, value);
  return ((target: object, propertyKey?: string | symbol, descriptor?: PropertyDescriptor) => {
    if (descriptor !== undefined) return onMethod(target, propertyKey!, descriptor);
    const prototype = (target as { prototype: object }).prototype;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const method = Object.getOwnPropertyDescriptor(prototype, name);
      if (name !== 'constructor' && typeof method?.value === 'function') onMethod(prototype, name, method);
    }
    return undefined;
  }) as MethodDecorator & ClassDecorator;
}
