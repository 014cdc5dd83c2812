import { defineGroup, opt } from '../config/registry.js';

export const usageAuditOpts = defineGroup('DEFAULT', {
  instance_usage_audit: opt.bool(false, 'Emit compute.instance.exists for every instance of each completed audit period.'),
  instance_usage_audit_period: opt.str('month', 'Audit period: hour, day, month or year, optionally @offset (month@15).'),
});
