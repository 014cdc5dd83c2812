/**
 * The dictionaries that travel with a scheduling request (request_spec and
 * filter_properties). Keys keep Nova's names because they cross the bus and are re-sent
 * by compute hosts on a re-schedule.
 */

export interface InstanceType {
  id?: number;
  flavorid?: string;
  name?: string;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  swap?: number;
  extra_specs?: Record<string, string>;
  [key: string]: unknown;
}

/** The fields of the new (or existing) instance the scheduler reads and consumes. */
export interface InstanceProperties {
  uuid?: string;
  project_id?: string | null;
  user_id?: string | null;
  memory_mb: number;
  vcpus: number;
  root_gb: number;
  ephemeral_gb: number;
  os_type?: string | null;
  architecture?: string | null;
  vm_mode?: string | null;
  vm_state?: string | null;
  task_state?: string | null;
  availability_zone?: string | null;
  image_ref?: string | null;
  launch_index?: number;
  [key: string]: unknown;
}

export interface ImageMeta {
  properties?: Record<string, unknown>;
  [key: string]: unknown;
}

export interface RequestSpec {
  instance_properties: InstanceProperties;
  instance_type: InstanceType;
  image?: ImageMeta;
  instance_uuids?: string[];
  num_instances?: number;
  [key: string]: unknown;
}

export type HostNodePair = [host: string, node: string];

export interface RetryInfo {
  num_attempts: number;
  hosts: HostNodePair[];
  /** Traceback text a compute host leaves when it sends the request back. */
  exc?: string;
}

export interface SchedulerHints {
  same_host?: string | string[];
  different_host?: string | string[];
  query?: string;
  cidr?: string;
  build_near_host_ip?: string;
  group?: string;
  [key: string]: unknown;
}

/** Resource ceilings the filters computed for the chosen host; the compute claim enforces them. */
export interface HostLimits {
  memory_mb?: number;
  disk_gb?: number;
  vcpu?: number;
}

export interface FilterProperties {
  scheduler_hints?: SchedulerHints | null;
  force_hosts?: string[];
  ignore_hosts?: string[];
  retry?: RetryInfo;
  group_hosts?: string[];
  /** Policies of the group the `group` hint names (`anti-affinity` for a free-form Grizzly hint). */
  group_policies?: string[];
  request_spec?: RequestSpec;
  instance_type?: InstanceType;
  project_id?: string | null;
  os_type?: string | null;
  config_options?: Record<string, unknown>;
  limits?: HostLimits;
  /**
   * Host of every non-deleted instance named in the same_host / different_host hints,
   * resolved by the caller before scheduling (see affinityInstanceUuids). Like Nova's
   * `context` it never leaves the scheduler.
   */
  instance_hosts?: Record<string, string | null>;
  [key: string]: unknown;
}

/**
 * A build request as the compute API sends it to the scheduler (`run_instance`), and as the
 * scheduler passes it on, with the instance and the chosen node, to a compute host.
 */
export interface RunInstanceRequest {
  request_spec: RequestSpec;
  admin_password: string | null;
  /** (path, contents) pairs; contents as latin1 text. */
  injected_files: [string, string][] | null;
  /** (network uuid, fixed IP or null) pairs, or null for the default networks. */
  requested_networks: [string, string | null][] | null;
  is_first_time: boolean;
  filter_properties: FilterProperties | null;
}
