import type { ArchiveEntry } from '../opening/archive-entry';
import { MissingExecutable, UnsupportedFiles } from '../rejection/archive-rejection.error';
import type { PackagePolicy } from './package-policy';

/** Where things are in a packaged UE Windows build. Paths are archive paths (with `packageRoot` in front). */
export interface PackageLayout {
  /** `''`, or the wrapper folder(s) the user zipped the build in, e.g. `Windows/`. */
  packageRoot: string;
  projectName: string;
  executable: string;
  shippingExecutable: string | null;
  /** `Engine/Build/Build.version`, when present. */
  buildVersionPath: string | null;
  pixelStreaming: boolean;
}

const MAX_WRAPPER_FOLDERS = 2;
const MAX_LISTED_FILES = 10;

/** Lower case, without the dot; `''` when the name has none. */
export const extensionOf = (path: string) => {
  const name = path.slice(path.lastIndexOf('/') + 1);
  const dot = name.lastIndexOf('.');
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : '';
};
const baseName = (path: string) => path.slice(path.lastIndexOf('/') + 1);
const sameName = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();

/**
 * Users often zip the `Windows/` (UE5) or `WindowsNoEditor/` (UE4) output folder itself rather than its contents:
 * when every entry sits under one folder and that folder is not the project's own, it is a wrapper.
 */
function findPackageRoot(files: readonly string[]): string {
  let root = '';
  for (let depth = 0; depth < MAX_WRAPPER_FOLDERS; depth++) {
    const relative = files.map((f) => f.slice(root.length));
    if (relative.some((f) => !f.includes('/'))) break;
    const tops = new Set(relative.map((f) => f.slice(0, f.indexOf('/'))));
    if (tops.size !== 1) break;
    const [top] = tops;
    if (sameName(top, 'Engine') || relative.some((f) => f.toLowerCase().startsWith(`${top.toLowerCase()}/binaries/win64/`))) break;
    root += `${top}/`;
  }
  return root;
}

function isPixelStreaming(relativePath: string): boolean {
  const segments = relativePath.split('/');
  const plugins = segments.findIndex((s) => sameName(s, 'Plugins'));
  if (plugins >= 0 && segments.slice(plugins + 1).some((s) => /^PixelStreaming/i.test(s))) return true;
  return /^PixelStreaming.*\.(uplugin|dll)$/i.test(baseName(relativePath));
}

function whyUnsupported(relative: string, projectFolder: string, policy: PackagePolicy): string | null {
  const extension = extensionOf(relative);
  if (!relative.includes('/')) {
    if (!policy.rootFileExtensions.includes(extension)) {
      return 'not expected at the package root (only the launcher .exe and the staging manifests are)';
    }
  } else {
    const top = relative.slice(0, relative.indexOf('/'));
    if (!sameName(top, projectFolder) && !policy.topLevelFolders.some((f) => sameName(f, top))) {
      return `unexpected top-level folder ${top}/`;
    }
  }
  if (extension === '') return policy.allowFilesWithoutExtension ? null : 'file without an extension';
  const blocked = policy.blockedExtensions[extension];
  if (blocked) return `.${extension} files (${blocked}) are not allowed`;
  if (!policy.allowedExtensions.includes(extension)) return `.${extension} files are not part of a packaged Unreal Engine build`;
  return null;
}

/**
 * Finds the executable and the project, then holds every file to the policy. Throws `MissingExecutable` when there
 * is neither a launcher `.exe` at the package root nor an `.exe` under `<Project>/Binaries/Win64/`, and
 * `UnsupportedFiles` (listing them) for files outside the layout. The executable check comes first: a zip of the
 * project's sources has no executable, and "package the project first" is the useful answer for it.
 */
export function analysePackageLayout(entries: readonly ArchiveEntry[], policy: PackagePolicy): PackageLayout {
  const files = entries.filter((e) => !e.isDirectory).map((e) => e.path);
  const packageRoot = findPackageRoot(files);
  const relative = files.map((f) => f.slice(packageRoot.length));

  const launchers = relative.filter((f) => !f.includes('/') && extensionOf(f) === 'exe');
  const projectExecutables = new Map<string, string[]>();
  for (const f of relative) {
    const match = /^([^/]+)\/Binaries\/Win64\/([^/]+\.exe)$/i.exec(f);
    if (!match || sameName(match[1], 'Engine')) continue;
    projectExecutables.set(match[1], [...(projectExecutables.get(match[1]) ?? []), f]);
  }
  if (launchers.length === 0 && projectExecutables.size === 0) {
    throw new MissingExecutable(
      'no executable found: expected <Project>.exe at the root of the package, or ' +
        '<Project>/Binaries/Win64/<Project>-Win64-Shipping.exe; package the project from the Unreal Editor ' +
        '(Platforms > Windows > Package Project) and zip the contents of the output folder',
    );
  }

  const launcherNames = launchers.map((l) => l.slice(0, -'.exe'.length));
  const projects = [...projectExecutables.keys()].sort();
  const projectFolder =
    projects.find((p) => launcherNames.some((l) => sameName(l, p))) ?? projects[0] ?? launcherNames.sort()[0];
  const inProject = projectExecutables.get(projectFolder) ?? [];
  const shipping =
    inProject.find((f) => sameName(baseName(f), `${projectFolder}-Win64-Shipping.exe`)) ??
    inProject.find((f) => /-Shipping\.exe$/i.test(f)) ??
    null;
  const launcher = launchers.find((l) => sameName(l, `${projectFolder}.exe`)) ?? launchers.sort()[0];
  const executable = launcher ?? shipping ?? inProject.sort()[0];

  const unsupported: { path: string; why: string }[] = [];
  for (const f of relative) {
    const why = whyUnsupported(f, projectFolder, policy);
    if (why) unsupported.push({ path: packageRoot + f, why });
  }
  if (unsupported.length > 0) {
    const listed = unsupported
      .slice(0, MAX_LISTED_FILES)
      .map((u) => `${u.path} (${u.why})`)
      .join(', ');
    const more = unsupported.length > MAX_LISTED_FILES ? ` and ${unsupported.length - MAX_LISTED_FILES} more` : '';
    throw new UnsupportedFiles(
      `${unsupported.length} file${unsupported.length === 1 ? '' : 's'} outside the expected Unreal Engine package ` +
        `layout: ${listed}${more}; remove them and re-zip`,
      unsupported.map((u) => u.path),
    );
  }

  const buildVersion = relative.find((f) => sameName(f, 'Engine/Build/Build.version'));
  return {
    packageRoot,
    projectName: projectFolder,
    executable: packageRoot + executable,
    shippingExecutable: shipping ? packageRoot + shipping : null,
    buildVersionPath: buildVersion ? packageRoot + buildVersion : null,
    pixelStreaming: relative.some(isPixelStreaming),
  };
}
