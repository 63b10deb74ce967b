// The JSON API under /api/v1, typed as the server writes it. Lists, and the
// partitions of a topic or group, are filtered, sorted and paged on the
// server; no page asks for everything.

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export async function getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
  const response = await fetch(path, { headers: { Accept: "application/json" }, signal });
  const text = await response.text();
  let body: unknown = null;
  try {
    body = text ? JSON.parse(text) : null;
  } catch {
    throw new ApiError(response.status, `${path}: not JSON (HTTP ${response.status})`);
  }
  if (!response.ok) {
    const message = (body as { error?: string } | null)?.error ?? `HTTP ${response.status}`;
    throw new ApiError(response.status, message);
  }
  return body as T;
}

const enc = encodeURIComponent;

function query(params: Record<string, string | number | null | undefined>): string {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== null && value !== undefined && value !== "") search.set(name, String(value));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

export interface ClusterListItem {
  name: string;
  collected: boolean;
  broker_count: number | null;
  stale: boolean | null;
}

export interface CollectionError {
  collector: string;
  kind: string;
  broker: number | null;
  message: string;
}

export interface ClusterSummary {
  name: string;
  cluster_id: string | null;
  controller: number | null;
  collected_at_ms: number | null;
  cycle_duration_ms: number;
  stale: boolean;
  broker_count: number;
  reachable_broker_count: number;
  topic_count: number;
  partition_count: number;
  group_count: number;
  offline_partitions: number;
  under_replicated_partitions: number;
  under_min_isr_partitions: number;
  errors: CollectionError[];
  unsupported_apis: string[];
}

export interface LogDir {
  path: string;
  error: string | null;
  size_bytes: number;
  volume_total_bytes: number | null;
  volume_usable_bytes: number | null;
}

export interface Broker {
  id: number;
  host: string;
  port: number;
  rack: string | null;
  reachable: boolean;
  in_metadata: boolean;
  partition_count: number;
  leader_count: number;
  log_dir_bytes: number | null;
  log_dirs: LogDir[];
  is_controller: boolean;
  /** leader, voter or observer in the KRaft metadata quorum. */
  quorum_role: string | null;
}

export interface QuorumReplica {
  replica_id: number;
  role: string;
  log_end_offset: number;
  lag: number;
  last_fetch_ms: number | null;
  last_caught_up_ms: number | null;
}

/** The KRaft metadata quorum (DescribeQuorum); null on other clusters. */
export interface MetadataQuorum {
  leader_id: number;
  leader_epoch: number;
  high_watermark: number;
  replicas: QuorumReplica[];
}

export interface TopicListItem {
  name: string;
  internal: boolean;
  partition_count: number;
  replication_factor: number;
  under_replicated_partitions: number;
  under_min_isr_partitions: number;
  offline_partitions: number;
  messages_in_per_sec: number | null;
  bytes_in_per_sec: number | null;
  size_bytes: number | null;
}

export interface Partition {
  partition: number;
  leader: number | null;
  replicas: number[];
  isr: number[];
  offline_replicas: number[];
  earliest_offset: number | null;
  latest_offset: number | null;
  size_bytes: number | null;
  messages_in_per_sec: number | null;
  error: string | null;
  offline: boolean;
  under_replicated: boolean;
  under_min_isr: boolean;
  leader_is_preferred: boolean;
}

/** How many partitions there are and where the page starts. */
export interface PartitionPage {
  partitions_total: number;
  partitions_offset: number;
}

export interface TopicDetail extends TopicListItem, PartitionPage {
  min_insync_replicas: number;
  configs: Record<string, string>;
  /** One page of them. */
  partitions: Partition[];
}

export type GroupStatus = "NOT_ENOUGH_DATA" | "OK" | "WARN" | "ERR";

export interface DeadReason {
  reason: "lag_without_members" | "no_commit_progress" | "stuck_rebalancing";
  seconds?: number;
}

export interface Forecast {
  trend: "catching_up" | "falling_behind";
  seconds?: number;
  messages_per_minute?: number;
}

export interface GroupHealth {
  status: GroupStatus;
  complete: number;
  lag_seconds_max: number | null;
  last_commit_at_ms: number | null;
  rebalances: number;
  commits_per_sec: number | null;
  dead_reasons: DeadReason[];
  forecast: Forecast | null;
}

