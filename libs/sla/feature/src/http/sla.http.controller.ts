import { Body, Controller, Get, Headers, HttpCode, Param, ParseUUIDPipe, Post, Put, Query, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiExtraModels, ApiOkResponse, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SLA_TARGETS } from '@ticketing/contracts';
import { ApiProblems, ApiUuidParam, CurrentActor, Idempotent, Operation, Roles, type AuthenticatedActor } from '@ticketing/platform';
import { SlaPolicyStore } from '../policy/sla-policy.store';
import { POLICY_VIEWS, REPORT_GROUPS, SlaReportService, type SlaReport } from '../report/sla-report.service';
import { reportCsv } from '../report/sla-report.csv';
import { SlaQueriesService } from '../sla-queries.service';
import { SurgeWatchTask } from '../surge/surge-watch.task';
import {
  AtRiskResponse,
  SlaCalendarSchema,
  SlaPolicyRequest,
  SlaPolicyResponse,
  SlaReportResponse,
  SlaWhatIfRequest,
  SlaWhatIfResponse,
  SurgeStatusResponse,
  TicketSlaResponse,
} from './sla.dto';

const STAFF = ['agent', 'supervisor', 'admin'] as const;
const ISO_QUERY = { schema: { type: 'string', format: 'date-time', maxLength: 35 } } as const;

type CsvReply = { header(name: string, value: string): CsvReply };

/** SLA over REST: a ticket's clocks, the policy, clocks at risk, reports, what-if and the surge state. */
@ApiTags('sla')
@ApiBearerAuth()
@ApiExtraModels(SlaCalendarSchema)
@Controller()
export class SlaHttpController {
  constructor(
    private readonly queries: SlaQueriesService,
    private readonly policies: SlaPolicyStore,
    private readonly reports: SlaReportService,
    private readonly surge: SurgeWatchTask,
  ) {}

  @Get('tickets/:id/sla')
  @Roles(...STAFF, 'auditor', 'ops', 'service')
  @ApiUuidParam('id', 'The ticket')
  @ApiProblems(404)
  @Operation('getTicketSla', {
    summary: 'A ticket’s SLA clocks',
    description: 'Staff, auditors, ops, services. Each target’s clock as it stands now: state, due time, working time elapsed and remaining, time paused, warnings, breach, met.',
  })
  @ApiOkResponse({ type: TicketSlaResponse })
  ticketSla(@Param('id', new ParseUUIDPipe()) ticketId: string): Promise<TicketSlaResponse> {
    return this.queries.ticket(ticketId) as Promise<TicketSlaResponse>;
  }

  @Get('sla/policy')
  @Roles(...STAFF, 'auditor', 'ops')
  @Operation('getSlaPolicy', { summary: 'The SLA policy in force', description: 'Staff, auditors, ops. Version 0 is the built-in default.' })
  @ApiOkResponse({ type: SlaPolicyResponse })
  async policy(): Promise<SlaPolicyResponse> {
    return toPolicyResponse(await this.policies.current());
  }

  @Put('sla/policy')
  @Idempotent()
  @Roles('admin')
  @ApiProblems(400)
  @Operation('putSlaPolicy', {
    summary: 'Replace the SLA policy (a new version)',
    description:
      'Admins. Ordered rules: for each target the first matching rule that sets it wins. Each call is a new version, effective from `effectiveFrom` (default now); tickets keep the version they were classified under until reclassified. A bad rule is a 400 naming it.',
  })
  @ApiOkResponse({ type: SlaPolicyResponse })
  async putPolicy(@Body() request: SlaPolicyRequest, @CurrentActor() actor: AuthenticatedActor): Promise<SlaPolicyResponse> {
    const version = await this.policies.change({ rules: request.rules, calendars: request.calendars ?? {} }, request.effectiveFrom ?? null, actor);
    return toPolicyResponse(version);
  }

