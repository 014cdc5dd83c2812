/** The parts of a `services` row that lifecycle and liveness need. */
export interface ServiceRecord {
  id: number;
  host: string | null;
  binary: string | null;
  topic: string | null;
  report_count: number;
  disabled: boolean | null;
  created_at: Date | string | null;
  updated_at: Date | string | null;
}

/**
 * Where a service keeps its record: the database for services that may open it, the
 * conductor for nova-compute (which holds no database credentials).
 */
export interface ServiceRecordStore {
  /** The live record for (host, binary), or null. */
  find(host: string, binary: string): Promise<ServiceRecord | null>;
  create(values: { host: string; binary: string; topic: string; report_count: number }): Promise<ServiceRecord>;
  update(id: number, values: Partial<Pick<ServiceRecord, 'report_count' | 'disabled'>>): Promise<ServiceRecord>;
}

/** What keeps a running service's liveness fresh (Nova's servicegroup `join`). */
export interface Heartbeat {
  readonly record: ServiceRecord;
  start(): void;
  /** Reports once, now (a service on a record an earlier run left reports before it serves). */
  beat(): Promise<void>;
  stop(): Promise<void>;
}

/** Whether a service is up, as the configured service group driver decides it. */
export interface Liveness {
  isUp(service: ServiceRecord, now: Date): Promise<boolean>;
}
