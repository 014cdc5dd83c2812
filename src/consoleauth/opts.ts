import { defineGroup, opt } from '../config/registry.js';

export const consoleAuthOpts = defineGroup('DEFAULT', {
  console_token_ttl: opt.int(600, 'Seconds a console token stays valid after it is authorized.', { min: 1 }),
});
