// The web UI at the size the project is built for: 1,000 topics of 10
// partitions and 1,000 consumer groups with committed offsets, built fast by
// the benchmark's bench/build_cluster.py on a tansu broker of its own. Every
// list must be searched, sorted and paged by the server: the browser's
// traffic is watched and no answer may carry the whole cluster. How long each
// page took to show its table is printed, not asserted (it depends on the
// machine). Screenshots go to test-artifacts/ui/scale-*.png.

import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";

import {
  ARTIFACTS, buildCluster, eventually, getJson, launchBrowser, startKafkascope, startTansu, stopAll,
} from "./harness.mjs";

const CLUSTER = "scale";
const TOPICS = 1000;
const PARTITIONS = 10;
const GROUPS = 1000;
const GROUP_PARTITIONS = 20;
const RECORDS = 3;
/** The lists' default page size (ui/src/pager.ts). */
const PAGE = 50;
/** Partitions per page of a topic or group page (ui/src/list_controls.ts). */
const PARTITION_PAGE = 100;

// What bench/build_cluster.py builds, restated: its names, the partitions
// each group commits on and where.
const topicName = (i) => `bench-topic-${String(i).padStart(5, "0")}`;
const groupName = (i) => `bench-group-${String(i).padStart(5, "0")}`;
function groupPartitions(g) {
  const total = TOPICS * PARTITIONS;
  const start = (g * GROUP_PARTITIONS) % total;
  return Array.from({ length: Math.min(GROUP_PARTITIONS, total) }, (_, k) => {
    const flat = (start + k) % total;
    return { topic: Math.floor(flat / PARTITIONS), partition: flat % PARTITIONS };
  });
}
const committedAt = (g, t, p) => (g + t + p) % RECORDS;
/** Every partition holds RECORDS records from offset 0. */
const groupLag = (g) => groupPartitions(g).reduce((sum, { topic, partition }) => sum + RECORDS - committedAt(g, topic, partition), 0);
const groupTopics = (g) => [...new Set(groupPartitions(g).map(({ topic }) => topicName(topic)))];

const ALL_TOPICS = Array.from({ length: TOPICS }, (_, i) => topicName(i));
const ALL_GROUPS = Array.from({ length: GROUPS }, (_, g) => g);

let base;
let browser;
/** Bytes of the full, unpaged topic and group listings. */
let fullTopicBytes;
let fullGroupBytes;
/** [what, milliseconds until its table showed], printed at the end. */
const timings = [];

const api = (path) => getJson(`${base}/api/v1/clusters/${CLUSTER}${path}`);

