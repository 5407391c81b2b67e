import { BuildIsLive, BuildStatus, IllegalTransition, InvalidInput, type BuildEvent, type DistributionStarted, type ObjectionCode } from '@hangar/contracts';
import { deciderSpec } from '../testing/decider-spec';
import { fold } from '../decider/decider';
import { buildDecider } from './build.decider';
import type { BuildCommand } from './build-commands';

const spec = deciderSpec(buildDecider);
const decideAt = (events: BuildEvent[], command: BuildCommand) => buildDecider.decide(command, fold(buildDecider, events));
const LIMIT = 24_000_000_000;
const at = '2026-11-22T10:00:00.000Z';
const ids = { uploadId: '65f0c0ffee00000000000001', projectId: '65f0c0ffee00000000000002' };
const archive = { blobKey: 'downloads/x.zip', size: 1234, sha256: 'ab'.repeat(32) };
const report = {
  projectName: 'Game',
  executable: 'Game.exe',
  shippingExecutable: 'Game/Binaries/Win64/Game-Win64-Shipping.exe',
  ueVersion: '5.3.2',
  pixelStreaming: true,
  fileCount: 300,
  totalSize: 99999,
};
const stored = { manifestKey: 'builds/x/manifest.json', fileCount: 300, totalBytes: 99999 };

const queued = (autoRelease = true): BuildEvent => ({
  type: 'BuildQueued',
  data: { ...ids, userId: '65f0c0ffee00000000000003', fileUrl: 'https://files.example.com/b.zip', autoRelease, region: 'europe', maxBuildBytes: LIMIT, at },
});
const downloadStarted: BuildEvent = { type: 'DownloadStarted', data: { ...ids, at } };
const downloaded: BuildEvent = { type: 'DownloadCompleted', data: { ...ids, archive, at } };
const scanStarted: BuildEvent = { type: 'ScanStarted', data: { ...ids, at } };
const scanPassed: BuildEvent = { type: 'ScanPassed', data: { ...ids, report, at } };
const savingStarted: BuildEvent = { type: 'SavingStarted', data: { ...ids, at } };
const storedEvent = (release = true): BuildEvent => ({ type: 'BuildStored', data: { ...ids, stored, release, at } });
const policy = { quorum: 1, timeoutMs: 600_000 };
const deadline = '2026-11-22T10:10:00.000Z';
const distributionStarted = (round = 1, trigger: 'auto' | 'manual' = 'auto', quorum = 1): BuildEvent => ({
  type: 'DistributionStarted',
  data: { ...ids, region: 'europe', round, trigger, at, quorum, deadline },
});
const readyOn = (workerId: string, round = 1): BuildEvent => ({ type: 'BuildReadyOnWorker', data: { ...ids, workerId, round, at } });
const approved = (workers: string[], round = 1): BuildEvent => ({ type: 'BuildApproved', data: { ...ids, round, workers, at } });
const rejectedAt = (stage: BuildStatus, code: ObjectionCode, objection: string, reason: string): BuildEvent => ({
  type: 'BuildRejected',
  data: { ...ids, stage, code, objection: objection as never, reason, at },
});

const history = {
  pending: [queued()],
  downloading: [queued(), downloadStarted],
  downloaded: [queued(), downloadStarted, downloaded],
  scanning: [queued(), downloadStarted, downloaded, scanStarted],
  scanned: [queued(), downloadStarted, downloaded, scanStarted, scanPassed],
  saving: [queued(), downloadStarted, downloaded, scanStarted, scanPassed, savingStarted],
  stored: [queued(), downloadStarted, downloaded, scanStarted, scanPassed, savingStarted, storedEvent()],
  distributing: [queued(), downloadStarted, downloaded, scanStarted, scanPassed, savingStarted, storedEvent(), distributionStarted()],
};
const approvedHistory = [...history.distributing, readyOn('w1'), approved(['w1'])];
const distributingToTwo = [...history.stored, distributionStarted(1, 'auto', 2)];

