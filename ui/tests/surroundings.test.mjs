// Browser tests of what surrounds the brokers, each on the real thing: a
// distributed Kafka Connect worker with a FileStream source, a sink and a
// sink whose file cannot be opened (its task FAILED with the Java trace) on
// the Connect page; a 3-member ZooKeeper ensemble (one leader, then a
// member stopped and the verdict saying so) and the KRaft quorum on the
// Quorum page; this machine as the brokers' host through `kafkascope
// agent` on the brokers page (its mounts checked against df); and the
// brokers' own log files on the Events page.

import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { after, before, describe, test } from "node:test";

import {
  ARTIFACTS,
  client,
  eventually,
  getJson,
  launchBrowser,
  runScript,
  runZookeeperScript,
  startAgent,
  startConnectWorker,
  startKafka,
  startKafkascope,
  startZookeeperEnsemble,
  stopAll,
} from "./harness.mjs";

const CLUSTER = "kafka";
const FILE_SOURCE = "org.apache.kafka.connect.file.FileStreamSourceConnector";
const FILE_SINK = "org.apache.kafka.connect.file.FileStreamSinkConnector";
/** A Connect worker and a ZooKeeper ensemble start in tens of seconds on a busy machine. */
const SLOW = 180_000;

let kafka;
let zookeeper;
let worker;
let base;
let browser;
const suffix = `${process.pid}-${Date.now() % 1_000_000}`;
const topic = `ui-connect-lines-${suffix}`;
/** Replicated on every node: a node stopped shrinks its partitions' ISRs. */
const eventsTopic = `ui-events-${suffix}`;
/** The test cluster's folder (its cluster.env names its CA at <dir>/tls/ca.pem); node N logs into <dir>/node-N/logs. */
let kafkaDir;
const api = (path) => getJson(`${base}/api/v1/clusters/${CLUSTER}${path}`);

async function createConnector(name, config) {
  const response = await fetch(`${worker.url}/connectors`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Accept: "application/json" },
    body: JSON.stringify({ name, config }),
  });
  assert.equal(response.status, 201, await response.text());
}

const taskStates = (connect, name) =>
  connect.figures.connect.clusters[0].connectors.find((c) => c.name === name)?.tasks.map((t) => t.state) ?? [];

before(async () => {
  kafka = await startKafka();
  const bootstrap = kafka.KAFKA_BOOTSTRAP;
  kafkaDir = dirname(dirname(kafka.KAFKA_CA));
  await client(bootstrap, "create-topic", ["--topic", topic, "--partitions", "2", "--replication-factor", "1"]);
  await client(bootstrap, "create-topic", ["--topic", eventsTopic, "--partitions", "3", "--replication-factor", "3"]);
  [worker, zookeeper] = await Promise.all([startConnectWorker(`surroundings-connect-${suffix}`, bootstrap), startZookeeperEnsemble({ members: 3 })]);
  const scratch = mkdtempSync(join(tmpdir(), "kafkascope-ui-files-"));
  const input = join(scratch, "input.txt");
  writeFileSync(input, Array.from({ length: 50 }, (_, i) => `line ${i}\n`).join(""));
  await createConnector("files-in", { "connector.class": FILE_SOURCE, "tasks.max": "1", file: input, topic });
  await createConnector("files-out", { "connector.class": FILE_SINK, "tasks.max": "2", file: join(scratch, "output.txt"), topics: topic });
  // Its task cannot open its file: FAILED with the Java trace.
  await createConnector("files-broken", { "connector.class": FILE_SINK, "tasks.max": "1", file: "/nonexistent-dir/out.txt", topics: topic });
  const agent = await startAgent();

  const members = Array.from({ length: 3 }, (_, i) => [`[[clusters.zookeeper.members]]`, `name = "zk${i + 1}"`, `address = "${zookeeper[`ZOOKEEPER_MEMBER_${i + 1}`]}"`]).flat();
  const config = join(scratch, "kafkascope.toml");
  writeFileSync(
    config,
    [
      "[[clusters]]",
      `name = "${CLUSTER}"`,
      `bootstrap_servers = [${bootstrap.split(",").map((b) => `"${b}"`).join(", ")}]`,
      "[clusters.connect]",
      "interval_seconds = 1",
      "[[clusters.connect.clusters]]",
      'name = "files"',
      `urls = ["${worker.url}"]`,
      "[clusters.zookeeper]",
      "interval_seconds = 1",
      ...members,
      "[clusters.node_exporter]",
      "interval_seconds = 1",
      "[[clusters.node_exporter.targets]]",
      `url = "${agent}"`,
      'host = "127.0.0.1"',
      // The nodes' own log files, read from their first line.
      "[clusters.broker_logs]",
      "interval_seconds = 1",
      ...Array.from({ length: Number(kafka.KAFKA_NODES) }, (_, id) => ["[[clusters.broker_logs.brokers]]", `broker = ${id}`, `paths = ["${join(kafkaDir, `node-${id}`, "logs")}"]`]).flat(),
      "",
    ].join("\n"),
  );
  base = await startKafkascope(bootstrap, CLUSTER, { name: "kafkascope-surroundings", config });
  await eventually(
    "the connectors' tasks in their states",
    async () => {
      const connect = await api("/connect");
      return (
        taskStates(connect, "files-in").join() === "RUNNING" &&
        taskStates(connect, "files-out").join() === "RUNNING,RUNNING" &&
        taskStates(connect, "files-broken").join() === "FAILED"
      );
    },
    SLOW,
  );
  await eventually("the sink's group caught up", async () => (await api("/groups/connect-files-out")).lag_sum === 0, SLOW);
  await eventually("every member read, one leading", async () => {
    const { ensemble } = (await api("/zookeeper")).figures.zookeeper;
    return ensemble.members_up === 3 && ensemble.leaders.length === 1 && ensemble.healthy;
  });
  await eventually("the host's log dir mounts", async () => {
    const hosts = await api("/hosts");
    return hosts.hosts[0]?.up && hosts.hosts[0].cpu?.busy_ratio != null && hosts.log_dirs.length >= 3 && hosts.log_dirs.every((d) => d.mountpoint);
  });
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopAll();
});