export interface GroupListItem extends GroupHealth {
  name: string;
  /** classic, consumer (KIP-848), share or streams. */
  type: string;
  state: string;
  protocol_type: string;
  coordinator: number | null;
  member_count: number;
  lag_sum: number | null;
  lag_max: number | null;
  topics: string[];
  messages_consumed_per_sec: number | null;
  error: string | null;
}

export interface GroupMember {
  member_id: string;
  group_instance_id: string | null;
  client_id: string;
  client_host: string;
  assignment: { topic: string; partitions: number[] }[];
}

export interface GroupOffset {
  topic: string;
  partition: number;
  committed_offset: number;
  latest_offset: number | null;
  lag: number | null;
  messages_consumed_per_sec: number | null;
  owner: { member_id: string; client_id: string; client_host: string } | null;
  status: string;
  lag_seconds: number | null;
  lag_seconds_source: string | null;
  messages_lost: number | null;
  last_commit_at_ms: number | null;
}

export interface GroupTopic {
  topic: string;
  partitions: number;
  lag_sum: number | null;
  lag_max: number | null;
  messages_consumed_per_sec: number | null;
  lag_seconds_max: number | null;
}

/** A counter as a JMX agent reported it, and its rate since the poll before. */
export interface JmxCounter {
  total: number;
  per_sec: number | null;
}

export interface JmxQuantiles {
  p50: number | null;
  p99: number | null;
  p999: number | null;
}

export interface JmxBroker {
  all_topics: { bytes_in: JmxCounter | null; bytes_out: JmxCounter | null; messages_in: JmxCounter | null };
  requests: Record<string, { requests: JmxCounter; times_ms: Record<string, JmxQuantiles> }>;
  request_handler_idle_ratio: number | null;
  network_processor_idle_ratio: number | null;
  under_replicated_partitions: number | null;
}

export interface JmxNode {
  target: string;
  role: string;
  node_id: number | null;
  up: boolean;
  broker: JmxBroker | null;
  jvm: { heap_used_bytes: number | null; heap_max_bytes: number | null };
}

/** The latest poll of a cluster's JMX exporter pages. */
export interface JmxPoll {
  polled_at_ms: number;
  targets: { target: string; up: boolean; error: string | null }[];
  figures: { jmx?: { nodes: JmxNode[] } };
}

export interface ClientLiveness {
  alive: boolean;
  dead_reason: string | null;
  last_seen_ms: number;
  last_changed_ms: number;
  stopped_sending: boolean;
  groups: string[];
}

/** A Kafka Java client as its JMX agent shows it. */
export interface KafkaClient {
  target: string;
  client_id: string;
  kind: "producer" | "consumer";
  producer: { record_send_rate: number | null; request_latency_avg_ms: number | null; record_error_rate: number | null; record_retry_rate: number | null } | null;
  consumer: { records_consumed_rate: number | null; fetch_latency_avg_ms: number | null; records_lag_max: number | null; last_poll_seconds_ago: number | null } | null;
  liveness: ClientLiveness;
}

export interface GroupDetail extends GroupHealth, PartitionPage {
  name: string;
  type: string;
  state: string;
  protocol_type: string;
  protocol: string;
  coordinator: number | null;
  error: string | null;
  lag_sum: number | null;
  lag_max: number | null;
  messages_consumed_per_sec: number | null;
  members: GroupMember[];
  topics: GroupTopic[];
  /** One page of them. */
  offsets: GroupOffset[];
  /** Its consumers as their JMX agents show them; empty without JMX. */
  clients: KafkaClient[];
}

export interface PageParams {
  sort?: string | null;
  order?: string | null;
  offset?: number;
  limit?: number;
}

export interface ListParams extends PageParams {
  filter?: string | null;
  status?: string | null;
}

/** An alert, as `/api/v1/alerts` and `/api/v1/rules` give it (Prometheus's shape). */
export interface AlertItem {
  labels: Record<string, string>;
  annotations: Record<string, string>;
  state: "pending" | "firing";
  /** RFC 3339. */
  activeAt: string;
  value: string;
  keepFiringSince?: string;
  /** The silences (acknowledgements too) keeping it from being sent. */
  silencedBy?: string[];
}