before(async () => {
  const bootstrap = await startTansu({ name: "tansu-scale" });
  const started = Date.now();
  await buildCluster(bootstrap, { TOPICS, PARTITIONS, GROUPS, GROUP_PARTITIONS, RECORDS });
  console.log(`built ${TOPICS} topics x ${PARTITIONS} partitions and ${GROUPS} groups in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  // A 5 s interval: in a debug build a cycle over this cluster keeps tansu
  // and kafkascope busy for about a second, and the browser shares the machine.
  base = await startKafkascope(bootstrap, CLUSTER, { name: "kafkascope-scale", interval: 5 });
  await eventually("every topic, partition and group collected with its lag", async () => {
    const summary = await api("");
    if (summary.topic_count !== TOPICS || summary.partition_count !== TOPICS * PARTITIONS || summary.group_count !== GROUPS) return false;
    const groups = await api("/groups");
    return groups.groups.every((g) => g.lag_sum !== null) && groups.groups.length === GROUPS;
  }, 120_000);
  // The group page's lag chart needs two cycles of history.
  await eventually("two cycles of a group's lag in history", async () => {
    const end = Math.floor(Date.now() / 1000);
    const query = `kafka_consumergroup_lag_sum{cluster="${CLUSTER}",consumergroup="${groupName(733)}"}`;
    const answer = await getJson(`${base}/api/v1/query_range?${new URLSearchParams({ query, start: end - 300, end, step: 1 })}`);
    return answer.data.result.length === 2 && answer.data.result.every((s) => s.values.length >= 2);
  }, 60_000);
  const size = async (path) => (await (await fetch(`${base}/api/v1/clusters/${CLUSTER}${path}`)).arrayBuffer()).byteLength;
  [fullTopicBytes, fullGroupBytes] = await Promise.all([size("/topics"), size("/groups")]);
  console.log(`full listings: topics ${fullTopicBytes} bytes, groups ${fullGroupBytes} bytes`);
  assert.ok(fullTopicBytes > fullGroupBytes / 10, "an answer with every topic would break the bound on any answer");
  browser = await launchBrowser();
}, { timeout: 300_000 });

after(async () => {
  if (timings.length) {
    console.log("time until each page showed its table (ms):");
    for (const [name, ms] of timings) console.log(`  ${name.padEnd(36)} ${String(ms).padStart(6)}`);
  }
  await browser?.close();
  await stopAll();
});

/** Every /api/ answer a page got: URL, status, body text. */
const traffic = new WeakMap();

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: "light" });
  const page = await context.newPage();
  page.on("pageerror", (error) => assert.fail(`page error: ${error.message}`));
  const answers = [];
  traffic.set(page, answers);
  page.on("response", (response) => {
    const url = new URL(response.url());
    if (!url.pathname.startsWith("/api/")) return;
    answers.push({ url, status: response.status(), request: response.request(), body: response.text().catch(() => "") });
  });
  return page;
}

const rowKeys = (page, table) => page.locator(`[data-table="${table}"] tbody tr[data-key]`).evaluateAll((rows) => rows.map((r) => r.dataset.key));
const cell = (page, table, key, col) => page.locator(`[data-table="${table}"] tr[data-key="${key}"] td[data-col="${col}"]`);
const text = (page, selector) => page.locator(selector).innerText();
const shot = (page, name) => page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage: true });

/**
 * Runs `action` and waits until `table` shows exactly `keys` (or, given a
 * number, that many rows); records how long that took.
 */
async function timed(name, page, table, keys, action) {
  const started = Date.now();
  await action();
  await page.waitForFunction(
    ([table, keys]) => {
      const rows = [...document.querySelectorAll(`[data-table="${table}"] tbody tr[data-key]`)].map((r) => r.dataset.key);
      if (typeof keys === "number") return rows.length === keys;
      return rows.length === keys.length && rows.every((key, i) => key === keys[i]);
    },
    [table, keys],
    { timeout: 60_000 },
  );
  const ms = Date.now() - started;
  timings.push([name, ms]);
  await page.waitForSelector(".updated[data-status=ready]");
  return ms;
}

const LIST = new RegExp(`^/api/v1/clusters/${CLUSTER}/(topics|groups)$`);
const DETAIL = new RegExp(`^/api/v1/clusters/${CLUSTER}/(topics|groups)/[^/]+$`);
/** Where a detail answer carries its page of partitions. */
const DETAIL_ROWS = { topics: "partitions", groups: "offsets" };

/**
 * What no answer may carry at this size. A page of 50 of 1,000 is a
 * twentieth, so every list answer must stay under a tenth of its full
 * listing, and ask for a page (`limit`). Any answer at all must stay under
 * a tenth of the full group listing (the larger one): all 1,000 topics or
 * 10,000 partitions in any shape the API has would be several times that.
 * Names are counted too, since a bare list of every name would be small: at
 * most 100 distinct topics (a page of groups names two topics each) and 50
 * groups in one answer, and at most 100 partitions. A topic or group page
 * asks for one page of its partitions (`limit`) and gets no more.
 */
async function assertNothingFetchesEverything(page) {
  const answers = traffic.get(page);
  assert.ok(answers.length > 0, "the page called the API");
  let largest = { bytes: 0 };
  let slowest = { ms: 0 };
  for (const answer of answers) {
    const body = await answer.body;
    const bytes = Buffer.byteLength(body);
    const where = `${answer.url.pathname}${answer.url.search}`;
    assert.equal(answer.status, 200, `${where}: HTTP ${answer.status}`);
    if (bytes > largest.bytes) largest = { bytes, where };
    const ms = answer.request.timing().responseEnd;
    if (ms > slowest.ms) slowest = { ms: Math.round(ms), where };
    const list = answer.url.pathname.match(LIST);
    if (list) {
      const limit = answer.url.searchParams.get("limit");
      assert.ok(limit !== null && Number(limit) <= PAGE, `${where}: asks for a page, not the whole list`);
      const json = JSON.parse(body);
      assert.ok(json[list[1]].length <= Number(limit), `${where}: ${json[list[1]].length} items for limit ${limit}`);
      const full = list[1] === "topics" ? fullTopicBytes : fullGroupBytes;
      assert.ok(bytes < full / 10, `${where}: ${bytes} bytes, the full listing is ${full}`);
    }
    const detail = answer.url.pathname.match(DETAIL);
    if (detail) {
      assert.equal(answer.url.searchParams.get("limit"), String(PARTITION_PAGE), `${where}: asks for a page of partitions`);
      const rows = JSON.parse(body)[DETAIL_ROWS[detail[1]]];
      assert.ok(rows.length <= PARTITION_PAGE, `${where}: ${rows.length} partitions`);
    }
    assert.ok(bytes < fullGroupBytes / 10, `${where}: ${bytes} bytes, a tenth of all groups is ${fullGroupBytes / 10}`);
    const distinct = (pattern) => new Set(body.match(pattern) ?? []).size;
    assert.ok(distinct(/bench-topic-\d{5}/g) <= 2 * PAGE, `${where}: ${distinct(/bench-topic-\d{5}/g)} topics`);
    assert.ok(distinct(/bench-group-\d{5}/g) <= PAGE, `${where}: ${distinct(/bench-group-\d{5}/g)} groups`);
    const partitions = (body.match(/"partition":/g) ?? []).length;
    assert.ok(partitions <= 100, `${where}: ${partitions} partitions`);
  }
  return `largest answer ${largest.bytes} bytes (${largest.where}); slowest ${slowest.ms} ms (${slowest.where})`;
}

/** The list requests a page made, as URLs. */
const listRequests = (page, list) => traffic.get(page).filter((a) => a.url.pathname === `/api/v1/clusters/${CLUSTER}/${list}`).map((a) => a.url);

describe("works with 10,000 partitions and 1,000 groups (server-side filtering, sorting and paging; no page fetches everything)", () => {
  test("the topics list counts 1,000 topics, pages, sorts and searches on the server", async (t) => {
    const page = await newPage();
    await timed("topics, first page", page, "topics", ALL_TOPICS.slice(0, PAGE),
      () => page.goto(`${base}/clusters/${CLUSTER}/topics?refresh=off`));
    assert.equal(await text(page, ".pager-range"), "1–50 of 1,000 topics");
    assert.equal(await text(page, ".pager-page"), "Page 1 of 20");
    for (const name of [ALL_TOPICS[0], ALL_TOPICS[PAGE - 1]]) {
      assert.equal(await cell(page, "topics", name, "partitions").innerText(), String(PARTITIONS));
    }
    await shot(page, "scale-topics");

    // Name, A to Z, then Z to A; then the third page.
    const byNameDesc = ALL_TOPICS.slice().reverse();
    await timed("topics, sorted by name", page, "topics", ALL_TOPICS.slice(0, PAGE),
      () => page.click('[data-table="topics"] th a[data-sort="name"]'));
    await timed("topics, sorted by name descending", page, "topics", byNameDesc.slice(0, PAGE),
      () => page.click('[data-table="topics"] th a[data-sort="name"]'));
    await page.waitForURL(/sort=name&order=desc/);
    await timed("topics, page 2", page, "topics", byNameDesc.slice(PAGE, 2 * PAGE), () => page.click(".pager a[rel=next]"));
    await timed("topics, page 3", page, "topics", byNameDesc.slice(2 * PAGE, 3 * PAGE), () => page.click(".pager a[rel=next]"));
    await page.waitForURL(/page=2/);
    assert.deepEqual((await rowKeys(page, "topics")).slice(0, 2), ["bench-topic-00899", "bench-topic-00898"]);
    assert.equal(await text(page, ".pager-range"), "101–150 of 1,000 topics");
    assert.equal(await text(page, "th.sorted"), "TOPIC ▼");
    const third = listRequests(page, "topics").at(-1);
    assert.deepEqual(Object.fromEntries(third.searchParams), { sort: "name", order: "desc", offset: "100", limit: String(PAGE) });
    await shot(page, "scale-topics-page-3");

    // A substring, not a prefix: "0012" is in bench-topic-00012 and
    // bench-topic-00120 to 00129. The server filters; the page keeps the sort.
    const matching = byNameDesc.filter((name) => name.includes("0012"));
    assert.equal(matching.length, 11);
    await timed("topics, searched", page, "topics", matching, () => page.fill("[data-control=filter]", "0012"));
    assert.equal(await text(page, ".pager-range"), "1–11 of 11 topics");
    const searched = traffic.get(page).findLast((a) => a.url.pathname === `/api/v1/clusters/${CLUSTER}/topics`);
    assert.deepEqual(Object.fromEntries(searched.url.searchParams), { filter: "0012", sort: "name", order: "desc", offset: "0", limit: String(PAGE) });
    const answer = JSON.parse(await searched.body);
    assert.deepEqual([answer.total, answer.topics.map((topic) => topic.name)], [11, matching]);
    await shot(page, "scale-topics-search");

    t.diagnostic(await assertNothingFetchesEverything(page));
    await page.context().close();
  });

  test("the consumer groups list counts 1,000 groups and sorts them by lag on the server", async (t) => {
    const page = await newPage();
    await timed("groups, first page", page, "groups", ALL_GROUPS.slice(0, PAGE).map(groupName),
      () => page.goto(`${base}/clusters/${CLUSTER}/groups?refresh=off`));
    assert.equal(await text(page, ".pager-range"), "1–50 of 1,000 groups");
    assert.equal(await text(page, ".pager-page"), "Page 1 of 20");
    for (const g of [0, 1, PAGE - 1]) {
      assert.equal(await cell(page, "groups", groupName(g), "lag").innerText(), String(groupLag(g)));
      assert.equal(await cell(page, "groups", groupName(g), "topics").innerText(), groupTopics(g).join(", "));
      assert.equal(await cell(page, "groups", groupName(g), "members").innerText(), "0");
      assert.equal(await cell(page, "groups", groupName(g), "state").innerText(), "Empty");
    }
    await shot(page, "scale-groups");

    // Lag, largest first, then smallest first; ties stay in name order. The
    // groups committed from 500 on sit one record further along on their
    // first topic (the topics wrap round), so they lag 40 and the rest 41.
    const byLag = (order) => ALL_GROUPS.slice().sort((a, b) => order * (groupLag(a) - groupLag(b)) || a - b).map(groupName);
    assert.deepEqual([groupLag(0), groupLag(499), groupLag(500), groupLag(999)], [41, 41, 40, 40]);
    await timed("groups, sorted by lag descending", page, "groups", byLag(-1).slice(0, PAGE),
      () => page.click('[data-table="groups"] th a[data-sort="lag"]'));
    await page.waitForURL(/sort=lag&order=desc/);
    await timed("groups, sorted by lag ascending", page, "groups", byLag(1).slice(0, PAGE),
      () => page.click('[data-table="groups"] th a[data-sort="lag"]'));
    await page.waitForURL(/sort=lag&order=asc/);
    await timed("groups, lag ascending, page 2", page, "groups", byLag(1).slice(PAGE, 2 * PAGE), () => page.click(".pager a[rel=next]"));
    assert.deepEqual((await rowKeys(page, "groups")).slice(0, 1), ["bench-group-00550"]);
    assert.equal(await cell(page, "groups", "bench-group-00550", "lag").innerText(), "40");
    assert.equal(await text(page, ".pager-range"), "51–100 of 1,000 groups");
    const second = listRequests(page, "groups").at(-1);
    assert.deepEqual(Object.fromEntries(second.searchParams), { sort: "lag", order: "asc", offset: "50", limit: String(PAGE) });
    await shot(page, "scale-groups-by-lag");

    const matching = byLag(1).filter((name) => name.includes("0099"));
    assert.equal(matching.length, 11);
    await timed("groups, searched", page, "groups", matching, () => page.fill("[data-control=filter]", "0099"));
    assert.equal(await text(page, ".pager-range"), "1–11 of 11 groups");
    const searched = listRequests(page, "groups").at(-1);
    assert.deepEqual(Object.fromEntries(searched.searchParams), { filter: "0099", sort: "lag", order: "asc", offset: "0", limit: String(PAGE) });

    t.diagnostic(await assertNothingFetchesEverything(page));
    await page.context().close();
  });

  test("a group page shows the lag of its 20 partitions", async (t) => {
    const g = 733;
    const partitions = groupPartitions(g);
    const keys = partitions.map(({ topic, partition }) => `${topicName(topic)}/${partition}`);
    assert.deepEqual(groupTopics(g), ["bench-topic-00466", "bench-topic-00467"]);
    const page = await newPage();
    // The last 5 minutes hold all of this serve's history.
    await timed("group page, last 5 minutes", page, "group-partitions", keys,
      () => page.goto(`${base}/clusters/${CLUSTER}/groups/${groupName(g)}?refresh=off&range=5m`));
    for (const { topic, partition } of partitions) {
      const row = (col) => cell(page, "group-partitions", `${topicName(topic)}/${partition}`, col);
      const committed = committedAt(g, topic, partition);
      assert.equal(await row("committed").innerText(), String(committed));
      assert.equal(await row("latest").innerText(), String(RECORDS));
      assert.equal(await row("lag").innerText(), String(RECORDS - committed));
    }
    assert.equal(await text(page, '[data-tile="lag"] .tile-value'), String(groupLag(g)));
    assert.equal(await text(page, '[data-tile="lag"] .tile-detail'), `max ${RECORDS} on one partition`);
    assert.equal(await text(page, '[data-tile="members"] .tile-value'), "0");
    const detail = traffic.get(page).find((a) => a.url.pathname === `/api/v1/clusters/${CLUSTER}/groups/${groupName(g)}`);
    assert.deepEqual(Object.fromEntries(detail.url.searchParams), { offset: "0", limit: String(PARTITION_PAGE) });
    const answer = JSON.parse(await detail.body);
    assert.deepEqual([answer.partitions_total, answer.partitions_offset, answer.offsets.length], [GROUP_PARTITIONS, 0, GROUP_PARTITIONS]);
    assert.equal(await page.locator(".pager").count(), 0, "one page holds them all");
    // The lag chart draws one line per topic, at the lag committed above.
    await page.waitForSelector('[data-chart="group-lag"][data-state="drawn"]');
    const span = await page.locator('[data-chart="group-lag"]').evaluate((chart) => [Number(chart.dataset.end) - Number(chart.dataset.start), chart.dataset.step]);
    assert.deepEqual(span, [300, "1"]);
    const topicLag = (which) => partitions.filter(({ topic }) => topic === which).reduce((sum, { topic, partition }) => sum + RECORDS - committedAt(g, topic, partition), 0);
    const legend = await page.locator('[data-chart="group-lag"] .u-legend .u-series').evaluateAll((rows) =>
      rows.map((r) => [r.querySelector(".u-label")?.textContent, r.querySelector(".u-value")?.textContent]));
    assert.deepEqual(legend, [["Time", "latest"], ["bench-topic-00466", String(topicLag(466))], ["bench-topic-00467", String(topicLag(467))]]);
    assert.equal(topicLag(466) + topicLag(467), groupLag(g));
    await shot(page, "scale-group");

    t.diagnostic(await assertNothingFetchesEverything(page));
    await page.context().close();
  });

  test("the overview, brokers and topic pages sum up 10,000 partitions without listing them", async (t) => {
    const page = await newPage();
    await timed("overview", page, "worst-groups", 10, () => page.goto(`${base}/clusters/${CLUSTER}?refresh=off`));
    // Lag in seconds moves every cycle: the rows are those of the page's own answer.
    const worst = traffic.get(page).find((a) => a.url.pathname.endsWith("/groups") && a.url.searchParams.get("limit") === "10");
    assert.deepEqual(Object.fromEntries(worst.url.searchParams), { sort: "lag_seconds", order: "desc", limit: "10" });
    assert.deepEqual(await rowKeys(page, "worst-groups"), JSON.parse(await worst.body).groups.map((g) => g.name));
    assert.equal(await text(page, '[data-tile="topics"] .tile-value'), "1k");
    assert.equal(await text(page, '[data-tile="topics"] .tile-detail'), "10,000 partitions");
    assert.equal(await text(page, '[data-tile="groups"] .tile-value'), "1k");
    assert.equal(await text(page, ".overview .panel-head a"), "All 1,000 groups ›");
    await shot(page, "scale-overview");

    const { brokers } = await api("/brokers");
    await timed("brokers", page, "brokers", brokers.map((b) => String(b.id)), () => page.click('[data-section="brokers"]'));
    assert.equal(brokers.length, 1);
    assert.equal(await cell(page, "brokers", brokers[0].id, "partitions").getAttribute("data-value"), String(TOPICS * PARTITIONS));
    assert.equal(await cell(page, "brokers", brokers[0].id, "leaders").innerText(), "10k");
    await shot(page, "scale-brokers");

    const topic = topicName(466);
    await timed("topic page", page, "partitions", Array.from({ length: PARTITIONS }, (_, p) => String(p)),
      () => page.goto(`${base}/clusters/${CLUSTER}/topics/${topic}?refresh=off`));
    for (let p = 0; p < PARTITIONS; p += 1) {
      assert.equal(await cell(page, "partitions", p, "latest").innerText(), String(RECORDS));
      assert.equal(await cell(page, "partitions", p, "messages").innerText(), String(RECORDS));
    }
    await shot(page, "scale-topic");

    t.diagnostic(await assertNothingFetchesEverything(page));
    await page.context().close();
  });
});
