import { Injectable } from '@nestjs/common';

/** One dependency readiness depends on; `check` rejects when it is not usable. */
export interface ReadinessCheck {
  readonly name: string;
  check(): Promise<void>;
}

/** Where the app registers what /health/ready checks (event store ping, bus status), typically in onModuleInit. */
@Injectable()
export class ReadinessRegistry {
  private readonly checks = new Map<string, ReadinessCheck>();

  register(check: ReadinessCheck): void {
    if (this.checks.has(check.name)) throw new Error(`Readiness check "${check.name}" is already registered`);
    this.checks.set(check.name, check);
  }

  all(): readonly ReadinessCheck[] {
    return [...this.checks.values()];
  }

  /** True when every check passes: the verdict of /health/ready, for transports without HTTP (gRPC health). */
  async isReady(): Promise<boolean> {
    const results = await Promise.allSettled(this.all().map((readiness) => readiness.check()));
    return results.every((result) => result.status === 'fulfilled');
  }
}
