import { defineGroup, opt } from '../config/registry.js';

export const DEFAULT_POLICY_FILE = 'policy.json';

export const policyOpts = defineGroup('DEFAULT', {
  policy_file: opt.str(
    DEFAULT_POLICY_FILE,
    'Policy file (JSON or YAML) whose rules override the built-in defaults rule by rule. A relative path is taken from the directory of the first config file. A missing file is an error unless it is the default name.',
  ),
  policy_default_rule: opt.str('default', 'Rule evaluated when the requested action, or a rule it refers to, is not defined.'),
});
