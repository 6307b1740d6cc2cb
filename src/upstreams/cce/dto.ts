/** CCE job API payloads as sent (every field optional: the gateway checks what it relies on). */
export interface CceMetadataDto {
  uid?: string;
  creationTimestamp?: string;
  updateTimestamp?: string;
}

/** v3 (`/api/v3/projects/{p}/jobs/{j}`): camelCase. */
export interface CceV3JobDto {
  kind?: string;
  apiVersion?: string;
  metadata?: CceMetadataDto;
  spec?: {
    type?: string;
    clusterUID?: string;
    resourceID?: string;
    resourceName?: string;
    extendParam?: Record<string, unknown>;
    subJobs?: CceV3JobDto[];
  };
  status?: { phase?: string; reason?: string };
}

/** v2 (`/api/v2/projects/{p}/jobs[/{j}]`): lower-case spec keys, `status.status`, `completionTime`. */
export interface CceV2JobDto {
  kind?: string;
  apiVersion?: string;
  metadata?: CceMetadataDto;
  spec?: {
    type?: string;
    clusteruid?: string;
    resourceid?: string;
    resourcename?: string;
    extendparam?: Record<string, unknown>;
    subjobs?: CceV2JobDto[];
  };
  status?: { status?: string; reason?: string; completionTime?: string };
}

/** The v2 list is a bare array, no paging. */
export type CceV2JobListDto = CceV2JobDto[];
