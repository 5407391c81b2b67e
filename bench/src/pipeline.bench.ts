import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startFileServer, writeUeBuildZip } from '@hangar/testing';
import { followBuildOutcomes, stageDurations } from './build-outcomes';
import { startHangar } from './hangar-process';
import { cpuSeconds, peakRssMiB, shell, timed } from './timing';

export interface PipelineResult {
  sizeGiB: number;
  /** How the pak is compressed in the zip: `store` as UE paks usually are, `deflate` as a zip tool that deflates all. */
  pakCompression: 'store' | 'deflate';
  zipBytes: number;
  fileCount: number;
  seconds: { curlToFile: number; curlSha256sum: number; curlUnzipTest: number; hangarUploadToApproved: number };
  hangarPeakRssMiB: number;
  /** CPU time the Hangar process used from upload to Approved (all its threads): what the 2 cores had to give. */
  hangarCpuSeconds: { user: number; system: number };
  /** Seconds between the build's own timeline events: where the pipeline spends its time. */
  stages: Record<string, number>;
  ratios: { hangarVsStandardTools: number; hangarVsCurlToFile: number };
}

/**
 * One generated UE build (an incompressible pak plus hundreds of small files) served from a local HTTP server:
 * the standard tools against Hangar's whole pipeline (download, scan, store, distribute to the local worker) in
 * embedded mode, as `npm start` runs it.
 */
export async function benchPipeline(root: string, work: string, sizeGiB: number, pakCompression: 'store' | 'deflate' = 'store'): Promise<PipelineResult> {
  const zipPath = join(work, `build-${sizeGiB}g-${pakCompression}.zip`);
  const zip = await writeUeBuildZip(zipPath, { name: 'Bench', pakSize: Math.round(sizeGiB * 2 ** 30), pakCompression, fileCount: 400, seed: `bench-${sizeGiB}` });
  const files = await startFileServer();
  files.serveFile('/build.zip', zip.path);
  const url = files.url('/build.zip');
  try {
    await settleDisk(work);
    const curlToFile = (await timed(() => shell(`curl -s -o b.zip ${url}`, work))).seconds;
    await settleDisk(work);
    const curlSha256sum = (await timed(() => shell(`curl -s ${url} | sha256sum > /dev/null`, work))).seconds;
    await settleDisk(work);
    const curlUnzipTest = (await timed(() => shell(`curl -s -o b.zip ${url} && unzip -tq b.zip > /dev/null`, work))).seconds;
    rmSync(join(work, 'b.zip'), { force: true });

    const { seconds, value: hangar } = await runHangar(root, work, url);
    return {
      sizeGiB,
      pakCompression,
      zipBytes: zip.size,
      fileCount: zip.fileCount,
      seconds: { curlToFile, curlSha256sum, curlUnzipTest, hangarUploadToApproved: seconds },
      hangarPeakRssMiB: hangar.peakRssMiB,
      hangarCpuSeconds: hangar.cpuSeconds,
      stages: hangar.stages,
      ratios: { hangarVsStandardTools: seconds / curlUnzipTest, hangarVsCurlToFile: seconds / curlToFile },
    };
  } finally {
    await files.close();
    rmSync(zipPath, { force: true });
  }
}

async function runHangar(
  root: string,
  work: string,
  fileUrl: string,
): Promise<{ seconds: number; value: { peakRssMiB: number; cpuSeconds: { user: number; system: number }; stages: Record<string, number> } }> {
  const dataDir = join(work, 'hangar-data');
  rmSync(dataDir, { recursive: true, force: true });
  const hangar = await startHangar(root, dataDir);
  try {
    const { api } = hangar;
    const user = await api.createUser(hangar.adminToken);
    const project = await api.createProject(user.apiKey, { name: 'Bench', region: 'europe' });
    const pid = hangar.child.pid as number;
    const outcomes = await followBuildOutcomes(new URL(`/v1/events?projectId=${project.id}`, api.baseUrl), user.apiKey);
    await settleDisk(work);
    const cpuBefore = await cpuSeconds(pid);
    const result = await timed(async () => {
      const { body } = await api.uploadFile(user, project.id, fileUrl);
      await outcomes.of(body.uploadId);
      return body.uploadId as string;
    }).finally(() => outcomes.close());
    const cpuAfter = await cpuSeconds(pid);
    const file = await api.waitForFile(user, project.id, result.value, (f) => f.status === 'Approved' || f.status === 'Reject');
    if (file.status !== 'Approved') throw new Error(`bench build rejected: ${file.objection} (${file.reason})`);
    const cpu = { user: round2(cpuAfter.user - cpuBefore.user), system: round2(cpuAfter.system - cpuBefore.system) };
    const build = await api.call('GET', `/v1/builds/${result.value}`, { bearer: user.apiKey });
    return { seconds: result.seconds, value: { peakRssMiB: await peakRssMiB(pid), cpuSeconds: cpu, stages: stageDurations(build.body.timeline) } };
  } finally {
    await hangar.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/**
 * Writes every dirty page of the page cache back before a timed step starts, so that no step pays for an earlier
 * one's writes: the generated zip (1 or 4 GiB written through the page cache just before) was otherwise written back
 * while Hangar ran, and Hangar, which writes with direct I/O, waited for the disk behind it (a harness that read
 * `/proc/diskstats` saw 4 GiB written during a 1 GiB run instead of Hangar's own 3, and the run took 6.8 s instead of
 * 5.2-5.8 s, 2026-12-05). `b.zip`, left dirty by the standard tools, is deleted before Hangar's step; the standard
 * tools' own writes stay in the page cache within their time, as they would on any machine.
 */
async function settleDisk(cwd: string): Promise<void> {
  await shell('sync', cwd);
}

const round2 = (n: number) => Math.round(n * 100) / 100;
