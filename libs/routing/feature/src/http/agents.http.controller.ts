import { Body, Controller, Delete, Get, Param, Put, Query, type PipeTransform } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AGENT_AVAILABILITIES } from '@ticketing/contracts';
import { ValidationError } from '@ticketing/kernel';
import { ApiProblems, CurrentActor, Idempotent, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { PeopleApiService } from '../people-api.service';
import { AGENT_ID, AGENT_ID_SCHEMA, CURSOR, AgentAvailabilityRequest, AgentPageResponse, AgentResponse, PutAgentRequest } from './agents.dto';

/** The `agentId` path parameter: the agent's token subject. */
export class AgentIdPipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !AGENT_ID.test(value)) {
      throw new ValidationError('agentId is 1–128 letters, digits or ._:@|+- (the agent’s token subject)', [{ field: 'agentId', message: `must match ${AGENT_ID.source}` }]);
    }
    return value;
  }
}

const ApiAgentIdParam = () => ApiParam({ name: 'agentId', description: 'The agent: the `sub` of its token', schema: AGENT_ID_SCHEMA });

/** Agents over REST: profiles (skills, languages, clearances, capacity, shifts), availability, retirement. */
@ApiTags('routing')
@ApiBearerAuth()
@Controller('routing/agents')
export class AgentsHttpController {
  constructor(private readonly people: PeopleApiService) {}

  @Put(':agentId')
  @Idempotent()
  @Roles('supervisor', 'admin')
  @ApiAgentIdParam()
  @ApiProblems(409)
  @Operation('putAgent', {
    summary: 'Create or replace an agent’s profile',
    description:
      'Supervisors, admins. The agent id is the `sub` of its token. At least one language and one skill (a category); capacity per channel 1–100 (a channel left out: TICKETING_AGENT_DEFAULT_CAPACITY). A new agent starts offline. The same profile again appends nothing; a retired agent is a 409.',
  })
  @ApiOkResponse({ type: AgentResponse })
  put(@Param('agentId', new AgentIdPipe()) agentId: string, @Body() request: PutAgentRequest, @CurrentActor() actor: AuthenticatedActor): Promise<AgentResponse> {
    return this.people.putAgent(agentId, request, actor);
  }

  @Get()
  @Roles('agent', 'supervisor', 'admin', 'ops')
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 100, default: 20 } })
  @ApiQuery({ name: 'cursor', required: false, schema: { type: 'string', pattern: CURSOR.source, maxLength: 256 }, description: 'The `nextCursor` of the previous page' })
  @ApiQuery({ name: 'availability', required: false, schema: { type: 'string', enum: [...AGENT_AVAILABILITIES] } })
  @Operation('listAgents', { summary: 'Agents, their availability and load', description: 'Agents, supervisors, admins, ops. Active agents first, then retired ones, each by id.' })
  @ApiOkResponse({ type: AgentPageResponse })
  list(@Query('limit') limit?: string, @Query('cursor') cursor?: string, @Query('availability') availability?: string): Promise<AgentPageResponse> {
    return this.people.listAgents({ limit, cursor, availability });
  }

  @Get(':agentId')
  @Roles('agent', 'supervisor', 'admin', 'ops')
  @ApiAgentIdParam()
  @Operation('getAgent', { summary: 'One agent', description: 'Agents, supervisors, admins, ops. Its profile, availability, shift, limits and the tickets it holds, never behind a write just made.' })
  @ApiOkResponse({ type: AgentResponse })
  get(@Param('agentId', new AgentIdPipe()) agentId: string): Promise<AgentResponse> {
    return this.people.getAgent(agentId);
  }

  @Delete(':agentId')
  @Idempotent()
  @Roles('supervisor', 'admin')
  @ApiAgentIdParam()
  @Operation('retireAgent', {
    summary: 'Retire an agent',
    description: 'Supervisors, admins. It takes no more tickets and each ticket it holds goes back to its queue (AgentRetired, TicketReleasedFromAgent). Retiring it again changes nothing.',
  })
  @ApiOkResponse({ type: AgentResponse })
  retire(@Param('agentId', new AgentIdPipe()) agentId: string, @CurrentActor() actor: AuthenticatedActor): Promise<AgentResponse> {
    return this.people.retireAgent(agentId, actor);
  }

  @Put(':agentId/availability')
  @Idempotent()
  @Roles('agent', 'supervisor', 'admin')
  @ApiAgentIdParam()
  @ApiProblems(409)
  @Operation('setAgentAvailability', {
    summary: 'Go online, away or offline',
    description:
      'The agent itself (its token’s `sub` is the agent id), supervisors and admins for anyone; another agent’s is a 403. Online takes tickets; away or offline with tickets gives them back after the grace period (TICKETING_AGENT_UNAVAILABLE_TICKETS). A retired agent is a 409.',
  })
  @ApiOkResponse({ type: AgentResponse })
  availability(@Param('agentId', new AgentIdPipe()) agentId: string, @Body() request: AgentAvailabilityRequest, @CurrentActor() actor: AuthenticatedActor): Promise<AgentResponse> {
    return this.people.setAvailability(agentId, request.status, actor);
  }
}