export interface AlertRule {
  name: string;
  query: string;
  /** `for`, seconds. */
  duration: number;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  alerts: AlertItem[];
  health: "ok" | "err" | "unknown";
  lastError: string;
  lastEvaluation: string | null;
  state: "inactive" | "pending" | "firing";
  curated: boolean;
}

export interface SilenceMatcher {
  name: string;
  value: string;
  isRegex: boolean;
  isEqual: boolean;
}

export interface Silence {
  id: string;
  matchers: SilenceMatcher[];
  starts_at_ms: number;
  ends_at_ms: number;
  created_by: string;
  comment: string;
  until_resolved: boolean;
  state: "pending" | "active" | "expired";
}

export interface ReceiverStats {
  kind: string;
  sent: number;
  failed: number;
  dropped: number;
  retries: number;
  last_error: string | null;
  last_error_at_ms: number | null;
}

export interface ClusterAlerts {
  /** Alerts matching, in `alerts` a page of them. */
  total: number;
  offset: number;
  firing: number;
  pending: number;
  silenced: number;
  firing_unsilenced: number;
  alerts: AlertItem[];
}

export interface AlertEvent {
  at_ms: number;
  state: "pending" | "firing" | "inactive";
  labels: Record<string, string>;
  value: number;
}

/** How polling one target of a source went. */
export interface SourceTarget {
  target: string;
  role: string;
  broker: number | null;
  up: boolean;
  duration_ms: number;
  samples: number;
  error: string | null;
}

/** What every source's latest poll carries beside its figures. */
export interface SourcePoll<F> {
  cluster: string;
  kind: string;
  polled_at_ms: number;
  duration_ms: number;
  targets: SourceTarget[];
  figures: F;
}

export interface ConnectTask {
  id: number;
  state: string;
  worker: string | null;
  trace: string | null;
  restarts: number;
}

export interface Connector {
  name: string;
  /** source, sink, or what Connect says. */
  kind: string;
  class: string | null;
  state: string;
  worker: string | null;
  trace: string | null;
  tasks_max: string | null;
  topics: string[] | null;
  config_topics: string | null;
  config_topics_regex: string | null;
  config_topic: string | null;
  consumer_group: string | null;
  tasks: ConnectTask[];
  restarts: number;
}

export interface ConnectWorker {
  id: string;
  url: string | null;
  reachable: boolean | null;
  version: string | null;
  connectors: number;
  tasks: number;
}

export interface ConnectCluster {
  name: string;
  urls: string[];
  answered_by: string | null;
  version: string | null;
  commit: string | null;
  kafka_cluster_id: string | null;
  workers: ConnectWorker[];
  connectors: Connector[];
  connectors_by_state: Record<string, number>;
  tasks_by_state: Record<string, number>;
  requests: number;
  problems: string[];
}

export type ConnectPoll = SourcePoll<{ connect?: { clusters: ConnectCluster[] } }>;

export interface ZookeeperMember {
  name: string;
  address: string;
  up: boolean;
  serving: boolean;
  role: string;
  ruok: string | null;
  version: string | null;
  latency: { min_ms: number; avg_ms: number; max_ms: number } | null;
  outstanding_requests: number | null;
  alive_connections: number | null;
  znode_count: number | null;
  watch_count: number | null;
  ephemerals_count: number | null;
  approximate_data_size_bytes: number | null;
  open_file_descriptors: number | null;
  max_file_descriptors: number | null;
  packets_received: JmxCounter | null;
  packets_sent: JmxCounter | null;
  zxid: number | null;
  uptime_ms: number | null;
  quorum_size: number | null;
  leader: { learners: number | null; synced_followers: number | null; synced_observers: number | null; pending_syncs: number | null } | null;
  /** Four-letter words the member's whitelist refused. */
  not_allowed: string[];
  missing_figures: string[];
}

/** One problem of the ensemble, tagged by `problem`. */
export type EnsembleProblem =
  | { problem: "no_leader" }
  | { problem: "several_leaders"; members: string[] }
  | { problem: "members_down"; members: string[] }
  | { problem: "members_not_serving"; members: string[] }
  | { problem: "followers_not_synced"; synced: number; expected: number }
  | { problem: "even_member_count"; members: number };

