import { SLA_TARGETS } from '@ticketing/contracts';
import type { DurationStats, SlaReport } from './sla-report.service';

/** RFC 4180 quoting; a cell a spreadsheet would run as a formula is prefixed with a quote. */
function cell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text) && typeof value === 'string') text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

const STAT_FIELDS = ['count', 'mean', 'median', 'p90', 'p99'] as const;
const statCells = (stats: DurationStats) => STAT_FIELDS.map((field) => stats[field]);

/** The report as CSV: one row per group, one column per figure (breach rates per view and target). */
export function reportCsv(report: SlaReport): string {
  const views = (['then', 'now'] as const).filter((view) => report.policy === view || report.policy === 'both');
  const header = [
    report.groupBy ?? 'group',
    'tickets',
    ...STAT_FIELDS.map((field) => `first_response_seconds_${field}`),
    ...STAT_FIELDS.map((field) => `resolution_seconds_${field}`),
    ...views.flatMap((view) => SLA_TARGETS.map((target) => `breach_rate_${target}_${view}`)),
    'resolution_rate',
    'backlog',
    'reopen_rate',
    'first_contact_resolution_rate',
  ];
  const rows = report.groups.map((group) => [
    group.key ?? (report.groupBy === null ? 'all' : ''),
    group.tickets,
    ...statCells(group.firstResponseSeconds),
    ...statCells(group.resolutionSeconds),
    ...views.flatMap((view) => SLA_TARGETS.map((target) => group.breachRates[view]?.[target].rate ?? null)),
    group.resolutionRate,
    group.backlog,
    group.reopenRate,
    group.firstContactResolutionRate,
  ]);
  return [header, ...rows].map((row) => row.map(cell).join(',')).join('\r\n') + '\r\n';
}