const queueBuild = (extra: Partial<Extract<BuildCommand, { type: 'QueueBuild' }>> = {}): BuildCommand => ({
  type: 'QueueBuild',
  ...ids,
  userId: '65f0c0ffee00000000000003',
  fileUrl: 'https://files.example.com/b.zip',
  autoRelease: true,
  region: 'europe',
  maxBuildBytes: LIMIT,
  at,
  ...extra,
});

describe('build decider', () => {
  describe('what the uploader declared, and the limit', () => {
    const sha256 = 'c0'.repeat(32);
    it('carries the declared SHA-256 and size in BuildQueued, for the downloader to check', () =>
      spec
        .given([])
        .when(queueBuild({ declaredSha256: sha256, declaredSize: 1000 }))
        .then([{ ...queued(), data: { ...queued().data, declaredSha256: sha256, declaredSize: 1000 } } as BuildEvent]));
    it('refuses a declared size over the project\'s limit before anything is downloaded', () =>
      spec.given([]).when(queueBuild({ declaredSize: LIMIT + 1 })).thenThrows(InvalidInput, /over the project's limit of 24000000000 bytes/));
    it('keeps the limit the build was queued under; a build queued before per-project limits has none', () => {
      const build = fold(buildDecider, [queued()]);
      expect(build.exists && build.maxBuildBytes).toBe(LIMIT);
      const { maxBuildBytes: _limit, ...older } = queued().data as Record<string, unknown>;
      const old = fold(buildDecider, [{ type: 'BuildQueued', data: older } as BuildEvent]);
      expect(old.exists && old.maxBuildBytes).toBeNull();
    });
  });

  describe('a copy of a stored build', () => {
    const copiedFrom = { uploadId: '65f0c0ffee00000000000009', archive, report, manifestKey: 'manifests/65f0c0ffee00000000000009.json' };
    it('carries its source records in BuildQueued and keeps them for the stages to complete from', () => {
      spec.given([]).when(queueBuild({ copiedFrom })).then([{ ...queued(), data: { ...queued().data, copiedFrom } } as BuildEvent]);
      const build = fold(buildDecider, [{ ...queued(), data: { ...queued().data, copiedFrom } } as BuildEvent]);
      expect(build.exists && build.copiedFrom).toEqual(copiedFrom);
      expect(fold(buildDecider, [queued()])).toMatchObject({ copiedFrom: null });
    });
  });

  describe('the happy path, one transition at a time', () => {
    it('queues a new build as pending', () =>
      spec
        .given([])
        .when(queueBuild())
        .then([queued()]));
    it('starts downloading a pending build', () => spec.given(history.pending).when({ type: 'StartDownload', at }).then([downloadStarted]));
    it('completes the download', () => spec.given(history.downloading).when({ type: 'CompleteDownload', archive, at }).then([downloaded]));
    it('starts scanning a downloaded build', () => spec.given(history.downloaded).when({ type: 'StartScan', at }).then([scanStarted]));
    it('passes the scan', () => spec.given(history.scanning).when({ type: 'PassScan', report, at }).then([scanPassed]));
    it('starts saving a scanned build', () => spec.given(history.scanned).when({ type: 'StartSaving', at }).then([savingStarted]));
    it('stores it, released when autoRelease is on', () =>
      spec.given(history.saving).when({ type: 'CompleteStorage', stored, at }).then([storedEvent(true)]));
    it('starts distribution on its own after storage (autoRelease on)', () =>
      spec.given(history.stored).when({ type: 'StartDistribution', trigger: 'auto', policy, at }).then([distributionStarted(1, 'auto')]));
    it('records a worker ready without approving below the quorum', () =>
      spec.given(distributingToTwo).when({ type: 'RecordWorkerReady', workerId: 'w1', round: 1, quorum: 2, at }).then([readyOn('w1')]));
    it('approves once the quorum of workers is ready', () =>
      spec
        .given([...distributingToTwo, readyOn('w1')])
        .when({ type: 'RecordWorkerReady', workerId: 'w2', round: 1, quorum: 2, at })
        .then([readyOn('w2'), approved(['w1', 'w2'])]));
    it('approves at once with a quorum of one', () =>
      spec.given(history.distributing).when({ type: 'RecordWorkerReady', workerId: 'w1', round: 1, quorum: 1, at }).then([readyOn('w1'), approved(['w1'])]));

    it('walks the statuses in Streampixel order', () => {
      const statuses = Object.values(history).map((events) => {
        const b = fold(buildDecider, events);
        return b.exists ? b.status : null;
      });
      expect([...new Set(statuses)]).toEqual(['pending', 'Downloading Files', 'Extracting & Scanning', 'Saving to Repository', 'Distribute']);
      const done = fold(buildDecider, approvedHistory);
      expect(done.exists && done.status).toBe('Approved');
    });
  });

  describe("a distribution round's quorum and deadline, kept in the round", () => {
    const expire = (minutesAfterStart: number, healthyWorkers = 0, round = 1): BuildCommand => ({
      type: 'ExpireDistribution',
      round,
      healthyWorkers,
      deadline: '2026-11-22T10:05:00.000Z',
      at: new Date(Date.parse(at) + minutesAfterStart * 60_000).toISOString(),
    });
    const late = new Date(Date.parse(at) + 11 * 60_000).toISOString();
    const noWorkers = (reason: string): BuildEvent => ({ ...rejectedAt(BuildStatus.Distributing, 'NO_WORKERS', 'No streaming servers available in region', reason), data: { ...rejectedAt(BuildStatus.Distributing, 'NO_WORKERS', 'No streaming servers available in region', reason).data, at: late } } as BuildEvent);

    it('records the quorum and the deadline (start + timeout) in DistributionStarted', () =>
      spec
        .given(history.stored)
        .when({ type: 'StartDistribution', trigger: 'auto', policy: { quorum: 2, timeoutMs: 600_000 }, at })
        .then([distributionStarted(1, 'auto', 2)]));
    it("approves by the round's quorum, not the one configured now", () =>
      spec
        .given(history.distributing)
        .when({ type: 'RecordWorkerReady', workerId: 'w1', round: 1, quorum: 3, at })
        .then([readyOn('w1'), approved(['w1'])]));
    it('waits until the deadline: an earlier check rejects nothing', () => spec.given(history.distributing).when(expire(9)).then([]));
    it('rejects with NO_WORKERS once the deadline has passed and no worker is there', () =>
      spec.given(history.distributing).when(expire(11)).then([noWorkers(`no healthy worker agent in region europe by ${deadline}`)]));
    it('says how many workers reported ready when the quorum was not reached', () =>
      spec.given([...distributingToTwo, readyOn('w1')]).when(expire(11, 1)).then([noWorkers(`1 of 2 worker(s) reported the build ready by ${deadline}`)]));
    it('leaves an approved build, a later round and a repeated check alone', () => {
      spec.given(approvedHistory).when(expire(11)).then([]);
      spec.given([...approvedHistory, distributionStarted(2, 'manual')]).when(expire(11, 0, 1)).then([]);
      spec.given([...history.distributing, noWorkers('x')]).when(expire(12)).then([]);
    });
    it('a round started before rounds kept their rules: the configured quorum and the deadline the distributor gives', () => {
      const { quorum: _q, deadline: _d, ...older } = distributionStarted().data as DistributionStarted['data'];
      const oldRound = [...history.stored, { type: 'DistributionStarted', data: older } as BuildEvent];
      spec.given(oldRound).when({ type: 'RecordWorkerReady', workerId: 'w1', round: 1, quorum: 2, at }).then([readyOn('w1')]);
      spec.given(oldRound).when(expire(4)).then([]);
      const rejected = decideAt(oldRound, expire(6));
      expect(rejected).toMatchObject([{ type: 'BuildRejected', data: { code: 'NO_WORKERS', reason: 'no healthy worker agent in region europe by 2026-11-22T10:05:00.000Z' } }]);
    });
  });

  describe("a worker's failed sanity check", () => {
    const failed = (round = 1): BuildCommand => ({ type: 'RecordWorkerValidationFailed', workerId: 'w1', round, reason: 'exited with code 3', at });
    it('rejects the build with "Validation failed on worker", naming the worker', () =>
      spec
        .given(history.distributing)
        .when(failed())
        .then([rejectedAt(BuildStatus.Distributing, 'WORKER_VALIDATION_FAILED', 'Validation failed on worker', 'worker w1: exited with code 3')]));
    it('ignores a failure of an earlier round, and one after the approval', () => {
      spec.given([...approvedHistory, distributionStarted(2, 'manual')]).when(failed(1)).then([]);
      spec.given(approvedHistory).when(failed(1)).then([]);
    });
  });

  describe('the archive tier', () => {
    const cold = 'cold/manifests/x.json';
    const archived: BuildEvent = { type: 'BuildArchived', data: { ...ids, coldManifestKey: cold, at } };
    const retrievalStarted: BuildEvent = { type: 'BuildRetrievalStarted', data: { ...ids, at } };
    const retrieved: BuildEvent = { type: 'BuildRetrieved', data: { ...ids, at } };
    const archive = (live = false): BuildCommand => ({ type: 'ArchiveBuild', live, coldManifestKey: cold, at });
    const held = [queued(false), downloadStarted, downloaded, scanStarted, scanPassed, savingStarted, storedEvent(false)];

    it('archives an approved build that is not live, and a stored build held back; once', () => {
      spec.given(approvedHistory).when(archive()).then([archived]);
      spec.given(held).when(archive()).then([archived]);
      spec.given([...approvedHistory, archived]).when(archive()).then([]);
    });
    it('never archives the live build, nor one in the pipeline or being distributed', () => {
      spec.given(approvedHistory).when(archive(true)).then([]);
      spec.given(history.scanning).when(archive()).then([]);
      spec.given(history.distributing).when(archive()).then([]);
    });
    it('set live on an archived build retrieves it first (Downloading Files), then distributes it', () => {
      spec.given([...approvedHistory, archived]).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).then([retrievalStarted]);
      const retrieving = [...approvedHistory, archived, retrievalStarted];
      expect(fold(buildDecider, retrieving)).toMatchObject({ status: 'Downloading Files', archived: true, retrieving: true });
      spec.given(retrieving).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).then([]);
      spec.given(retrieving).when({ type: 'CompleteRetrieval', at }).then([retrieved]);
      spec.given([...retrieving, retrieved]).when({ type: 'CompleteRetrieval', at }).then([]);
      spec.given([...retrieving, retrieved]).when({ type: 'StartDistribution', trigger: 'auto', policy, at }).then([distributionStarted(2, 'auto')]);
      const back = fold(buildDecider, [...retrieving, retrieved, distributionStarted(2, 'auto')]);
      expect(back).toMatchObject({ status: 'Distribute', archived: false, retrieving: false });
    });
    it('releases a held, archived build through a retrieval too', () =>
      spec.given([...held, archived]).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).then([retrievalStarted]));
  });

  describe('a redistribution that fails returns a previously approved build to Approved, not Reject', () => {
    const late = new Date(Date.parse(deadline) + 60_000).toISOString();
    const secondRound = [...approvedHistory, distributionStarted(2, 'manual')];
    const redistributionFailed = (code: ObjectionCode, objection: string, reason: string, when = at, round = 2): BuildEvent => ({
      type: 'RedistributionFailed',
      data: { ...ids, round, code, objection: objection as never, reason, at: when },
    });
    const noQuorum = redistributionFailed('NO_WORKERS', 'No streaming servers available in region', `no healthy worker agent in region europe by ${deadline}`, late);

    it('a set-live or rollback round with no quorum by its deadline fails the round (RedistributionFailed)', () =>
      spec.given(secondRound).when({ type: 'ExpireDistribution', round: 2, healthyWorkers: 0, deadline, at: late }).then([noQuorum]));
    it("a worker's failed sanity check in that round fails it the same way", () =>
      spec
        .given(secondRound)
        .when({ type: 'RecordWorkerValidationFailed', workerId: 'w1', round: 2, reason: 'exited with code 3', at })
        .then([redistributionFailed('WORKER_VALIDATION_FAILED', 'Validation failed on worker', 'worker w1: exited with code 3')]));
    it('the build is Approved again, at rest, without an objection, and can be set live again', () => {
      const after = [...secondRound, noQuorum];
      expect(fold(buildDecider, after)).toMatchObject({ status: BuildStatus.Approved, stageDone: true, rejection: null, round: 2, approvedBefore: true });
      spec.given(after).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).then([distributionStarted(3, 'manual')]);
      spec.given(after).when({ type: 'ExpireDistribution', round: 2, healthyWorkers: 0, deadline, at: late }).then([]);
    });
    it('the retrieval of an archived approved build whose round fails comes back to Approved too', () => {
      const cold: BuildEvent[] = [
        { type: 'BuildArchived', data: { ...ids, coldManifestKey: 'cold/x.json', at } },
        { type: 'BuildRetrievalStarted', data: { ...ids, at } },
        { type: 'BuildRetrieved', data: { ...ids, at } },
      ];
      const retrievedRound = [...approvedHistory, ...cold, distributionStarted(2, 'auto')];
      spec.given(retrievedRound).when({ type: 'ExpireDistribution', round: 2, healthyWorkers: 0, deadline, at: late }).then([noQuorum]);
      expect(fold(buildDecider, [...retrievedRound, noQuorum])).toMatchObject({ status: BuildStatus.Approved, archived: false, retrieving: false });
    });
    it('a first distribution that fails still rejects the build', () => {
      spec.given(history.distributing).when({ type: 'ExpireDistribution', round: 1, healthyWorkers: 0, deadline, at: late }).then([
        { ...rejectedAt(BuildStatus.Distributing, 'NO_WORKERS', 'No streaming servers available in region', `no healthy worker agent in region europe by ${deadline}`), data: { ...rejectedAt(BuildStatus.Distributing, 'NO_WORKERS', 'No streaming servers available in region', `no healthy worker agent in region europe by ${deadline}`).data, at: late } } as BuildEvent,
      ]);
      const released = [queued(false), downloadStarted, downloaded, scanStarted, scanPassed, savingStarted, storedEvent(false), distributionStarted(1, 'manual')];
      expect(decideAt(released, { type: 'RecordWorkerValidationFailed', workerId: 'w1', round: 1, reason: 'x', at })).toMatchObject([{ type: 'BuildRejected' }]);
    });
  });

  describe('autoRelease off', () => {
    const storedHeld = [queued(false), downloadStarted, downloaded, scanStarted, scanPassed, savingStarted];
    it('stores the build as not released', () =>
      spec.given(storedHeld).when({ type: 'CompleteStorage', stored, at }).then([storedEvent(false)]));
    it('stops after Saving to Repository: no automatic distribution', () =>
      spec.given([...storedHeld, storedEvent(false)]).when({ type: 'StartDistribution', trigger: 'auto', policy, at }).then([]));
    it('distributes when released by hand (distribute-file)', () =>
      spec.given([...storedHeld, storedEvent(false)]).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).then([distributionStarted(1, 'manual')]));
  });

  describe('redistribution (rollback) and its rules', () => {
    it('distributes an approved build again in a new round', () =>
      spec.given(approvedHistory).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).then([distributionStarted(2, 'manual')]));
    it('does not start a second round while one is under way', () =>
      spec.given(history.distributing).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).then([]));
    it('ignores a ready report of an earlier round', () =>
      spec
        .given([...approvedHistory, distributionStarted(2, 'manual')])
        .when({ type: 'RecordWorkerReady', workerId: 'w1', round: 1, quorum: 1, at })
        .then([]));
    it('counts a worker once', () =>
      spec.given([...distributingToTwo, readyOn('w1')]).when({ type: 'RecordWorkerReady', workerId: 'w1', round: 1, quorum: 2, at }).then([]));
    it('refuses to distribute a build that is still being processed', () =>
      spec.given(history.scanning).when({ type: 'StartDistribution', trigger: 'manual', policy, at }).thenThrows(IllegalTransition, /Extracting & Scanning/));
    it('refuses to distribute a rejected build', () =>
      spec
        .given([...history.scanning, rejectedAt(BuildStatus.Scanning, 'MISSING_EXECUTABLE', 'Missing executable', 'no .exe')])
        .when({ type: 'StartDistribution', trigger: 'manual', policy, at })
        .thenThrows(IllegalTransition));
  });

  describe('rejections, with Streampixel objections and a code', () => {
    const cases: [string, BuildEvent[], BuildStatus, ObjectionCode, string][] = [
      ['a download failure', history.downloading, BuildStatus.Downloading, 'DOWNLOAD_FAILED', 'Failed to download file'],
      ['a corrupt archive', history.scanning, BuildStatus.Scanning, 'ARCHIVE_UNREADABLE', 'Archive could not be extracted'],
      ['a missing executable', history.scanning, BuildStatus.Scanning, 'MISSING_EXECUTABLE', 'Missing executable'],
      ['unsupported files', history.scanning, BuildStatus.Scanning, 'UNSUPPORTED_FILES', 'Build contains unsupported file formats'],
      ['a storage error', history.saving, BuildStatus.Saving, 'STORAGE_FAILED', 'Failed to save build to repository'],
      ['no worker in the region', history.distributing, BuildStatus.Distributing, 'NO_WORKERS', 'No streaming servers available in region'],
      ['a worker validation failure', history.distributing, BuildStatus.Distributing, 'WORKER_VALIDATION_FAILED', 'Validation failed on worker'],
      ['a failure while queued', history.pending, BuildStatus.Pending, 'DOWNLOAD_FAILED', 'Failed to download file'],
    ];
    it.each(cases)('rejects on %s', (_name, given, stage, code, objection) =>
      spec.given(given).when({ type: 'RejectBuild', code, reason: 'because', at }).then([rejectedAt(stage, code, objection, 'because')]));

    it('keeps the objection on the rejected build', () => {
      const b = fold(buildDecider, [...history.downloading, rejectedAt(BuildStatus.Downloading, 'DOWNLOAD_FAILED', 'Failed to download file', 'HTTP 404')]);
      expect(b.exists && b.status).toBe('Reject');
      expect(b.exists && b.rejection).toEqual({ code: 'DOWNLOAD_FAILED', objection: 'Failed to download file', reason: 'HTTP 404' });
    });
    it('never rejects an approved build', () =>
      spec.given(approvedHistory).when({ type: 'RejectBuild', code: 'NO_WORKERS', reason: 'x', at }).then([]));
    it('rejects only once', () =>
      spec
        .given([...history.downloading, rejectedAt(BuildStatus.Downloading, 'DOWNLOAD_FAILED', 'Failed to download file', 'x')])
        .when({ type: 'RejectBuild', code: 'DOWNLOAD_FAILED', reason: 'again', at })
        .then([]));
    it('fires nothing after a rejection (a rejected build is never distributed)', () => {
      const rejected = [...history.scanning, rejectedAt(BuildStatus.Scanning, 'UNSUPPORTED_FILES', 'Build contains unsupported file formats', 'x')];
      const later: BuildCommand[] = [
        { type: 'PassScan', report, at },
        { type: 'StartSaving', at },
        { type: 'StartDistribution', trigger: 'auto', policy, at },
      ];
      for (const command of later) spec.given(rejected).when(command).then([]);
    });
  });

  describe('idempotence: a redelivered command appends nothing twice', () => {
    const repeats: [string, BuildEvent[], BuildCommand][] = [
      ['QueueBuild', history.pending, queueBuild({ userId: 'u', fileUrl: 'https://x/y.zip' })],
      ['StartDownload', history.downloading, { type: 'StartDownload', at }],
      ['CompleteDownload', history.downloaded, { type: 'CompleteDownload', archive, at }],
      ['StartScan', history.scanning, { type: 'StartScan', at }],
      ['PassScan', history.scanned, { type: 'PassScan', report, at }],
      ['StartSaving', history.saving, { type: 'StartSaving', at }],
      ['CompleteStorage', history.stored, { type: 'CompleteStorage', stored, at }],
      ['StartDistribution (auto)', history.distributing, { type: 'StartDistribution', trigger: 'auto', policy, at }],
      ['StartDownload after scanning began', history.scanning, { type: 'StartDownload', at }],
    ];
    it.each(repeats)('%s again is a no-op', (_name, given, command) => spec.given(given).when(command).then([]));
  });

  describe('tags', () => {
    const tagged = (tag: string | null): BuildEvent => ({ type: 'BuildTagged', data: { ...ids, tag, at } });
    it('tags a build in any status, and clears the tag with null', () => {
      spec.given(history.scanning).when({ type: 'TagBuild', tag: 'v1.2.0', at }).then([tagged('v1.2.0')]);
      spec.given([...approvedHistory, tagged('v1.2.0')]).when({ type: 'TagBuild', tag: null, at }).then([tagged(null)]);
      const b = fold(buildDecider, [...approvedHistory, tagged('v1.2.0')]);
      expect(b.exists && b.tag).toBe('v1.2.0');
    });
    it('records nothing when the tag is unchanged', () => {
      spec.given([...history.stored, tagged('rc')]).when({ type: 'TagBuild', tag: 'rc', at }).then([]);
      spec.given(history.stored).when({ type: 'TagBuild', tag: null, at }).then([]);
    });
    it.each(['', '   ', 'x'.repeat(65)])('refuses the tag %p', (tag) =>
      spec.given(history.stored).when({ type: 'TagBuild', tag, at }).thenThrows(InvalidInput, /1 to 64 characters/));
  });

  describe('deletion', () => {
    const deleted = (stage: BuildStatus): BuildEvent => ({ type: 'BuildDeleted', data: { ...ids, stage, at } });
    it('deletes a build that is not live, whatever its status', () => {
      spec.given(history.downloading).when({ type: 'DeleteBuild', live: false, at }).then([deleted(BuildStatus.Downloading)]);
      spec.given(approvedHistory).when({ type: 'DeleteBuild', live: false, at }).then([deleted(BuildStatus.Approved)]);
    });
    it('refuses to delete the live build', () =>
      spec.given(approvedHistory).when({ type: 'DeleteBuild', live: true, at }).thenThrows(BuildIsLive, /is live: set another build live first/));
    it('stops the pipeline: every later command on a deleted build decides nothing', () => {
      const gone = [...history.downloading, deleted(BuildStatus.Downloading)];
      const later: BuildCommand[] = [
        { type: 'CompleteDownload', archive, at },
        { type: 'StartScan', at },
        { type: 'RejectBuild', code: 'DOWNLOAD_FAILED', reason: 'x', at },
        { type: 'StartDistribution', trigger: 'manual', policy, at },
        { type: 'TagBuild', tag: 'late', at },
        { type: 'DeleteBuild', live: false, at },
      ];
      for (const command of later) spec.given(gone).when(command).then([]);
      spec.given([...history.distributing, deleted(BuildStatus.Distributing)]).when({ type: 'RecordWorkerReady', workerId: 'w1', round: 1, quorum: 1, at }).then([]);
      const b = fold(buildDecider, gone);
      expect(b.exists && b.deleted).toBe(true);
    });
  });

  describe('commands out of order are bugs, not facts', () => {
    it('cannot scan before the download completed', () => spec.given(history.downloading).when({ type: 'StartScan', at }).thenThrows(IllegalTransition));
    it('cannot store before saving started', () => spec.given(history.scanned).when({ type: 'CompleteStorage', stored, at }).thenThrows(IllegalTransition));
    it('cannot act on a build that does not exist', () => spec.given([]).when({ type: 'StartDownload', at }).thenThrows(IllegalTransition));
  });
});