async function open(path) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => assert.fail(`page error: ${error.message}`));
  await page.goto(`${base}${path}`);
  await page.waitForSelector(".updated[data-status=ready]");
  return page;
}

const cell = (page, table, key, col) => page.locator(`[data-table="${table}"] tr[data-key="${key}"] td[data-col="${col}"]`);
const rowKeys = (page, table) => page.locator(`[data-table="${table}"] tbody tr[data-key]`).evaluateAll((rows) => rows.map((r) => r.dataset.key));
const tile = (page, id) => page.locator(`[data-tile="${id}"] .tile-value`).innerText();

describe("surroundings: Connect", () => {
  test("connectors by state, the failed sink's task first with its trace, each sink's group with its lag", async () => {
    const page = await open(`/clusters/${CLUSTER}/connect?refresh=off`);
    assert.equal(await page.locator('[data-section="connect"]').isVisible(), true, "Connect in the sections");
    // The broken sink's connector runs; its one task failed.
    assert.equal(await tile(page, "connectors-running"), "3");
    assert.equal(await tile(page, "connectors-failed"), "0");
    assert.equal(await page.locator('[data-tile="connectors-failed"] .tile-detail').innerText(), "connectors; 1 tasks");
    assert.deepEqual(await rowKeys(page, "connectors"), ["files-broken", "files-in", "files-out"], "failed first");

    const failure = page.locator('[data-failure="files-broken/0"]');
    assert.match(await failure.innerText(), /^task files-broken\/0 FAILED on 127\.0\.0\.1:\d+\n/);
    const summary = failure.locator("details summary");
    assert.match(
      await summary.innerText(),
      /^org\.apache\.kafka\.connect\.errors\.ConnectException: Couldn't find or create file '\/nonexistent-dir\/out\.txt' for FileStreamSinkTask/,
    );
    const full = failure.locator("details pre");
    assert.equal(await full.isVisible(), false, "folded until opened");
    await summary.click();
    assert.match(await full.innerText(), /Caused by: java\.nio\.file\.NoSuchFileException: \/nonexistent-dir\/out\.txt/);

    const workerId = worker.url.replace("http://", "");
    assert.equal(await cell(page, "connectors", "files-in", "type").innerText(), "source");
    assert.equal(await cell(page, "connectors", "files-in", "class").getAttribute("data-value"), FILE_SOURCE);
    assert.equal(await cell(page, "connectors", "files-in", "worker").innerText(), workerId);
    assert.equal(await cell(page, "connectors", "files-in", "topics").innerText(), topic);
    assert.equal(await cell(page, "connectors", "files-in", "group").innerText(), "—", "a source has no group");
    assert.equal(await cell(page, "connectors", "files-out", "type").innerText(), "sink");
    assert.equal(await cell(page, "connectors", "files-out", "state").innerText(), "RUNNING");
    assert.deepEqual(await page.locator('[data-task^="files-out/"] [data-badge]').allInnerTexts(), ["RUNNING", "RUNNING"]);
    assert.deepEqual(await page.locator('[data-task^="files-broken/"] [data-badge]').allInnerTexts(), ["FAILED"]);

    const group = await api("/groups/connect-files-out");
    const link = cell(page, "connectors", "files-out", "group").locator("a");
    assert.equal(await link.innerText(), "connect-files-out");
    assert.equal(await link.getAttribute("href"), `/clusters/${CLUSTER}/groups/connect-files-out?refresh=off`);
    assert.equal(await page.locator('[data-group-lag="connect-files-out"]').innerText(), `lag ${group.lag_sum}`);
    assert.equal(
      await cell(page, "connectors", "files-out", "group").locator("[data-badge]").innerText(),
      { OK: "OK", WARN: "WARN", ERR: "ERR", NOT_ENOUGH_DATA: "Not enough data" }[group.status],
    );
    assert.deepEqual(await rowKeys(page, "connect-workers"), [workerId]);
    assert.equal(await cell(page, "connect-workers", workerId, "status").innerText(), "up");
    assert.equal(await cell(page, "connect-workers", workerId, "tasks").innerText(), "4");

    // The sinks' lag over time, from the history.
    await eventually("the sinks' lag chart drawn", async () => {
      await page.reload();
      await page.waitForSelector(".updated[data-status=ready]");
      return (await page.locator('[data-chart="connect-sink-lag"]').getAttribute("data-state")) === "drawn";
    });
    await page.locator('[data-failure="files-broken/0"] details summary').click();
    await page.screenshot({ path: join(ARTIFACTS, "surroundings-connect.png"), fullPage: true });

    // From the connector to its group's page.
    await page.locator('[data-table="connectors"] tr[data-key="files-out"] td[data-col="group"] a').click();
    await page.waitForSelector('[data-tile="lag"]');
    assert.equal(await page.locator("h2.entity").innerText(), "connect-files-out");
    await page.context().close();
  });
});

