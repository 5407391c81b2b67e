export { egressPolicyFromEnv, PRIVATE_NETWORKS_SETTING, type EgressPolicy } from './egress-policy/egress-policy';
export { assertFetchableUrl, type HostLookup, type UrlGuardOptions } from './url-guard/assert-fetchable-url';
export { nonPublicAddressKind } from './url-guard/address-classification';
export { createEgressAgents, type EgressAgents } from './url-guard/egress-agents';
export { EgressRefused } from './url-guard/egress-refused.error';
export { DownloadAborted, DownloadFailed } from './download/download-failed.error';
export { openDownload, type DownloadOptions, type DownloadResult, type OpenedDownload } from './download/open-download';
export { downloadToSink, type DownloadSink } from './download/download-to-sink';
export { postJson, type PostJsonOptions, type PostJsonOutcome } from './webhook-post/post-json';
