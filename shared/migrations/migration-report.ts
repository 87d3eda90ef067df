/** A migration run's report as Markdown (the JSON is the report object itself). */
import { formatContractDiff } from './contracts/data-contract.ts';
import type { MigrationRunReport } from './migration-runner.ts';

export function migrationReportMarkdown(report: MigrationRunReport): string {
  const lines = [
    `# Migration run ${report.run_id}`,
    '',
    `- mode: ${report.mode}, target: ${report.target}, up to version ${report.up_to}`,
    `- git sha: ${report.git_sha}`,
    `- ${report.started_at} → ${report.finished_at}`,
    `- result: ${report.ok ? 'ok' : 'FAILED'}`,
    '',
  ];
  if (report.databases.length === 0) lines.push('No tenant databases found.', '');
  for (const db of report.databases) {
    lines.push(`## ${db.database}`, '');
    lines.push(
      `- marker: ${db.marker}; tenant: ${db.scope ? `${db.scope.provider}/${db.scope.tenant}` : 'no documents'}`,
    );
    lines.push(`- applied before: ${db.applied_before.join(', ') || 'none'}`);
    if (db.error) lines.push(`- **error**: ${db.error}`);
    lines.push(
      '',
      '| version | step | status | changed | seconds | notes |',
      '| --- | --- | --- | --- | --- | --- |',
    );
    for (const s of db.steps) {
      lines.push(
        `| ${s.version} | ${s.name} | ${s.status} | ${s.changed} | ${s.seconds.toFixed(3)} | ${s.notes.join('; ')} |`,
      );
    }
    if (db.steps.length === 0) lines.push('| | nothing to apply | | | | |');
    lines.push('', '### Pre-flight contract check', '', formatContractDiff(db.preflight), '');
    lines.push('### Post-flight contract check', '', formatContractDiff(db.postflight), '');
    if (db.extra?.integrity_markdown) lines.push(String(db.extra.integrity_markdown), '');
  }
  return `${lines.join('\n')}\n`;
}
