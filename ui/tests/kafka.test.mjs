// Browser tests of the pages that show what only a real Apache Kafka cluster
// has (see harness.mjs startKafka): the KRaft metadata quorum on the brokers
// page, checked against the JSON API and Kafka's own kafka-metadata-quorum,
// a KIP-848 consumer group beside a classic one on the groups pages, and
// what the nodes' and a Java consumer's JMX agents report: the brokers'
// throughput and request times, and the consumer alive, then dead once
// killed, on the clients page and its group's page.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";

import { ARTIFACTS, client, eventually, getJson, javaClientWithJmx, launchBrowser, runScript, startKafka, startKafkascope, stopAll } from "./harness.mjs";

const CLUSTER = "kafka";
const TOPIC = "ui-kafka-orders";

let kafka;
let base;
let browser;
let consumer;
const api = (path) => getJson(`${base}/api/v1/clusters/${CLUSTER}${path}`);

before(async () => {
  kafka = await startKafka();
  const bootstrap = kafka.KAFKA_BOOTSTRAP;
  await client(bootstrap, "create-topic", ["--topic", TOPIC, "--partitions", "2", "--replication-factor", "3"]);
  await client(bootstrap, "produce", ["--topic", TOPIC, "--partition", "0", "--count", "6"]);
  await client(bootstrap, "consume-commit", ["--group", "ui-classic", "--topic", TOPIC, "--count", "2"]);
  await client(bootstrap, "consume-commit", ["--group", "ui-kip848", "--topic", TOPIC, "--count", "3", "--config", "group.protocol=consumer"]);
  consumer = await javaClientWithJmx("ui-jmx-consumer", "org.apache.kafka.tools.consumer.ConsoleConsumer", [
    "--bootstrap-server", bootstrap, "--topic", TOPIC, "--group", "jmx-ui", "--consumer-property", "client.id=ui-jmx-consumer",
  ]);
  const pages = kafka.KAFKA_JMX_EXPORTER.split(",").map((url, id) => `${id}=${url}`);
  const jmx = ["--jmx-exporter", [...pages, consumer.url].join(",")];
  base = await startKafkascope(bootstrap, CLUSTER, { history: false, name: "kafkascope-kafka", extraArgs: jmx });
  await eventually("both groups in a snapshot", async () => (await api("/groups")).groups.filter((g) => g.name.startsWith("ui-")).length === 2);
  await eventually("the consumer read through its agent", async () => {
    const res = await fetch(`${base}/api/v1/clusters/${CLUSTER}/clients`);
    return res.ok && (await res.json()).clients.some((c) => c.client_id === "ui-jmx-consumer" && c.liveness.alive && c.liveness.groups.includes("jmx-ui"));
  }, 60_000);
  browser = await launchBrowser();
});

after(async () => {
  await browser?.close();
  await stopAll();
});

async function open(path, at = base) {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  const page = await context.newPage();
  page.on("pageerror", (error) => assert.fail(`page error: ${error.message}`));
  await page.goto(`${at}${path}`);
  await page.waitForSelector(".updated[data-status=ready]");
  return page;
}

const cell = (page, table, key, col) => page.locator(`[data-table="${table}"] tr[data-key="${key}"] td[data-col="${col}"]`);
const rowKeys = (page, table) => page.locator(`[data-table="${table}"] tbody tr[data-key]`).evaluateAll((rows) => rows.map((r) => r.dataset.key));

describe("kafka: brokers", () => {
  test("the metadata quorum's leader is the active controller, as kafka-metadata-quorum says", async () => {
    const status = await runScript([
      "tool", "org.apache.kafka.tools.MetadataQuorumCommand", "--bootstrap-server", kafka.KAFKA_BOOTSTRAP, "describe", "--status",
    ]);
    const field = (name) => status.split("\n").find((l) => l.startsWith(`${name}:`)).split(":").slice(1).join(":").trim();
    const leader = Number(field("LeaderId"));
    const voters = JSON.parse(field("CurrentVoters")).map((v) => v.id).sort();

    const page = await open(`/clusters/${CLUSTER}/brokers?refresh=off`);
    const { brokers, quorum, controller } = await api("/brokers");
    assert.equal(controller, leader);
    assert.equal(quorum.leader_id, leader);
    assert.deepEqual(await rowKeys(page, "quorum"), voters.map((id) => `voter-${id}`));
    assert.match(await page.locator("[data-quorum=summary]").innerText(), new RegExp(`^leader ${leader}, epoch ${quorum.leader_epoch}, `));
    for (const b of brokers) {
      const role = b.id === leader ? "leader" : "voter";
      assert.equal(await cell(page, "brokers", b.id, "quorum").innerText(), role);
      assert.equal(await cell(page, "quorum", `voter-${b.id}`, "role").innerText(), "voter");
      // Every node's data dir sits on a real volume with a known capacity.
      assert.match(await cell(page, "brokers", b.id, "volume").innerText(), /^\d+(\.\d+)?%$/);
    }
    assert.equal(await page.locator('[data-tile="controller"] .tile-value').innerText(), String(leader));
    await page.screenshot({ path: join(ARTIFACTS, "kafka-brokers.png"), fullPage: true });
    await page.context().close();
  });
});

