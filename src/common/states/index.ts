export * from './instance-actions.js';
export * from './power-state.js';
export * from './status.js';
export * from './task-states.js';
export * from './transitions.js';
export * from './vm-states.js';
