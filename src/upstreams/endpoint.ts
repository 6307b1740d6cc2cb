import { checkKnownRegion } from '../model/regions.js';
import { checkRegion } from '../model/validate.js';

/**
 * The base URL of an upstream in a region: `{region}` in the configured endpoint is replaced.
 * The EU sovereign region lives under another domain, so the public default is rewritten for it.
 * A region outside `known` (HWC_REGIONS) is refused here, before any upstream call: required, so
 * no call site can forget it.
 */
export function baseUrlFor(template: string, region: string, known: ReadonlySet<string>): string {
  checkKnownRegion(checkRegion(region), known);
  const url = template.replaceAll('{region}', region);
  return region === 'eu-west-101' ? url.replace('.eu-west-101.myhuaweicloud.com', '.eu-west-101.myhuaweicloud.eu') : url;
}

/** One path segment, percent-encoded; ids were validated before, this is defence in depth. */
export const seg = encodeURIComponent;
