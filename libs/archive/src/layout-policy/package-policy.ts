/**
 * What a packaged Unreal Engine Windows build may contain, and the limits that keep a hostile zip from exhausting
 * the scanner. The default is deliberately an allow-list: a build that holds anything else is refused with
 * `UNSUPPORTED_FILES` and the offending paths, so the user knows what to remove.
 */
export interface PackagePolicy {
  /** File extensions (lower case, no dot) allowed anywhere in the package. */
  allowedExtensions: readonly string[];
  /** Extensions refused with a named category in the reason; anything not allowed is refused anyway. */
  blockedExtensions: Readonly<Record<string, string>>;
  /** Whether files without an extension are allowed (UE never stages any on Windows). */
  allowFilesWithoutExtension: boolean;
  /** Extensions allowed for files directly at the package root (the launcher and the staging manifests). */
  rootFileExtensions: readonly string[];
  /** Top-level folders allowed besides the project's own folder. */
  topLevelFolders: readonly string[];
  /** Refuse files whose content starts with a ZIP, 7-Zip, RAR, CAB or tar signature, whatever their extension. */
  refuseNestedArchiveContent: boolean;
  /** Extensions whose content is not sniffed: containers some engines and plugins read themselves. */
  nestedArchiveContentExemptExtensions: readonly string[];
  /** At most this many entries (files and folders); a central directory is read whole. */
  maxEntries: number;
  /** Sum of the declared uncompressed sizes. */
  maxTotalUncompressedBytes: number;
  /** Uncompressed / compressed, for entries of at least `compressionRatioMinBytes`. */
  maxCompressionRatio: number;
  compressionRatioMinBytes: number;
}

/**
 * Allowed, and why (everything else is refused):
 * - exe dll: the launcher, the shipping executable, engine and third-party libraries (`Engine/Binaries/ThirdParty`).
 * - pdb: debug symbols, staged when "Include Debug Files" is on (listed in `Manifest_DebugFiles_Win64.txt`).
 * - pak ucas utoc sig: packaged content (pak files, IoStore containers, pak signatures).
 * - uasset uexp ubulk uptnl umap ufont ushaderbytecode upipelinecache: cooked content staged loose (no pak).
 * - txt json ini xml version uplugin uproject manifest: staging manifests, `Build.version`, configs, descriptors.
 * - bin dat res brk cnv cfu icu nrm spp dict: engine data files (ICU internationalisation data, caches).
 * - ttf otf: fonts (Slate). png bmp ico jpg jpeg: splash screens, icons. pem: the engine's CA bundle.
 * - mp4 bk2 wmv webm: startup movies, staged loose because the movie player cannot read from a pak.
 * Nothing here is run by Windows by itself except exe and dll, which a UE build cannot do without.
 */
const ALLOWED_EXTENSIONS = [
  'exe', 'dll', 'pdb',
  'pak', 'ucas', 'utoc', 'sig',
  'uasset', 'uexp', 'ubulk', 'uptnl', 'umap', 'ufont', 'ushaderbytecode', 'upipelinecache',
  'txt', 'json', 'ini', 'xml', 'version', 'uplugin', 'uproject', 'manifest',
  'bin', 'dat', 'res', 'brk', 'cnv', 'cfu', 'icu', 'nrm', 'spp', 'dict',
  'ttf', 'otf', 'png', 'bmp', 'ico', 'jpg', 'jpeg', 'pem',
  'mp4', 'bk2', 'wmv', 'webm',
] as const;

const category = (name: string, extensions: string[]) => Object.fromEntries(extensions.map((e) => [e, name]));

/** Refused with a category, so the reason says why (scripts would run on the streaming servers). */
const BLOCKED_EXTENSIONS = {
  ...category('script', ['bat', 'cmd', 'ps1', 'psm1', 'sh', 'bash', 'vbs', 'vbe', 'js', 'jse', 'mjs', 'cjs', 'wsf', 'wsh', 'hta', 'py', 'pl', 'rb', 'jar', 'reg', 'lnk', 'scr', 'com', 'cpl', 'msi', 'msp']),
  ...category('document', ['doc', 'docx', 'xls', 'xlsx', 'ppt', 'pptx', 'pdf', 'odt', 'ods', 'rtf', 'md']),
  ...category('nested archive', ['zip', '7z', 'rar', 'tar', 'gz', 'tgz', 'bz2', 'xz', 'zst', 'cab', 'iso']),
  ...category('project source file', ['cpp', 'h', 'hpp', 'cs', 'sln', 'vcxproj']),
};

export const DEFAULT_PACKAGE_POLICY: PackagePolicy = {
  allowedExtensions: ALLOWED_EXTENSIONS,
  blockedExtensions: BLOCKED_EXTENSIONS,
  allowFilesWithoutExtension: false,
  rootFileExtensions: ['exe', 'txt'],
  topLevelFolders: ['Engine'],
  refuseNestedArchiveContent: true,
  // A UE pak is not a zip and never starts with an archive signature, so sniffing it would only ever catch a
  // zip-format `.pak` (the container some plugins and middleware read themselves): the game opens it, Hangar never
  // unpacks it, so it is not refused.
  nestedArchiveContentExemptExtensions: ['pak'],
  maxEntries: 200_000,
  // Streampixel's largest documented zip is 30 GB; paks are already compressed, so twice that is generous.
  maxTotalUncompressedBytes: 64 * 1024 ** 3,
  // Deflate cannot exceed about 1032:1. Paks are compressed already (about 1:1), DLLs about 3:1, text about 10:1:
  // a large entry above 200:1 is padding or a bomb.
  maxCompressionRatio: 200,
  compressionRatioMinBytes: 1024 * 1024,
};

/** The default with some fields replaced, e.g. `packagePolicy({ maxEntries: 1000 })`. */
export function packagePolicy(overrides: Partial<PackagePolicy> = {}): PackagePolicy {
  return { ...DEFAULT_PACKAGE_POLICY, ...overrides };
}