export interface EnsembleVerdict {
  members: number;
  members_up: number;
  members_serving: number;
  leaders: string[];
  synced_followers: number | null;
  expected_synced_followers: number;
  healthy: boolean;
  problems: EnsembleProblem[];
  /** What could not be checked (a refused word), in words. */
  unchecked: string[];
}

export type ZookeeperPoll = SourcePoll<{ zookeeper?: { members: ZookeeperMember[]; ensemble: EnsembleVerdict } }>;

export interface HostMount {
  device: string;
  fstype: string;
  mountpoint: string;
  size_bytes: number | null;
  avail_bytes: number | null;
  free_bytes: number | null;
  device_error: boolean;
  read_only: boolean;
}

export interface HostNetwork {
  device: string;
  receive_bytes_per_second: number | null;
  transmit_bytes_per_second: number | null;
  receive_errors_per_second: number | null;
  transmit_errors_per_second: number | null;
}

export interface HostDisk {
  device: string;
  read_bytes_per_second: number | null;
  written_bytes_per_second: number | null;
  utilisation: number | null;
}

export interface Host {
  target: string;
  host: string;
  broker: number | null;
  up: boolean;
  cpu: { cpus: number; busy_ratio: number | null } | null;
  memory: { total_bytes: number; available_bytes: number | null; free_bytes: number | null } | null;
  load: { one: number; five: number; fifteen: number } | null;
  mounts: HostMount[];
  disks: HostDisk[];
  networks: HostNetwork[];
  file_descriptors: { allocated: number; maximum: number } | null;
  boot_time_seconds: number | null;
}

/** A broker's log directory and the filesystem holding it on its host. */
export interface LogDirMount {
  broker: number;
  log_dir: string;
  error: string | null;
  host: string | null;
  mountpoint: string | null;
  device: string | null;
  fstype: string | null;
  size_bytes: number | null;
  avail_bytes: number | null;
  used_ratio: number | null;
}

/** The latest poll of the brokers' hosts, joined to the latest snapshot. */
export interface HostPoll {
  cluster: string;
  polled_at_ms: number;
  duration_ms: number;
  targets: SourceTarget[];
  /** Each with the brokers the latest snapshot places on it. */
  hosts: (Host & { brokers: number[] })[];
  /** Empty before the cluster's first snapshot. */
  log_dirs: LogDirMount[];
}

/** A broker's log event, as the log follower detected it and keeps it. */
export interface LogEvent {
  /** Increasing in the order events were read. */
  id: number;
  /** The record's time, or when it was read; `time` as RFC 3339. */
  time_ms: number;
  time: string;
  /** The node whose logs told it first. */
  broker: number | null;
  /** Every node whose logs told it: a change of the whole cluster is one event. */
  reported_by: number[];
  /** isr_shrink, broker_fenced... */
  kind: string;
  level: string | null;
  logger: string;
  thread: string;
  file: string;
  line: number;
  /** The kind's own fields (topic, partition, old_isr, new_isr...). */
  fields: Record<string, unknown>;
  lines: string[];
  lines_cut: number;
}

export interface EventParams {
  broker?: string | null;
  kind?: string | null;
  level?: string | null;
  /** The events of this topic's partitions. */
  topic?: string | null;
  /** Unix milliseconds, both inclusive. */
  since?: number | null;
  until?: number | null;
  offset?: number;
  limit?: number;
}

const base = (cluster: string) => `/api/v1/clusters/${enc(cluster)}`;

