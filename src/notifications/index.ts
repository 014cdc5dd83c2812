export * from './audit-period.js';
export * from './drivers.js';
export * from './factory.js';
export * from './instance-payload.js';
export * from './notifier.js';
export * from './opts.js';
export * from './time-format.js';
