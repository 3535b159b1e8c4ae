import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { ApiOkResponse, ApiTags } from '@nestjs/swagger';
import type { SchemaObject } from '@nestjs/swagger/dist/interfaces/open-api-spec.interface';
import { HealthCheck, HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import { Public } from '../auth/auth.decorators';
import { ServiceUnavailableError } from '@ticketing/kernel';
import { ReadinessRegistry } from './readiness.registry';
import { ApiProblems } from '../openapi/api-problems.decorator';
import { Operation } from '../openapi/operation.decorator';

const indicators = (description: string): SchemaObject => ({
  type: 'object',
  description,
  maxProperties: 64,
  additionalProperties: {
    type: 'object',
    required: ['status'],
    properties: { status: { type: 'string', enum: ['up', 'down'] }, message: { type: 'string', maxLength: 4096 } },
  },
});

/** Terminus' result, with every string bounded (its own schema leaves them open). */
const HEALTH_RESULT: SchemaObject = {
  type: 'object',
  required: ['status', 'details'],
  properties: {
    status: { type: 'string', enum: ['ok'] },
    info: indicators('Checks that are up, by name'),
    error: indicators('Checks that are down, by name'),
    details: indicators('Every check, by name'),
  },
};

@ApiTags('health')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    private readonly registry: ReadinessRegistry,
  ) {}

  /** Up while the process serves HTTP; restart it otherwise. */
  @Get('live')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @Operation('getLiveness', { summary: 'Liveness probe', description: 'Up while the process serves HTTP; restart it otherwise.' })
  @ApiOkResponse({ description: 'Alive', schema: HEALTH_RESULT })
  live(): Promise<HealthCheckResult> {
    return this.health.check([]);
  }

  /** Ready when every registered dependency answers; 503 problem+json (with each check's state) otherwise. */
  @Get('ready')
  @HealthCheck({ noCache: true, swaggerDocumentation: false })
  @Operation('getReadiness', { summary: 'Readiness probe', description: 'Ready when every dependency answers; otherwise a 503 problem whose `checks` member gives each check’s state.' })
  @ApiOkResponse({ description: 'Ready', schema: HEALTH_RESULT })
  @ApiProblems(503)
  async ready(): Promise<HealthCheckResult> {
    const checks = this.registry.all().map((readiness) => async () => {
      const indicator = this.indicators.check(readiness.name);
      try {
        await readiness.check();
        return indicator.up();
      } catch (error) {
        return indicator.down({ message: error instanceof Error ? error.message : String(error) });
      }
    });
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      const result = error.getResponse() as HealthCheckResult;
      throw new ServiceUnavailableError('Not ready: a dependency is down.', { checks: result.details });
    }
  }
}
