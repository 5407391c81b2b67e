import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedBus } from '@hangar/bus';
import { Subjects, type BuildProgress } from '@hangar/contracts';
import { DownloadProgressReporter } from './download-progress';

describe('download progress on the bus', () => {
  let dir: string;
  let bus: EmbeddedBus;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'hangar-progress-'));
    bus = new EmbeddedBus({ file: join(dir, 'bus.sqlite') });
  });
  afterEach(async () => {
    await bus.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('broadcasts on progress.build.<uploadId> at most once per interval, with percent and rate', async () => {
    const heard: { subject: string; progress: BuildProgress }[] = [];
    await bus.listen<BuildProgress>(Subjects.allBuildProgress, (progress, subject) => heard.push({ subject, progress }));
    let now = Date.parse('2026-11-22T10:00:00.000Z');
    const reporter = new DownloadProgressReporter(bus, 'b1', () => new Date(now), 0);

    reporter.report(1_000, 10_000); // too soon after the start: dropped
    now += 500;
    reporter.report(2_000, 10_000);
    now += 100;
    reporter.report(3_000, 10_000); // too soon after the last: dropped
    now += 500;
    reporter.report(5_000, null);
    await new Promise((r) => setTimeout(r, 100));

    expect(heard).toEqual([
      {
        subject: expect.stringMatching(/(^|\.)progress\.build\.b1$/),
        progress: { uploadId: 'b1', stage: 'download', bytes: 2_000, totalBytes: 10_000, percent: 20, bytesPerSecond: 4_000, at: '2026-11-22T10:00:00.500Z' },
      },
      {
        subject: expect.stringMatching(/(^|\.)progress\.build\.b1$/),
        progress: { uploadId: 'b1', stage: 'download', bytes: 5_000, totalBytes: null, percent: null, bytesPerSecond: 5_000, at: '2026-11-22T10:00:01.100Z' },
      },
    ]);
  });
});
