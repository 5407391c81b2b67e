import { InvalidInput, IllegalTransition, type ProjectEvent } from '@hangar/contracts';
import { deciderSpec } from '../testing/decider-spec';
import { fold } from '../decider/decider';
import { projectDecider } from './project.decider';
import type { ProjectCommand } from './project-commands';
import { buildLabel } from '../build/build-label';

const spec = deciderSpec(projectDecider);
const at = '2026-11-22T10:00:00.000Z';
const projectId = '65f0c0ffee00000000000002';
const created: ProjectEvent = {
  type: 'ProjectCreated',
  data: { projectId, ownerId: 'u1', name: 'Demo', region: 'europe', webhookUrl: null, webhookEvents: ['build.approved'], autoRelease: true, at },
};
const live = (uploadId: string, previousUploadId: string | null): ProjectEvent => ({
  type: 'LiveBuildChanged',
  data: { projectId, uploadId, previousUploadId, at },
});

describe('project decider', () => {
  it('creates a project', () =>
    spec
      .given([])
      .when({ type: 'CreateProject', projectId, ownerId: 'u1', name: 'Demo', region: 'europe', webhookUrl: null, webhookEvents: ['build.approved'], autoRelease: true, at })
      .then([created]));
  it('refuses a webhook URL with no event selected', () =>
    spec
      .given([])
      .when({ type: 'CreateProject', projectId, ownerId: 'u1', name: 'Demo', region: 'europe', webhookUrl: 'https://h.example.com', webhookEvents: [], autoRelease: true, at })
      .thenThrows(InvalidInput));

  describe('the size limit (maxBuildBytes)', () => {
    const create = (maxBuildBytes?: number): ProjectCommand => ({
      type: 'CreateProject',
      projectId,
      ownerId: 'u1',
      name: 'Demo',
      region: 'europe',
      webhookUrl: null,
      webhookEvents: ['build.approved'],
      autoRelease: true,
      at,
      ...(maxBuildBytes === undefined ? {} : { maxBuildBytes }),
    });
    const change = (maxBuildBytes: number | null): ProjectCommand => ({ type: 'ChangeProjectSettings', maxBuildBytes, at });
    const limitChanged = (maxBuildBytes: number | null): ProjectEvent => ({ type: 'ProjectSettingsChanged', data: { projectId, maxBuildBytes, at } });

    it('is absent by default: the deployment\'s limit applies', () => {
      spec.given([]).when(create()).then([created]);
      const p = fold(projectDecider, [created]);
      expect(p.exists && p.maxBuildBytes).toBeNull();
    });
    it('can be set when the project is created', () =>
      spec.given([]).when(create(50_000_000_000)).then([{ ...created, data: { ...created.data, maxBuildBytes: 50_000_000_000 } } as ProjectEvent]));
    it.each([0, -1, 1.5])('refuses %p bytes', (bytes) => spec.given([]).when(create(bytes)).thenThrows(InvalidInput, /maxBuildBytes/));
    it('can be raised, lowered and reset to the default', () => {
      spec.given([created]).when(change(30_000_000_000)).then([limitChanged(30_000_000_000)]);
      spec.given([created, limitChanged(30_000_000_000)]).when(change(null)).then([limitChanged(null)]);
      spec.given([created, limitChanged(30_000_000_000)]).when(change(30_000_000_000)).then([]);
      const p = fold(projectDecider, [created, limitChanged(30_000_000_000)]);
      expect(p.exists && p.maxBuildBytes).toBe(30_000_000_000);
    });
    it('refuses a changed limit that is not a whole positive number', () =>
      spec.given([created]).when(change(0)).thenThrows(InvalidInput));
  });

  it('sets the first live build', () => spec.given([created]).when({ type: 'SetLiveBuild', uploadId: 'b1', at }).then([live('b1', null)]));
  it('set-live archives the previous live build', () =>
    spec.given([created, live('b1', null)]).when({ type: 'SetLiveBuild', uploadId: 'b2', at }).then([live('b2', 'b1')]));
  it('rolls back to an earlier build', () =>
    spec.given([created, live('b1', null), live('b2', 'b1')]).when({ type: 'SetLiveBuild', uploadId: 'b1', at }).then([live('b1', 'b2')]));
  it('setting the live build live again is a no-op', () =>
    spec.given([created, live('b1', null)]).when({ type: 'SetLiveBuild', uploadId: 'b1', at }).then([]));
  it('leaves one live build: the previous one shows as Archived', () => {
    const p = fold(projectDecider, [created, live('b1', null), live('b2', 'b1')]);
    expect(p.exists && p.liveUploadId).toBe('b2');
    expect(buildLabel('Approved', p.exists && p.liveUploadId === 'b1', false)).toBe('Archived');
    expect(buildLabel('Approved', p.exists && p.liveUploadId === 'b2', false)).toBe('Current Live Build');
  });

  describe("the workers' sanity check", () => {
    const check = { command: ['{exe}', '-RenderOffScreen', '-unattended'], timeoutSeconds: 60 };
    const changed = (sanityCheck: typeof check | null): ProjectEvent => ({ type: 'ProjectSettingsChanged', data: { projectId, sanityCheck, at } });
    it('is set with the project, or later, and reset to the deployment\'s with null', () => {
      spec
        .given([])
        .when({ type: 'CreateProject', projectId, ownerId: 'u1', name: 'Demo', region: 'europe', webhookUrl: null, webhookEvents: ['build.approved'], autoRelease: true, sanityCheck: check, at })
        .then([{ ...created, data: { ...created.data, sanityCheck: check } } as ProjectEvent]);
      spec.given([created]).when({ type: 'ChangeProjectSettings', sanityCheck: check, at }).then([changed(check)]);
      spec.given([created, changed(check)]).when({ type: 'ChangeProjectSettings', sanityCheck: { ...check }, at }).then([]);
      spec.given([created, changed(check)]).when({ type: 'ChangeProjectSettings', sanityCheck: null, at }).then([changed(null)]);
      expect(fold(projectDecider, [created, changed(check)])).toMatchObject({ sanityCheck: check });
      expect(fold(projectDecider, [created])).toMatchObject({ sanityCheck: null });
    });
    it.each([
      [{ command: [], timeoutSeconds: 5 }, /1 to 64 arguments/],
      [{ command: ['run', ''], timeoutSeconds: 5 }, /arguments must be 1 to 4096 characters/],
      [{ command: ['run'], timeoutSeconds: 0 }, /timeoutSeconds must be 1 to 3600/],
      [{ command: ['run'], timeoutSeconds: 1.5 }, /timeoutSeconds must be 1 to 3600/],
    ])('refuses %p', (sanityCheck, message) =>
      spec.given([created]).when({ type: 'ChangeProjectSettings', sanityCheck, at }).thenThrows(InvalidInput, message));
  });

  it('toggles autorelease', () =>
    spec
      .given([created])
      .when({ type: 'ChangeProjectSettings', autoRelease: false, at })
      .then([{ type: 'ProjectSettingsChanged', data: { projectId, autoRelease: false, at } }]));
  it('changes webhook settings', () =>
    spec
      .given([created])
      .when({ type: 'ChangeProjectSettings', webhookUrl: 'https://h.example.com/hook', webhookEvents: ['build.uploaded', 'build.approved'], at })
      .then([{ type: 'ProjectSettingsChanged', data: { projectId, webhookUrl: 'https://h.example.com/hook', webhookEvents: ['build.uploaded', 'build.approved'], at } }]));
  it('records nothing when nothing changes', () =>
    spec.given([created]).when({ type: 'ChangeProjectSettings', autoRelease: true, webhookEvents: ['build.approved'], at }).then([]));
  describe('the webhook signing secret', () => {
    const issued = (sealedSecret: string): ProjectEvent => ({ type: 'WebhookSecretIssued', data: { projectId, sealedSecret, at } });
    const hooked: ProjectEvent = { ...created, data: { ...created.data, webhookUrl: 'https://h.example.com/hook' } } as ProjectEvent;
    const create = (webhookUrl: string | null): ProjectCommand => ({
      type: 'CreateProject', projectId, ownerId: 'u1', name: 'Demo', region: 'europe', webhookUrl, webhookEvents: ['build.approved'], autoRelease: true, sealedWebhookSecret: 's1', at,
    });
    it('is issued with the project when it has a webhook URL', () => spec.given([]).when(create('https://h.example.com/hook')).then([hooked, issued('s1')]));
    it('is not issued without a URL', () => spec.given([]).when(create(null)).then([created]));
    it('is issued when a URL is first set', () =>
      spec
        .given([created])
        .when({ type: 'ChangeProjectSettings', webhookUrl: 'https://h.example.com/hook', sealedWebhookSecret: 's1', at })
        .then([{ type: 'ProjectSettingsChanged', data: { projectId, webhookUrl: 'https://h.example.com/hook', at } }, issued('s1')]));
    it('is kept when the URL changes', () =>
      spec
        .given([hooked, issued('s1')])
        .when({ type: 'ChangeProjectSettings', webhookUrl: 'https://h.example.com/other', sealedWebhookSecret: 's2', at })
        .then([{ type: 'ProjectSettingsChanged', data: { projectId, webhookUrl: 'https://h.example.com/other', at } }]));
    it('rotates, keeping the previous one for the overlap', () => {
      spec.given([hooked, issued('s1')]).when({ type: 'RotateWebhookSecret', sealedWebhookSecret: 's2', at }).then([issued('s2')]);
      const p = fold(projectDecider, [hooked, issued('s1'), issued('s2'), issued('s3')]);
      expect(p.exists && p.webhookSecrets.map((s) => s.sealedSecret)).toEqual(['s3', 's2']);
    });
  });

  it('cannot change a project that does not exist', () =>
    spec.given([]).when({ type: 'ChangeProjectSettings', autoRelease: false, at }).thenThrows(IllegalTransition));
});

describe('build label', () => {
  it.each([
    ['pending', false, false, 'Queued'],
    ['Downloading Files', false, false, 'Downloading'],
    ['Extracting & Scanning', false, false, 'Extracting and Scanning'],
    ['Saving to Repository', false, false, 'Saving to Repository'],
    ['Saving to Repository', false, true, 'Archived'],
    ['Distribute', false, false, 'Distributing to the Servers'],
    ['Approved', true, false, 'Current Live Build'],
    ['Approved', false, false, 'Archived'],
    ['Reject', false, false, 'Validation Failed'],
  ] as const)('%s (live %s, awaiting release %s) is %s', (status, isLive, held, label) => expect(buildLabel(status, isLive, held)).toBe(label));
});