describe("surroundings: quorum", () => {
  test("3 ZooKeeper members with one leader and the KRaft voters; a stopped member named in the verdict", async () => {
    const page = await open(`/clusters/${CLUSTER}/quorum?refresh=off`);
    const { members, ensemble } = (await api("/zookeeper")).figures.zookeeper;
    assert.deepEqual(await rowKeys(page, "zookeeper-members"), ["zk1", "zk2", "zk3"]);
    const roles = await page.locator('[data-table="zookeeper-members"] td[data-col="role"]').allInnerTexts();
    assert.deepEqual([...roles].sort(), ["follower", "follower", "leader"]);
    const [leader] = ensemble.leaders;
    assert.equal(await cell(page, "zookeeper-members", leader, "role").innerText(), "leader");
    assert.equal(await tile(page, "zk-leader"), leader);
    assert.equal(await tile(page, "zk-members"), "3 / 3");
    assert.equal(await page.locator("[data-verdict]").getAttribute("data-verdict"), "healthy");
    // The leader's synced followers, as its mntr says.
    const leading = members.find((m) => m.name === leader);
    assert.equal(leading.leader.synced_followers, 2);
    assert.equal(await cell(page, "zookeeper-members", leader, "synced").innerText(), "2");
    for (const m of members) {
      assert.equal(await cell(page, "zookeeper-members", m.name, "refused").innerText(), "none");
      assert.equal(await cell(page, "zookeeper-members", m.name, "znodes").getAttribute("data-value"), String(m.znode_count));
      assert.match(await cell(page, "zookeeper-members", m.name, "latency").innerText(), /^[\d.]+ ms \/ [\d.]+ ms$/);
    }
    // The KRaft quorum beside it.
    const { quorum } = await api("/brokers");
    assert.equal(await tile(page, "kraft-leader"), String(quorum.leader_id));
    assert.deepEqual(
      await rowKeys(page, "quorum"),
      quorum.replicas.map((r) => `${r.role}-${r.replica_id}`),
    );
    await page.screenshot({ path: join(ARTIFACTS, "surroundings-quorum.png"), fullPage: true });
    await page.context().close();

    // A follower stopped: down in its row, and the verdict says so in words.
    const follower = members.find((m) => m.name !== leader).name;
    await runZookeeperScript(["stop-member", follower.slice(2), "--dir", zookeeper.dir]);
    await eventually("the member seen down", async () => {
      const { ensemble } = (await api("/zookeeper")).figures.zookeeper;
      return ensemble.members_up === 2 && ensemble.leaders.length === 1 && ensemble.problems.some((p) => p.problem === "followers_not_synced");
    }, 60_000);
    const down = await open(`/clusters/${CLUSTER}/quorum?refresh=off`);
    assert.equal(await cell(down, "zookeeper-members", follower, "role").innerText(), "down");
    assert.equal(await down.locator("[data-verdict]").getAttribute("data-verdict"), "unhealthy");
    assert.equal(await down.locator('[data-problem="members_down"]').innerText(), `members down: ${follower}`);
    assert.equal(await down.locator('[data-problem="followers_not_synced"]').innerText(), "the leader has 1 synced follower(s) of 2");
    assert.equal(await tile(down, "zk-members"), "2 / 3");
    await down.screenshot({ path: join(ARTIFACTS, "surroundings-quorum-member-down.png"), fullPage: true });
    await down.context().close();
  });
});