describe("kafka: JMX", () => {
  test("each broker's throughput, Produce p99 and handler idle share, as its JMX page says", async () => {
    const page = await open(`/clusters/${CLUSTER}/brokers?refresh=off`);
    const poll = await api("/jmx");
    const { brokers } = await api("/brokers");
    for (const b of brokers) {
      const node = poll.figures.jmx.nodes.find((n) => n.node_id === b.id);
      assert.ok(node.up, `node ${b.id}`);
      // A one-minute average, read again each second: the page's and this
      // later read may differ by a little.
      const idle = node.broker.request_handler_idle_ratio * 100;
      const shown = await cell(page, "brokers", b.id, "handler_idle").innerText();
      assert.match(shown, /^\d+%$/);
      assert.ok(Math.abs(parseInt(shown, 10) - idle) <= 3, `node ${b.id}: ${shown} vs ${idle}`);
      assert.match(await cell(page, "brokers", b.id, "bytes_in").innerText(), /B\/s$/);
    }
    assert.match(await page.locator('[data-tile="bytes_in"] .tile-value').innerText(), /B\/s$/);
    await page.screenshot({ path: join(ARTIFACTS, "kafka-brokers-jmx.png"), fullPage: true });
    await page.context().close();
  });

  test("a Java consumer alive, then dead once killed, on the clients page and on its group's page", async () => {
    const page = await open(`/clusters/${CLUSTER}/clients?refresh=off`);
    const row = "consumer-ui-jmx-consumer";
    assert.equal(await cell(page, "clients", row, "state").innerText(), "alive");
    assert.equal(await cell(page, "clients", row, "groups").innerText(), "jmx-ui");
    await page.screenshot({ path: join(ARTIFACTS, "kafka-clients.png"), fullPage: true });
    await page.context().close();

    consumer.child.kill("SIGKILL");
    await eventually("the killed consumer judged dead", async () => {
      const { clients } = await api("/clients");
      return clients.some((c) => c.client_id === "ui-jmx-consumer" && !c.liveness.alive);
    });
    const dead = await open(`/clusters/${CLUSTER}/clients?refresh=off`);
    assert.match(await cell(dead, "clients", row, "state").innerText(), /^dead\nits JMX page cannot be read: (connect failed|HTTP exchange failed): /);
    assert.equal((await rowKeys(dead, "clients"))[0], row, "dead first");
    await dead.context().close();
    const group = await open(`/clusters/${CLUSTER}/groups/jmx-ui?refresh=off`);
    assert.match(await cell(group, "group-clients", "ui-jmx-consumer", "state").innerText(), /^dead\n/);
    await group.screenshot({ path: join(ARTIFACTS, "kafka-group-dead-consumer.png"), fullPage: true });
    await group.context().close();
  });
});

describe("kafka: groups", () => {
  test("a KIP-848 group is listed and shown beside a classic one, with its type", async () => {
    const page = await open(`/clusters/${CLUSTER}/groups?refresh=off&q=ui-`);
    assert.deepEqual(await rowKeys(page, "groups"), ["ui-classic", "ui-kip848"]);
    assert.equal(await cell(page, "groups", "ui-classic", "type").innerText(), "classic");
    assert.equal(await cell(page, "groups", "ui-kip848", "type").innerText(), "consumer");
    const detail = await api("/groups/ui-kip848");
    assert.equal(detail.type, "consumer");
    assert.equal(await cell(page, "groups", "ui-kip848", "lag").getAttribute("data-value"), String(detail.lag_sum));
    await page.screenshot({ path: join(ARTIFACTS, "kafka-groups.png"), fullPage: true });
    await page.context().close();

    const group = await open(`/clusters/${CLUSTER}/groups/ui-kip848?refresh=off`);
    assert.equal(await group.locator('[data-tile="type"] .tile-value').innerText(), "consumer");
    await group.context().close();
  });
});

