/**
 * Decides whether a request context may perform an action on a target. Rules are the
 * built-in defaults (defaults.ts) overridden rule by rule by the policy file, which is
 * re-read when it changes. Semantics as nova/policy.py and nova/openstack/common/policy.py have them.
 */

import { readFileSync, statSync } from 'node:fs';
import { dirname, extname, isAbsolute, join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { ConfigNotFound, PolicyNotAuthorized } from '../common/errors.js';
import { getLogger } from '../common/log.js';
import type { Config } from '../config/config.js';
import { RequestContext } from '../context/context.js';
import { type Check, type PolicyCredentials, type PolicyTarget, type RuleResolver, TargetKeyMissing } from './checks.js';
import { policyDefaults, policyDefaultsGeneration } from './defaults.js';
import { PolicyFileInvalid } from './errors.js';
import { DEFAULT_POLICY_FILE, policyOpts } from './opts.js';
import { parseRule } from './parser.js';

const log = getLogger('nova.policy');

/** The file is looked at no more often than this, however many requests arrive. */
const RELOAD_CHECK_INTERVAL_MS = 1000;

export interface PolicyEnforcerOptions {
  /** Milliseconds clock for the reload throttle; tests move it by hand. */
  now?: () => number;
}

interface FileStamp {
  mtimeMs: number;
  size: number;
  ino: number;
}

function sameStamp(a: FileStamp | null, b: FileStamp | null): boolean {
  if (a === null || b === null) return a === b;
  return a.mtimeMs === b.mtimeMs && a.size === b.size && a.ino === b.ino;
}

function stampOf(path: string): FileStamp | null {
  try {
    const st = statSync(path);
    return st.isFile() ? { mtimeMs: st.mtimeMs, size: st.size, ino: st.ino } : null;
  } catch {
    return null;
  }
}

/** Where policy_file points: absolute as given, else beside the first config file. */
export function resolvePolicyPath(conf: Config): string {
  const configured = conf.get(policyOpts).policy_file ?? DEFAULT_POLICY_FILE;
  if (isAbsolute(configured)) return configured;
  const firstConfig = conf.files[0];
  return firstConfig ? join(dirname(firstConfig), configured) : configured;
}

/** Reads a policy file into raw rules (rule name → text or list); throws PolicyFileInvalid. */
export function readPolicyFile(path: string): Map<string, unknown> {
  const text = readFileSync(path, 'utf8');
  let data: unknown;
  try {
    data = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new PolicyFileInvalid(path, (err as Error).message);
  }
  if (data === null || data === undefined) return new Map();
  if (typeof data !== 'object' || Array.isArray(data)) {
    throw new PolicyFileInvalid(path, 'the top level must be a mapping of rule names to rules');
  }
  return new Map(Object.entries(data as Record<string, unknown>));
}

export class PolicyEnforcer {
  /** The policy file this enforcer reads (it may not exist when it has the default name). */
  readonly policyPath: string;
  readonly defaultRule: string;
  readonly #now: () => number;
  readonly #parsedDefaults = new Map<string, { text: string; check: Check }>();
  #fileRules = new Map<string, Check>();
  #fileStamp: FileStamp | null = null;
  #defaultsGeneration = -1;
  #rules = new Map<string, Check>();
  #lastStatAt = Number.NEGATIVE_INFINITY;
  readonly #resolver: RuleResolver;

  constructor(conf: Config, options: PolicyEnforcerOptions = {}) {
    const values = conf.get(policyOpts);
    this.policyPath = resolvePolicyPath(conf);
    this.defaultRule = values.policy_default_rule ?? 'default';
    this.#now = options.now ?? Date.now;
    this.#resolver = {
      resolve: (name) => this.#rules.get(name) ?? this.#rules.get(this.defaultRule),
    };

    const stamp = stampOf(this.policyPath);
    if (stamp === null && values.policy_file !== DEFAULT_POLICY_FILE) {
      throw new ConfigNotFound(`Could not find config at ${this.policyPath}`, { kwargs: { path: this.policyPath } });
    }
    if (stamp !== null) this.#loadFile(stamp);
    this.#lastStatAt = this.#now();
    this.#rebuild();
  }

  /** Throws PolicyNotAuthorized (403) unless the context may perform the action on the target. */
  enforce(ctx: RequestContext, action: string, target: PolicyTarget): void {
    if (!this.check(ctx, action, target)) throw new PolicyNotAuthorized(action);
  }

  /** Whether the context may perform the action on the target. */
  check(ctx: RequestContext, action: string, target: PolicyTarget): boolean {
    return this.checkCredentials(action, target, ctx.toPolicyCredentials());
  }

  /** The rule for `action` (or the default rule) evaluated against plain credentials. */
  checkCredentials(action: string, target: PolicyTarget, credentials: PolicyCredentials): boolean {
    this.#refresh();
    const rule = this.#resolver.resolve(action);
    if (!rule) return false;
    try {
      return rule.evaluate(target, credentials, { rules: this.#resolver, depth: 0 });
    } catch (err) {
      if (err instanceof TargetKeyMissing) {
        log.debug({ action, key: err.key }, 'policy target lacks a key the rule needs; denying');
        return false;
      }
      throw err;
    }
  }

  /**
   * Whether these credentials are an administrator's: rule `context_is_admin` with the
   * credentials as their own target. The API layer uses it to set a new context's isAdmin.
   */
  isAdmin(credentials: PolicyCredentials | RequestContext): boolean {
    const creds = credentials instanceof RequestContext ? credentials.toPolicyCredentials() : credentials;
    this.#refresh();
    const rule = this.#rules.get('context_is_admin');
    if (!rule) return false;
    try {
      return rule.evaluate(creds, creds, { rules: this.#resolver, depth: 0 });
    } catch (err) {
      if (err instanceof TargetKeyMissing) return false;
      throw err;
    }
  }

  /** The text of every effective rule, for diagnostics (`nova-manage policy`-style dumps). */
  describeRules(): Record<string, string> {
    this.#refresh();
    const out: Record<string, string> = {};
    for (const [name, check] of this.#rules) out[name] = check.toString();
    return out;
  }

  /** Re-reads the policy file now, regardless of the throttle (e.g. on SIGHUP). */
  reload(): void {
    this.#lastStatAt = Number.NEGATIVE_INFINITY;
    this.#fileStamp = null;
    this.#refresh();
  }

  #refresh(): void {
    const now = this.#now();
    if (now - this.#lastStatAt >= RELOAD_CHECK_INTERVAL_MS) {
      this.#lastStatAt = now;
      const stamp = stampOf(this.policyPath);
      if (!sameStamp(stamp, this.#fileStamp)) {
        if (stamp === null) {
          log.warn({ path: this.policyPath }, 'policy file disappeared; keeping the rules last loaded from it');
          this.#fileStamp = null;
        } else {
          try {
            this.#loadFile(stamp);
            this.#rebuild();
            log.info({ path: this.policyPath }, 'policy file reloaded');
          } catch (err) {
            this.#fileStamp = stamp;
            log.error({ path: this.policyPath, err }, 'policy file could not be reloaded; keeping the previous rules');
          }
        }
      }
    }
    if (this.#defaultsGeneration !== policyDefaultsGeneration()) this.#rebuild();
  }

  #loadFile(stamp: FileStamp): void {
    const raw = readPolicyFile(this.policyPath);
    const parsed = new Map<string, Check>();
    for (const [name, rule] of raw) parsed.set(name, parseRule(rule));
    this.#fileRules = parsed;
    this.#fileStamp = stamp;
  }

  #rebuild(): void {
    const rules = new Map<string, Check>();
    for (const [name, text] of policyDefaults()) {
      let cached = this.#parsedDefaults.get(name);
      if (!cached || cached.text !== text) {
        cached = { text, check: parseRule(text) };
        this.#parsedDefaults.set(name, cached);
      }
      rules.set(name, cached.check);
    }
    for (const [name, check] of this.#fileRules) rules.set(name, check);
    this.#rules = rules;
    this.#defaultsGeneration = policyDefaultsGeneration();
  }
}