describe("surroundings: events", () => {
  const topicEvents = async (kind) => (await api(`/events?kind=${kind}&limit=1000`)).events.filter((e) => e.fields.topic === eventsTopic);
  /** The partitions `events` tell of, sorted. */
  const partitions = (events) => [...new Set(events.map((e) => e.fields.partition))].sort();

  test("a node stopped and started: its partitions' ISR shrinks and expands listed, filtered from the URL, marked on the topic's charts", async () => {
    await runScript(["stop-node", "2", "--dir", kafkaDir]);
    try {
      await eventually("the ISR shrinks read from the leaders' logs", async () => partitions(await topicEvents("isr_shrink")).join() === "0,1,2", 120_000);
    } finally {
      await runScript(["start-node", "2", "--dir", kafkaDir]);
    }
    await eventually("the ISR expands", async () => partitions(await topicEvents("isr_expand")).join() === "0,1,2", 120_000);
    const shrinks = await topicEvents("isr_shrink");
    for (const e of shrinks) {
      assert.ok(!e.fields.new_isr.includes(2) && e.fields.old_isr.includes(2), JSON.stringify(e.fields));
    }

    // The test's topic only: on a cluster shared with other tests, node 2's
    // shrinks of every other topic's partitions outnumber the page.
    const page = await open(`/clusters/${CLUSTER}/events?refresh=off&kind=isr_shrink&topic=${eventsTopic}`);
    assert.equal(await page.locator('[data-control="events-kind"]').inputValue(), "isr_shrink");
    const kinds = await page.locator('[data-table="events"] td[data-col="kind"]').allInnerTexts();
    assert.ok(kinds.length >= 3 && kinds.every((k) => k === "isr shrink"), kinds.join());
    for (const e of shrinks) {
      const row = page.locator(`[data-table="events"] tr[data-key="${e.id}"]`);
      // One row a change, with every node that logged it.
      assert.equal(await row.locator('td[data-col="broker"]').innerText(), e.reported_by.join(", "));
      assert.ok(e.reported_by.includes(e.broker), JSON.stringify(e));
      assert.equal(await row.locator('[data-field="topic"]').innerText(), `topic=${eventsTopic}`);
      assert.equal(await row.locator('[data-field="partition"]').innerText(), `partition=${e.fields.partition}`);
      assert.equal(await row.locator('[data-field="new_isr"]').innerText(), `new_isr=[${e.fields.new_isr.join(",")}]`);
    }
    // Newest first.
    const times = (await page.locator('[data-table="events"] td[data-col="time"]').evaluateAll((cells) => cells.map((c) => c.dataset.value))).map(Number);
    assert.deepEqual(times, [...times].sort((a, b) => b - a));
    // The record's lines, folded until opened.
    const [first] = shrinks;
    const lines = page.locator(`[data-lines="${first.id}"]`);
    assert.equal(await lines.locator("pre").isVisible(), false);
    await lines.locator("summary").click();
    assert.equal((await lines.locator("pre").innerText()).split("\n")[0], first.lines[0]);
    // The first screen: a restarted node's shrinks make a long page.
    await page.screenshot({ path: join(ARTIFACTS, "surroundings-events.png") });

    // Another kind picked: in the URL, and only that kind listed.
    await page.locator('[data-control="events-kind"]').selectOption("isr_expand");
    await page.waitForURL(/kind=isr_expand/);
    await page.waitForSelector(".updated[data-status=ready]");
    await eventually("the expands listed", async () => {
      const shown = await page.locator('[data-table="events"] td[data-col="kind"]').allInnerTexts();
      return shown.length >= 3 && shown.every((k) => k === "isr expand");
    });
    await page.locator('[data-control="events-broker"]').selectOption("0");
    await page.waitForURL(/broker=0/);
    await eventually("broker 0's only", async () => {
      const brokers = await page.locator('[data-table="events"] td[data-col="broker"]').allInnerTexts();
      return brokers.length > 0 && brokers.every((b) => b.split(", ").includes("0"));
    });
    await page.context().close();

    // Every kind, 25 a page: the next page goes on where the first ended.
    const paged = await open(`/clusters/${CLUSTER}/events?refresh=off&size=25`);
    const total = Number(await paged.locator(".pager-range").getAttribute("data-total"));
    assert.ok(total > 25, `${total} events after a node's stop and start`);
    const rowKeys = () => paged.locator('[data-table="events"] tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.key));
    const firstPage = await rowKeys();
    assert.equal(firstPage.length, 25);
    assert.match(await paged.locator(".pager-range").innerText(), /^1–25 of /);
    await paged.click(".pager a[rel=next]");
    await paged.waitForURL(/[?&]page=1(&|$)/);
    await paged.waitForSelector(".updated[data-status=ready]");
    assert.match(await paged.locator(".pager-range").innerText(), /^26–/);
    const [secondFirst] = await rowKeys();
    assert.ok(secondFirst && !firstPage.includes(secondFirst), `${secondFirst} after ${firstPage}`);
    await paged.context().close();

    // The topic's charts mark its partitions' ISR changes and elections.
    const topicPage = await open(`/clusters/${CLUSTER}/topics/${eventsTopic}?refresh=off`);
    await eventually("the topic's chart drawn with its marks", async () => {
      await topicPage.reload();
      await topicPage.waitForSelector(".updated[data-status=ready]");
      return (await topicPage.locator('[data-chart="topic-messages-in"]').getAttribute("data-state")) === "drawn";
    });
    const marks = await topicPage.locator('[data-chart="topic-messages-in"] [data-event-mark]').evaluateAll((m) => m.map((x) => x.dataset.eventMark));
    const end = Number(await topicPage.locator('[data-chart="topic-messages-in"]').getAttribute("data-end")) * 1000;
    const marked = (await api(`/events?limit=1000&until=${end}&topic=${eventsTopic}`)).events.filter((e) => e.fields.topic === eventsTopic);
    assert.deepEqual(
      [...marks].sort(),
      marked.map((e) => e.kind).sort(),
      "one mark per event on the topic's partitions",
    );
    assert.equal(marks.filter((k) => k === "isr_shrink").length, shrinks.length);
    await topicPage.screenshot({ path: join(ARTIFACTS, "surroundings-topic-event-marks.png"), fullPage: true });
    await topicPage.context().close();
  });
});

describe("surroundings: nothing configured", () => {
  test("each page says which section of the config to add", async () => {
    const bare = await startKafkascope(kafka.KAFKA_BOOTSTRAP, CLUSTER, { history: false, name: "kafkascope-bare" });
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
    const page = await context.newPage();
    page.on("pageerror", (error) => assert.fail(`page error: ${error.message}`));
    const at = async (path) => {
      await page.goto(`${bare}/clusters/${CLUSTER}${path}?refresh=off`);
      await page.waitForSelector(".updated[data-status=ready]");
    };
    await at("/connect");
    assert.match(await page.locator('[data-empty="connect"]').innerText(), /\[clusters\.connect\]/);
    assert.match(await page.locator('[data-empty="connect"] .config-example').innerText(), /^\[clusters\.connect\]\n\[\[clusters\.connect\.clusters\]\]\n/);
    await page.screenshot({ path: join(ARTIFACTS, "surroundings-connect-not-configured.png") });
    await at("/events");
    assert.match(await page.locator('[data-empty="broker_logs"]').innerText(), /\[clusters\.broker_logs\]/);
    await at("/brokers");
    assert.match(await page.locator('[data-empty="node_exporter"]').innerText(), /\[clusters\.node_exporter\]/);
    assert.equal(await page.locator('[data-chart^="host-"]').count(), 3, "the charts stay hidden");
    assert.equal(await page.locator('[data-chart^="host-"]').first().isVisible(), false);
    assert.equal(await page.locator('[data-section="connect"]').isVisible(), false, "no Connect section without Connect");
    await at("/quorum");
    // A KRaft cluster without ZooKeeper: the KRaft quorum alone, no hint to add one.
    assert.equal(await page.locator('[data-panel="zookeeper"]').isVisible(), false);
    assert.equal(await page.locator('[data-panel="kraft"]').isVisible(), true);
    await page.screenshot({ path: join(ARTIFACTS, "surroundings-quorum-kraft-only.png"), fullPage: true });
    await context.close();
  });
});

/** The mount point holding `path`, as df says. */
function mountOf(path) {
  return execFileSync("df", ["--output=target", path], { encoding: "utf8" }).trim().split("\n")[1];
}

describe("surroundings: hosts", () => {
  test("each broker beside its host: CPU, memory, load, its log dirs' mounts as df names them, network, history", async () => {
    const page = await open(`/clusters/${CLUSTER}/brokers?refresh=off`);
    const { brokers } = await api("/brokers");
    const hosts = await api("/hosts");
    assert.deepEqual(await rowKeys(page, "broker-hosts"), brokers.map((b) => String(b.id)));
    const memTotal = Number(/MemTotal:\s+(\d+) kB/.exec(execFileSync("cat", ["/proc/meminfo"], { encoding: "utf8" }))[1]) * 1024;
    const cpus = Number(execFileSync("nproc", ["--all"], { encoding: "utf8" }).trim());
    for (const b of brokers) {
      assert.equal(await cell(page, "broker-hosts", b.id, "host").innerText(), "127.0.0.1");
      assert.match(await cell(page, "broker-hosts", b.id, "cpu").innerText(), new RegExp(`^\\d+%\\n${cpus} CPUs$`));
      assert.match(await cell(page, "broker-hosts", b.id, "memory").innerText(), new RegExp(`\\nof ${formatBytes(memTotal).replace(".", "\\.")}$`));
      assert.match(await cell(page, "broker-hosts", b.id, "load").innerText(), /^\d+\.\d\d \/ \d+\.\d\d \/ \d+\.\d\d$/);
      assert.match(await cell(page, "broker-hosts", b.id, "network").innerText(), /B\/s \/ .*B\/s$/);
      for (const dir of b.log_dirs) {
        const shown = page.locator(`[data-table="broker-hosts"] tr[data-key="${b.id}"] [data-log-dir="${dir.path}"]`);
        assert.equal(await shown.getAttribute("data-mount"), mountOf(dir.path));
        const joined = hosts.log_dirs.find((d) => d.broker === b.id && d.log_dir === dir.path);
        assert.equal(await shown.locator(".usage-label").innerText(), `${mountOf(dir.path)} ${Math.round(joined.used_ratio * 100)}% of ${formatBytes(joined.size_bytes)}`);
        assert.equal(await shown.locator(".usage-mark").count(), 2, "the 85 and 95 % marks");
      }
    }
    await eventually("the host charts drawn", async () => {
      await page.reload();
      await page.waitForSelector(".updated[data-status=ready]");
      const states = await page.locator('[data-chart^="host-"]').evaluateAll((charts) => charts.map((c) => c.dataset.state));
      return states.length === 4 && states.every((s) => s === "drawn");
    });
    assert.equal(await page.locator('[data-chart="host-cpu"]').getAttribute("data-series"), "1");
    await page.screenshot({ path: join(ARTIFACTS, "surroundings-brokers-hosts.png"), fullPage: true });
    await page.context().close();
  });
});

/** As the UI's `bytes` writes them: "512 B", "3.4 MB". */
function formatBytes(value) {
  if (value < 1000) return `${Math.round(value)} B`;
  const units = ["", "k", "M", "G", "T", "P"];
  let v = value;
  let unit = 0;
  while (v >= 1000 && unit < units.length - 1) {
    v /= 1000;
    unit += 1;
  }
  const digits = v >= 100 ? 0 : v >= 10 ? 1 : 2;
  return `${Number(v.toFixed(digits))} ${units[unit]}B`;
}
