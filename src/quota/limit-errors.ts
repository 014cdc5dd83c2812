/**
 * The user-facing QuotaError for an OverQuota on something other than instances, cores and
 * ram (those need the request, see instances.ts). Messages are Nova's (nova/compute/api.py and nova/exception.py).
 */

import {
  FixedIpLimitExceeded,
  FloatingIpLimitExceeded,
  KeypairLimitExceeded,
  MetadataLimitExceeded,
  OnsetFileContentLimitExceeded,
  OnsetFileLimitExceeded,
  OnsetFilePathLimitExceeded,
  type OverQuota,
  type QuotaError,
  SecurityGroupLimitExceeded,
} from '../common/errors.js';

export function metadataLimitExceeded(allowed: number): MetadataLimitExceeded {
  return new MetadataLimitExceeded(`Maximum number of metadata items exceeds ${allowed}`, { kwargs: { allowed } });
}

/** Too many files wins over a too-long path, which wins over too-long content, as in Nova. */
export function personalityLimitExceeded(over: OverQuota): QuotaError | undefined {
  if (over.overs.includes('injected_files')) return new OnsetFileLimitExceeded('Personality file limit exceeded');
  if (over.overs.includes('injected_file_path_bytes')) return new OnsetFilePathLimitExceeded('Personality file path too long');
  if (over.overs.includes('injected_file_content_bytes')) return new OnsetFileContentLimitExceeded('Personality file content too long');
  return undefined;
}

/**
 * The QuotaError for an OverQuota on one of the non-instance resources, or undefined when
 * none of its resources is one of those.
 */
export function quotaErrorFor(over: OverQuota): QuotaError | undefined {
  const overs = new Set(over.overs);
  if (overs.has('metadata_items')) return metadataLimitExceeded(over.quotas.metadata_items ?? 0);
  const personality = personalityLimitExceeded(over);
  if (personality) return personality;
  if (overs.has('key_pairs')) return new KeypairLimitExceeded('Maximum number of key pairs exceeded');
  if (overs.has('security_groups') || overs.has('security_group_rules')) {
    return new SecurityGroupLimitExceeded('Maximum number of security groups or rules exceeded');
  }
  if (overs.has('floating_ips')) return new FloatingIpLimitExceeded('Maximum number of floating ips exceeded');
  if (overs.has('fixed_ips')) return new FixedIpLimitExceeded('Maximum number of fixed ips exceeded');
  return undefined;
}