  @Get('sla/at-risk')
  @Roles(...STAFF, 'ops')
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 500, default: 50 } })
  @ApiQuery({ name: 'target', required: false, schema: { type: 'string', enum: [...SLA_TARGETS] } })
  @ApiProblems(400)
  @Operation('listSlaAtRisk', { summary: 'Running clocks, soonest due first', description: 'Staff and ops. Clocks not yet breached, ordered by their due time.' })
  @ApiOkResponse({ type: AtRiskResponse })
  async atRisk(@Query('limit') limit?: string, @Query('target') target?: string): Promise<AtRiskResponse> {
    return { clocks: [...(await this.queries.atRisk({ limit, target }))] } as AtRiskResponse;
  }

  @Get('sla/report')
  @Roles('supervisor', 'admin', 'auditor', 'ops')
  @ApiQuery({ name: 'from', required: false, ...ISO_QUERY, description: 'Tickets opened at or after (default: 7 days before `to`)' })
  @ApiQuery({ name: 'to', required: false, ...ISO_QUERY, description: 'Tickets opened before (default: now)' })
  @ApiQuery({ name: 'groupBy', required: false, schema: { type: 'string', enum: [...REPORT_GROUPS] } })
  @ApiQuery({ name: 'policy', required: false, schema: { type: 'string', enum: [...POLICY_VIEWS], default: 'then' }, description: 'Breach rates as recorded (then), under today’s policy (now), or both' })
  @ApiProblems(400)
  @ApiProduces('application/json', 'text/csv')
  @Operation('getSlaReport', {
    summary: 'SLA report',
    description:
      'Supervisors, admins, auditors, ops. First-response and resolution times (mean, median, p90, p99), breach rate per target, resolution, backlog, reopen and first-contact-resolution rates, per group. `Accept: text/csv` for CSV.',
  })
  @ApiOkResponse({ type: SlaReportResponse })
  async report(
    @Query('from') from: string | undefined,
    @Query('to') to: string | undefined,
    @Query('groupBy') groupBy: string | undefined,
    @Query('policy') policy: string | undefined,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: CsvReply,
  ): Promise<SlaReport | string> {
    const report = await this.reports.report({ from, to, groupBy, policy });
    if (accept !== undefined && /\btext\/csv\b/i.test(accept) && !/\bapplication\/json\b/i.test(accept)) {
      reply.header('content-type', 'text/csv; charset=utf-8');
      return reportCsv(report);
    }
    return report;
  }

  @Post('sla/what-if')
  @HttpCode(200)
  @Roles('supervisor', 'admin')
  @ApiProblems(400)
  @Operation('evaluateSlaWhatIf', {
    summary: 'Re-evaluate history under a candidate policy',
    description: 'Supervisors, admins. Replays the tickets opened in the window under the candidate and answers its breach rates beside what was recorded, and the tickets whose verdict changes. Writes nothing.',
  })
  @ApiOkResponse({ type: SlaWhatIfResponse })
  whatIf(@Body() request: SlaWhatIfRequest): Promise<SlaWhatIfResponse> {
    return this.reports.whatIf({ rules: request.policy.rules, calendars: request.policy.calendars ?? {} }, request.from, request.to) as Promise<SlaWhatIfResponse>;
  }

  @Get('sla/surge')
  @Roles(...STAFF, 'ops')
  @Operation('getSlaSurge', { summary: 'Whether inflow is surging (peak mode)', description: 'Staff and ops. Inflow over the detection window against its baseline.' })
  @ApiOkResponse({ type: SurgeStatusResponse })
  surgeStatus(): Promise<SurgeStatusResponse> {
    return this.surge.currentStatus() as Promise<SurgeStatusResponse>;
  }
}

function toPolicyResponse(policy: { version: number; effectiveFrom: string; document: { rules: readonly unknown[]; calendars?: object } }): SlaPolicyResponse {
  return { version: policy.version, effectiveFrom: policy.effectiveFrom, rules: policy.document.rules, calendars: policy.document.calendars ?? {} } as SlaPolicyResponse;
}
