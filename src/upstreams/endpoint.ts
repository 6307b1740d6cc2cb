import { checkRegion } from '../model/validate.js';

/**
 * The base URL of an upstream in a region: `{region}` in the configured endpoint is replaced.
 * The EU sovereign region lives under another domain, so the public default is rewritten for it.
 */
export function baseUrlFor(template: string, region: string): string {
  const url = template.replaceAll('{region}', checkRegion(region));
  return region === 'eu-west-101' ? url.replace('.eu-west-101.myhuaweicloud.com', '.eu-west-101.myhuaweicloud.eu') : url;
}

/** One path segment, percent-encoded; ids were validated before, this is defence in depth. */
export const seg = encodeURIComponent;
