import { execSync } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFileServer, writeUeBuildZip, type FileServer } from '@hangar/testing';
import { followBuildOutcomes, stageDurations } from './build-outcomes';
import { nodeArgsFrom, startHangar } from './hangar-process';
import { cpuSeconds, peakRssMiB, shell } from './timing';

/**
 * Compares built checkouts of Hangar on one generated build, run in turn (A, B, A, B, ...): single runs vary by a
 * second on a two-core VM, so only interleaved runs compare. Each line says where the run went: its time, when the
 * file server sent the last byte, peak RSS, the process's CPU, the disk's traffic, the build's timeline, and with
 * `SCHED=1` each busy thread's time running and waiting for a core (`/proc/<pid>/task/<tid>/schedstat`).
 *
 *   node dist/bench/src/interleaved-runs.js <pairs> <GiB> <checkout>[@VAR=value,...] ...
 *
 * After `@`: environment for that checkout's Hangar, plus `NODEARGS=...` (extra Node options, e.g.
 * `NODEARGS=--trace-gc`), `PRECURL=1` (before the run, `curl -o && unzip -tq` of the same zip, `rm`, `sync`: the state
 * `npm run bench` leaves Hangar's run in, which the default 2 s pause after a `sync` does not). `DEFLATE=1` in the
 * harness's own environment deflates the pak. A checkout is any directory with `dist/` built and `node_modules`.
 */

interface Checkout {
  dir: string;
  env: Record<string, string>;
  label: string;
}

const WORK = join(process.env.BENCH_WORK_DIR || tmpdir(), 'hangar-interleaved');

function parseCheckout(spec: string): Checkout {
  const [dir, settings] = spec.split('@');
  const env: Record<string, string> = {};
  for (const setting of settings ? settings.split(',') : []) {
    const at = setting.indexOf('=');
    env[setting.slice(0, at)] = setting.slice(at + 1);
  }
  return { dir, env, label: spec };
}

/** Whole disks (not their partitions) as `/proc/diskstats` names them. */
const WHOLE_DISK = /^(vd[a-z]+|sd[a-z]+|xvd[a-z]+|nvme\d+n\d+)$/;

/** Bytes the machine's disks have read and written so far (sectors of 512 bytes). */
function diskBytes(): { read: number; written: number } {
  const disks = readFileSync('/proc/diskstats', 'utf8')
    .split('\n')
    .map((line) => line.trim().split(/\s+/))
    .filter((fields) => WHOLE_DISK.test(fields[2] ?? ''));
  return {
    read: disks.reduce((sum, fields) => sum + Number(fields[5]) * 512, 0),
    written: disks.reduce((sum, fields) => sum + Number(fields[9]) * 512, 0),
  };
}

/** Each thread's time running and waiting for a core so far, in seconds. */
function threadTimes(pid: number): Map<string, { run: number; wait: number }> {
  const times = new Map<string, { run: number; wait: number }>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const [run, wait] = readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ').map(Number);
      times.set(tid, { run: run / 1e9, wait: wait / 1e9 });
    } catch {
      // The thread ended meanwhile.
    }
  }
  return times;
}

function busyThreads(before: Map<string, { run: number; wait: number }>, after: Map<string, { run: number; wait: number }>): string {
  return [...after]
    .map(([tid, t]) => ({ tid, run: t.run - (before.get(tid)?.run ?? 0), wait: t.wait - (before.get(tid)?.wait ?? 0) }))
    .filter((t) => t.run >= 0.05)
    .sort((a, b) => b.run - a.run)
    .map((t) => `${t.tid}:${t.run.toFixed(2)}/${t.wait.toFixed(2)}`)
    .join(' ');
}

async function runOnce(checkout: Checkout, files: FileServer, url: string): Promise<string> {
  const { NODEARGS, PRECURL, ...env } = checkout.env;
  const dataDir = join(WORK, 'data');
  rmSync(dataDir, { recursive: true, force: true });
  const hangar = await startHangar(checkout.dir, dataDir, env, nodeArgsFrom(NODEARGS));
  try {
    const user = await hangar.api.createUser(hangar.adminToken);
    const project = await hangar.api.createProject(user.apiKey, { name: 'Bench', region: 'europe' });
    const outcomes = await followBuildOutcomes(new URL(`/v1/events?projectId=${project.id}`, hangar.api.baseUrl), user.apiKey);
    if (PRECURL) {
      await shell(`curl -s -o pre.zip ${url} && unzip -tq pre.zip > /dev/null && rm pre.zip && sync`, WORK);
    } else {
      execSync('sync');
      await new Promise((resolve) => setTimeout(resolve, 2000));
    }
    const pid = hangar.child.pid as number;
    const [disk0, cpu0, threads0] = [diskBytes(), await cpuSeconds(pid), threadTimes(pid)];
    const start = process.hrtime.bigint();
    const elapsed = () => Number(process.hrtime.bigint() - start) / 1e9;
    const requestsBefore = files.requests.length;
    // When the file server has sent the whole zip: the transfer's end, as the server sees it.
    const served: { lastByte: number | null } = { lastByte: null };
    const watch = setInterval(() => {
      if (served.lastByte === null && files.requests.slice(requestsBefore).some((r) => r.completed)) served.lastByte = elapsed();
    }, 5);
    const { body } = await hangar.api.uploadFile(user, project.id, url);
    const type = await outcomes.of(body.uploadId).finally(() => outcomes.close());
    const seconds = elapsed();
    clearInterval(watch);
    const [disk1, cpu1, threads1] = [diskBytes(), await cpuSeconds(pid), threadTimes(pid)];
    const build = await hangar.api.call('GET', `/v1/builds/${body.uploadId}`, { bearer: user.apiKey });
    const stages = Object.entries(stageDurations(build.body.timeline)).map(([stage, s]) => `${stage.split('→')[1].replace(/^(Build|Download)/, '')}:${s.toFixed(2)}`);
    const gib = (bytes: number) => (bytes / 2 ** 30).toFixed(2);
    const line =
      `${checkout.label} ${type} ${seconds.toFixed(2)} s, last byte ${served.lastByte?.toFixed(2) ?? '?'} s, peak RSS ${await peakRssMiB(pid)} MiB, ` +
      `CPU ${(cpu1.user - cpu0.user).toFixed(1)}+${(cpu1.system - cpu0.system).toFixed(1)} s, disk w ${gib(disk1.written - disk0.written)} r ${gib(disk1.read - disk0.read)} GiB | ${stages.join(' ')}`;
    return process.env.SCHED ? `${line}\n  threads run/wait s: ${busyThreads(threads0, threads1)}` : line;
  } finally {
    await hangar.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const [pairs, gib, ...specs] = process.argv.slice(2);
  if (!pairs || !gib || specs.length === 0) {
    console.error('usage: node dist/bench/src/interleaved-runs.js <pairs> <GiB> <checkout>[@VAR=value,...] ...');
    process.exit(2);
  }
  mkdirSync(WORK, { recursive: true });
  const zip = await writeUeBuildZip(join(WORK, 'build.zip'), {
    name: 'Bench',
    pakSize: Math.round(Number(gib) * 2 ** 30),
    pakCompression: process.env.DEFLATE ? 'deflate' : 'store',
    fileCount: 400,
    seed: 'interleaved',
  });
  const files = await startFileServer();
  files.serveFile('/build.zip', zip.path);
  try {
    for (let pair = 0; pair < Number(pairs); pair++) {
      for (const spec of specs) console.log(await runOnce(parseCheckout(spec), files, files.url('/build.zip')));
    }
  } finally {
    await files.close();
    rmSync(WORK, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
