import { badUserInput } from './errors.js';

/**
 * Huawei Cloud's public region ids: the union of the region tables the official SDKs ship for
 * the services this gateway reads and their neighbours (huaweicloud-sdk-go-v3 services/ecs/v2,
 * cce/v3, rds/v3, cfw/v1, cae/v1 and iam/v3 region.go; @huaweicloud/huaweicloud-sdk-cce CceRegion).
 * The default for HWC_REGIONS: a region outside the list is refused before any upstream call,
 * since each new region value would otherwise mean a new host name, DNS lookup, TLS session and
 * connection pool.
 */
export const HWC_PUBLIC_REGIONS: readonly string[] = [
  'af-north-1',
  'af-south-1',
  'ae-ad-1',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'cn-east-2',
  'cn-east-3',
  'cn-east-4',
  'cn-east-5',
  'cn-north-1',
  'cn-north-2',
  'cn-north-4',
  'cn-north-9',
  'cn-north-11',
  'cn-north-12',
  'cn-south-1',
  'cn-south-2',
  'cn-south-4',
  'cn-southwest-2',
  'cn-southwest-3',
  'eu-west-0',
  'eu-west-101',
  'la-north-2',
  'la-south-2',
  'me-east-1',
  'my-kualalumpur-1',
  'na-mexico-1',
  'ru-moscow-1',
  'ru-northwest-2',
  'sa-brazil-1',
  'tr-west-1',
];

/** A well-formed region (see checkRegion) that must also be one this gateway serves. */
export function checkKnownRegion(region: string, known: ReadonlySet<string>, what = 'region'): string {
  if (!known.has(region)) throw badUserInput(`${what} "${region}" is not a region this gateway serves (HWC_REGIONS)`);
  return region;
}