describe("kafka: alerts", () => {
  test("a firing rule is listed with its summary and counted beside Alerts; a failing rule shows its error", async () => {
    const rules = join(mkdtempSync(join(tmpdir(), "kafkascope-ui-rules-")), "rules.yml");
    writeFileSync(
      rules,
      [
        "groups:",
        "  - name: ui",
        "    rules:",
        "      - alert: UiGroupLagging",
        '        expr: kafkascope_consumergroup_total_lag{consumergroup="ui-classic"} > 1',
        "        labels:",
        "          severity: critical",
        "        annotations:",
        '          summary: "{{ $labels.consumergroup }} lags by {{ $value }} records"',
        "      - alert: UiBroken",
        "        expr: kafkascope_consumergroup_total_lag + on(cluster) kafkascope_consumergroup_total_lag",
        "",
      ].join("\n"),
    );
    // Notifications go to a port nobody listens on: they fail, and the page says so.
    const config = join(dirname(rules), "kafkascope.toml");
    writeFileSync(
      config,
      [
        "[[clusters]]",
        `name = "${CLUSTER}"`,
        `bootstrap_servers = [${kafka.KAFKA_BOOTSTRAP.split(",").map((b) => `"${b}"`).join(", ")}]`,
        "[alerts]",
        "default_rules = false",
        `rule_files = ["${rules}"]`,
        "[alerts.notify.retry]",
        "attempts = 1",
        "[alerts.notify.route]",
        'receiver = "ops-hook"',
        'group_wait = "0s"',
        "[alerts.notify.receivers.ops-hook]",
        'type = "webhook"',
        'url = "http://127.0.0.1:1/hook"',
        "",
      ].join("\n"),
    );
    const alerting = await startKafkascope(kafka.KAFKA_BOOTSTRAP, CLUSTER, { name: "kafkascope-alerts", config });
    await eventually("the rule to fire", async () =>
      (await getJson(`${alerting}/api/v1/alerts`)).data.alerts.some((a) => a.labels.alertname === "UiGroupLagging" && a.state === "firing"),
    );
    const page = await open(`/clusters/${CLUSTER}/alerts?refresh=off`, alerting);
    const key = JSON.stringify({ alertname: "UiGroupLagging", cluster: CLUSTER, consumergroup: "ui-classic", severity: "critical" });
    assert.deepEqual(await rowKeys(page, "alerts"), [key]);
    const row = page.locator('[data-table="alerts"] tbody tr').first();
    assert.equal(await row.locator('td[data-col="state"]').innerText(), "firing");
    // 4 on a fresh cluster; a kept one has more from earlier runs.
    const lag = (await api("/groups/ui-classic")).lag_sum;
    assert.equal(await row.locator('td[data-col="summary"]').innerText(), `ui-classic lags by ${lag} records\nconsumergroup=ui-classic`);
    assert.equal(await row.locator('td[data-col="value"]').innerText(), String(lag));
    assert.equal(await page.locator("[data-alert-count]").getAttribute("data-alert-count"), "1");
    assert.equal(await page.locator('[data-tile="firing"] .tile-value').innerText(), "1");
    const broken = page.locator('[data-table="rules"] [data-rule-error="UiBroken"]');
    assert.match(await broken.innerText(), /many/);
    await eventually("the failed notification", async () => (await getJson(`${alerting}/api/v1/notifications`)).receivers["ops-hook"].failed >= 1);
    await page.reload();
    await page.waitForSelector(".updated[data-status=ready]");
    assert.equal(await cell(page, "receivers", "ops-hook", "kind").innerText(), "webhook");
    assert.match(await page.locator('[data-receiver-error="ops-hook"]').innerText(), /^connect failed: Connection refused/, "the error, never the secret URL");
    const changes = await page.locator('[data-table="alert-events"] tbody tr td[data-col="state"]').allInnerTexts();
    assert.deepEqual(changes, ["firing"]);

    // The group's page and the overview show the alert that concerns them.
    for (const path of [`/clusters/${CLUSTER}/groups/ui-classic?refresh=off`, `/clusters/${CLUSTER}?refresh=off`]) {
      const other = await open(path, alerting);
      assert.match(await other.locator('[data-panel="concerning-alerts"] [data-alert="UiGroupLagging"]').innerText(), /^firing UiGroupLagging ui-classic lags by \d+ records$/);
      await other.context().close();
    }
    const topicPage = await open(`/clusters/${CLUSTER}/topics/${TOPIC}?refresh=off`, alerting);
    assert.equal(await topicPage.locator('[data-panel="concerning-alerts"] li').count(), 0, "the alert has no topic label");
    await topicPage.context().close();

    // Acknowledged from the page: silenced until it resolves, listed with who did it.
    page.once("dialog", (dialog) => dialog.accept("ana"));
    await page.locator('[data-table="alerts"] [data-control="acknowledge"]').click();
    await eventually("the alert silenced", async () =>
      (await getJson(`${alerting}/api/v1/alerts`)).data.alerts.some((a) => a.labels.alertname === "UiGroupLagging" && a.silencedBy?.length === 1),
    );
    await page.reload();
    await page.waitForSelector(".updated[data-status=ready]");
    assert.deepEqual(await row.locator('td[data-col="state"] [data-badge]').allInnerTexts(), ["firing", "silenced"]);
    const [ack] = (await getJson(`${alerting}/api/v1/silences`)).silences;
    assert.equal(ack.created_by, "ana");
    assert.equal(await cell(page, "silences", ack.id, "kind").innerText(), "acknowledgement");
    assert.equal(await cell(page, "silences", ack.id, "until").innerText(), "resolved");
    await page.screenshot({ path: join(ARTIFACTS, "kafka-alerts.png"), fullPage: true });

    // A silence from the form, prefilled from the alert; a bad one is refused with the server's reason.
    await page.locator('[data-control="silence-alert"]').click();
    assert.match(await page.locator('[data-control="silence-matchers"]').inputValue(), /^alertname=UiGroupLagging\ncluster=kafka\n/);
    await page.locator('[data-control="silence-comment"]').fill("");
    await page.locator('[data-control="silence-create"]').click();
    await page.waitForSelector("[data-silence-message] .badge");
    assert.match(await page.locator("[data-silence-message]").innerText(), /^refused comment: say why the alerts are silenced/);
    await page.locator('[data-control="silence-comment"]').fill("load test");
    await page.locator('[data-control="silence-create"]').click();
    await eventually("two silences", async () => (await getJson(`${alerting}/api/v1/silences`)).silences.length === 2);

    // Ending the acknowledgement from its row.
    await page.locator(`[data-control="expire-${ack.id}"]`).click();
    await eventually("the acknowledgement expired", async () =>
      (await getJson(`${alerting}/api/v1/silences`)).silences.find((s) => s.id === ack.id).state === "expired",
    );
    await page.context().close();
  });
});