export const api = {
  clusters: () => getJson<{ clusters: ClusterListItem[] }>("/api/v1/clusters"),
  summary: (cluster: string) => getJson<ClusterSummary>(base(cluster)),
  brokers: (cluster: string) =>
    getJson<{ controller: number | null; brokers: Broker[]; quorum: MetadataQuorum | null; sources: string[] }>(
      `${base(cluster)}/brokers`,
    ),
  topics: (cluster: string, params: ListParams) =>
    getJson<{ total: number; offset: number; topics: TopicListItem[] }>(
      `${base(cluster)}/topics${query({ ...params })}`,
    ),
  topic: (cluster: string, topic: string, params: PageParams) =>
    getJson<TopicDetail>(`${base(cluster)}/topics/${enc(topic)}${query({ ...params })}`),
  groups: (cluster: string, params: ListParams) =>
    getJson<{ total: number; offset: number; groups: GroupListItem[] }>(
      `${base(cluster)}/groups${query({ ...params })}`,
    ),
  group: (cluster: string, group: string, params: PageParams) =>
    getJson<GroupDetail>(`${base(cluster)}/groups/${enc(group)}${query({ ...params })}`),
  /** The latest JMX exporter poll; `null` when the cluster has no JMX source or it has not polled. */
  jmx: (cluster: string) => orNone(getJson<JmxPoll>(`${base(cluster)}/jmx`)),
  /** A page of the cluster's alerts, worst first, and their counts; `any`: `label` or `label=value`, any of them. */
  clusterAlerts: (cluster: string, params: { limit: number; offset?: number; any?: string[] }) => {
    const search = new URLSearchParams({ limit: String(params.limit), offset: String(params.offset ?? 0) });
    for (const a of params.any ?? []) search.append("any", a);
    return getJson<ClusterAlerts>(`${base(cluster)}/alerts?${search}`);
  },
  /** The rules without their alerts (a cluster's alerts come a page at a time). */
  rules: () => getJson<{ data: { groups: { name: string; rules: AlertRule[] }[] } }>("/api/v1/rules?exclude_alerts=true"),
  alertEvents: (cluster: string, limit: number) =>
    getJson<{ events: AlertEvent[] }>(`/api/v1/alerts/events?${new URLSearchParams({ cluster, limit: String(limit) })}`),
  notifications: () => getJson<{ receivers: Record<string, ReceiverStats>; snapshots_dropped: number }>("/api/v1/notifications"),
  /** `null` when alerting is off (no history). */
  silences: () => orNone(getJson<{ silences: Silence[] }>("/api/v1/silences")),
  createSilence: (silence: { matchers: SilenceMatcher[]; ends_at_ms: number; created_by: string; comment: string }) =>
    sendJson<{ id: string }>("POST", "/api/v1/silences", silence),
  expireSilence: (id: string) => sendJson<{ id: string }>("DELETE", `/api/v1/silences/${enc(id)}`),
  acknowledge: (labels: Record<string, string>, created_by: string, comment: string) =>
    sendJson<{ id: string }>("POST", "/api/v1/alerts/acknowledge", { labels, created_by, comment }),
  /** The clients; `null` when the cluster has no JMX source. */
  clients: (cluster: string) => orNone(getJson<{ clients: KafkaClient[] }>(`${base(cluster)}/clients`)),
  /** The latest Connect REST poll; `null` without a Connect source. */
  connect: (cluster: string) => orNone(getJson<ConnectPoll>(`${base(cluster)}/connect`)),
  /** The latest ZooKeeper poll; `null` without a ZooKeeper source. */
  zookeeper: (cluster: string) => orNone(getJson<ZookeeperPoll>(`${base(cluster)}/zookeeper`)),
  /** The latest host poll; `null` without a node_exporter source. */
  hosts: (cluster: string) => orNone(getJson<HostPoll>(`${base(cluster)}/hosts`)),
  /** The brokers' log events, newest first; `null` without broker logs. */
  events: (cluster: string, params: EventParams) =>
    orNone(getJson<{ total: number; kinds: Record<string, number>; events: LogEvent[] }>(`${base(cluster)}/events${query({ ...params })}`)),
};

/** A write; the server's JSON error becomes the thrown ApiError's message. */
export async function sendJson<T>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await fetch(path, {
    method,
    headers: body === undefined ? { Accept: "application/json" } : { Accept: "application/json", "Content-Type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const answer = (await response.json().catch(() => null)) as { error?: string } | null;
  if (!response.ok) throw new ApiError(response.status, answer?.error ?? `HTTP ${response.status}`);
  return answer as T;
}

/** `null` for a 404 or 503 (nothing configured, or nothing read yet). */
async function orNone<T>(request: Promise<T>): Promise<T | null> {
  try {
    return await request;
  } catch (error) {
    if (error instanceof ApiError && (error.status === 404 || error.status === 503)) return null;
    throw error;
  }
}
