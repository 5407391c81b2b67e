import { BuildStatus, type BuildView, type DistributeBuild, type ProjectView } from '@hangar/contracts';
import type { ReadModelStore } from '../read-model/read-model-store';

/**
 * What a worker agent joining a region must serve: each project's live build, and the builds being distributed there
 * now (in their current round, so that its ready report counts). Nothing of the region's history beyond that.
 */
export function buildsServedIn(readModels: ReadModelStore, region: string): DistributeBuild[] {
  const served: DistributeBuild[] = [];
  for (const project of readModels.projectsIn(region)) {
    const live = project.liveUploadId ? readModels.build(project.liveUploadId) : null;
    const distributing = readModels.buildsOf(project.id, 0, 1000, BuildStatus.Distributing).items;
    for (const build of [...(live ? [live] : []), ...distributing]) {
      if (build.storage) served.push(distribution(project, build, build.storage.manifestKey));
    }
  }
  return served;
}

function distribution(project: ProjectView, build: BuildView, manifestKey: string): DistributeBuild {
  return {
    uploadId: build.uploadId,
    projectId: project.id,
    region: project.region,
    round: build.timeline.filter((entry) => entry.type === 'DistributionStarted').length,
    manifestKey,
    ...(build.scan ? { executable: build.scan.executable } : {}),
    sanityCheck: project.sanityCheck ?? null,
  };
}