describe("kafka: login", () => {
  // bcrypt (cost 4) of "ui-secret", made with the bcrypt crate kafkascope checks with.
  const HASH = "$2b$04$P133i6rQvD46Et.DmowFqeqmqlYq7vGHt3ltrBHtLWVXJ4z3NdpJW";

  test("with basic auth on, the browser is asked to log in and the UI works once logged in", async () => {
    const web = join(mkdtempSync(join(tmpdir(), "kafkascope-ui-web-")), "web.yml");
    writeFileSync(web, `basic_auth_users:\n  ana: ${HASH}\n`);
    const secured = await startKafkascope(kafka.KAFKA_BOOTSTRAP, CLUSTER, {
      history: false,
      name: "kafkascope-login",
      extraArgs: ["--web.config.file", web],
    });

    // Without credentials the page asks for them (a browser shows its login prompt).
    const asked = await fetch(`${secured}/clusters/${CLUSTER}`);
    assert.equal(asked.status, 401);
    assert.equal(asked.headers.get("www-authenticate"), 'Basic realm="kafkascope"');

    // A wrong password is refused (Chromium gives up the navigation itself).
    const basic = (user) => ({ Authorization: `Basic ${Buffer.from(user).toString("base64")}` });
    assert.equal((await fetch(`${secured}/api/v1/clusters`, { headers: basic("ana:guess") })).status, 401);
    assert.equal((await fetch(`${secured}/api/v1/clusters`, { headers: basic("ana:ui-secret") })).status, 200);

    const ana = await browser.newContext({ httpCredentials: { username: "ana", password: "ui-secret" }, viewport: { width: 1440, height: 900 } });
    const page = await ana.newPage();
    page.on("pageerror", (error) => assert.fail(`page error: ${error.message}`));
    await page.goto(`${secured}/clusters/${CLUSTER}/groups?refresh=off&q=ui-`);
    await page.waitForSelector(".updated[data-status=ready]");
    assert.deepEqual(await rowKeys(page, "groups"), ["ui-classic", "ui-kip848"]);
    assert.ok(!(await page.content()).includes(HASH), "the hash never reaches the browser");
    await ana.close();
  });
});
