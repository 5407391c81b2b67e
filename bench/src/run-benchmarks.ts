import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describeMachine } from './machine';
import { benchPipeline, type PipelineResult } from './pipeline.bench';
import { benchReplay, replayTable, type ReplayResult } from './replay.bench';
import { benchRepository, repositoryTable, type RepositoryResult } from './repository.bench';
import { benchWebhooks, webhooksTable, type WebhooksResult } from './webhooks.bench';

/** Issue 4's goal, printed beside the numbers (never asserted: timings belong here, not in tests). */
/** Issue 4's goals: the time ratio, and peak RSS in the issue's own unit (256 MB = 256,000,000 bytes, 244.1 MiB). */
const PIPELINE_GOALS = { ratio: 0.6, rssMB: 256 } as const;
const megabytes = (mib: number) => Math.round((mib * 1024 * 1024) / 1e6);
const buildLabel = (r: PipelineResult) => `${r.sizeGiB} GiB, ${r.fileCount} files${r.pakCompression === 'deflate' ? ', pak deflated' : ''}`;

/**
 * `npm run bench`: measures, writes `bench/results/<date>.json` and `latest.md`, prints the table.
 * BENCH_SIZES_GIB (default `1,4`: the goal holds at both) picks the pipeline's build sizes, e.g. `BENCH_SIZES_GIB=1`;
 * BENCH_ROUNDS (default `3`) how many rounds of the standard tools and Hangar each pipeline build gets (the median
 * round is reported, and every round beside it);
 * BENCH_DEFLATED_GIB (default `1`, `0` skips) the size of one more build, its pak deflated (a zip tool that deflates
 * everything): the inflating path's time and memory;
 * BENCH_REPO_SIZE_MIB (default `256`, `0` skips) the size of build A in the repository-and-distribution bench;
 * BENCH_REPLAY_EVENTS (default `1000000`, `0` skips) the events the read models are rebuilt from.
 */
async function main(): Promise<void> {
  const root = resolve(__dirname, '..', '..', '..');
  const sizes = (process.env.BENCH_SIZES_GIB || '1,4').split(',').map(Number).filter((n) => n > 0);
  const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? '3'));
  const work = mkdtempSync(join(process.env.BENCH_WORK_DIR || tmpdir(), 'hangar-bench-'));
  const repoSizeMiB = Number(process.env.BENCH_REPO_SIZE_MIB ?? '256');
  const results: PipelineResult[] = [];
  let repository: RepositoryResult | null = null;
  const replayEvents = Number(process.env.BENCH_REPLAY_EVENTS ?? '1000000');
  let replay: ReplayResult | null = null;
  let webhooks: WebhooksResult | null = null;
  try {
    for (const size of sizes) {
      process.stdout.write(`pipeline, ${size} GiB build…\n`);
      results.push(await benchPipeline(root, work, size, 'store', rounds));
    }
    const deflatedGiB = Number(process.env.BENCH_DEFLATED_GIB ?? '1');
    if (deflatedGiB > 0) {
      process.stdout.write(`pipeline, ${deflatedGiB} GiB build, its pak deflated…\n`);
      results.push(await benchPipeline(root, work, deflatedGiB, 'deflate', rounds));
    }
    if (repoSizeMiB > 0) {
      process.stdout.write(`repository and distribution, ${repoSizeMiB} MiB build…\n`);
      repository = await benchRepository(root, work, repoSizeMiB);
    }
    if (replayEvents > 0) {
      process.stdout.write(`replay and rebuild of the read models from ${replayEvents} events…\n`);
      replay = await benchReplay(work, replayEvents);
    }
    // BENCH_WEBHOOKS=0 skips the webhook deliveries and SSE fan-out.
    if (process.env.BENCH_WEBHOOKS !== '0') {
      process.stdout.write('webhook deliveries and SSE fan-out…\n');
      webhooks = await benchWebhooks(root, work);
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  const report = { date: new Date().toISOString(), machine: describeMachine(), pipeline: results, repository, replay, webhooks };
  const dir = join(root, 'bench', 'results');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${report.date.slice(0, 10)}-pipeline.json`), JSON.stringify(report, null, 2) + '\n');
  const table = [
    `# Benchmarks, ${report.date}`,
    '',
    `Machine: ${report.machine.cpu}, ${report.machine.cores} cores, ${report.machine.memoryGiB} GiB, Node ${report.machine.node}, disk ${report.machine.disk}.`,
    '',
    `Goal (issue 4): Hangar ≤ ${PIPELINE_GOALS.ratio}× the standard tools' time, peak RSS < ${PIPELINE_GOALS.rssMB} MB, at every size.`,
    '',
    `Each build had ${rounds} round(s) of the standard tools then Hangar, one after the other; the times, ratio and CPU are the median round's (by its ratio), the peak RSS the highest of all rounds; every round's ratio is in the last column.`,
    '',
    '| build | curl -o | curl \\| sha256sum | curl -o && unzip -tq | Hangar upload → Approved | ratio vs unzip -tq | peak RSS | Hangar CPU (user + sys) | goal | every round |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${buildLabel(r)} | ${r.seconds.curlToFile.toFixed(2)} s | ${r.seconds.curlSha256sum.toFixed(2)} s | ${r.seconds.curlUnzipTest.toFixed(2)} s | ${r.seconds.hangarUploadToApproved.toFixed(2)} s | ${r.ratios.hangarVsStandardTools.toFixed(2)}× | ${r.hangarPeakRssMiB} MiB (${megabytes(r.hangarPeakRssMiB)} MB) | ${r.hangarCpuSeconds.user.toFixed(1)} + ${r.hangarCpuSeconds.system.toFixed(1)} s | time ${r.ratios.hangarVsStandardTools <= PIPELINE_GOALS.ratio ? 'met' : 'not met'}, memory ${megabytes(r.hangarPeakRssMiB) < PIPELINE_GOALS.rssMB ? 'met' : 'not met'} | ${r.rounds.map((round) => `${round.seconds.hangarUploadToApproved.toFixed(2)}/${round.seconds.curlUnzipTest.toFixed(2)} s = ${round.ratios.hangarVsStandardTools.toFixed(2)}×, ${round.hangarPeakRssMiB} MiB`).join('; ')} |`,
    ),
    '',
    ...results.flatMap((r) => [`Where the ${buildLabel(r)} build's time went in its median round (from its timeline):`, '', ...Object.entries(r.stages).map(([k, v]) => `- ${k}: ${v.toFixed(2)} s`), '']),
    ...(repository ? repositoryTable(repository) : []),
    ...(replay ? replayTable(replay) : []),
    ...(webhooks ? webhooksTable(webhooks) : []),
  ].join('\n');
  writeFileSync(join(dir, 'latest.md'), table);
  // Also on its own, so a replay-only run (BENCH_SIZES_GIB=0 BENCH_REPO_SIZE_MIB=0) can keep the other results.
  if (replay) {
    writeFileSync(join(dir, `${report.date.slice(0, 10)}-replay.json`), JSON.stringify({ date: report.date, machine: report.machine, replay }, null, 2) + '\n');
    writeFileSync(join(dir, 'replay.md'), [`# Replay benchmark, ${report.date}`, '', ...replayTable(replay)].join('\n'));
  }
  process.stdout.write(table);
}

main().catch((error) => {
  process.stderr.write(`${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
