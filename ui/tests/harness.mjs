// The world the browser tests run against: a real tansu broker, real
// librdkafka clients (tests/clients/kafka_client.py) writing a known set of
// records and commits plus live traffic, `kafkascope serve` watching it, and
// Debian's Chromium driven by playwright-core.
//
// Binaries come from the environment when set (KAFKASCOPE_BIN,
// KAFKASCOPE_TANSU_BIN, KAFKASCOPE_PYTHON, KAFKASCOPE_CHROMIUM), else from
// where scripts/install-test-deps.sh and cargo put them.

import { spawn } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createServer, connect } from "node:net";
import { homedir, tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

import { chromium } from "playwright-core";

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "../..");
export const ARTIFACTS = process.env.KAFKASCOPE_UI_ARTIFACTS ?? join(REPO, "test-artifacts", "ui");
const CLIENT = join(REPO, "tests/clients/kafka_client.py");
const BUILD_CLUSTER = join(REPO, "bench/build_cluster.py");

function kafkascopeBin() {
  if (process.env.KAFKASCOPE_BIN) return process.env.KAFKASCOPE_BIN;
  const built = ["debug", "release"]
    .map((profile) => join(REPO, "target", profile, "kafkascope"))
    .filter((path) => existsSync(path))
    .sort((a, b) => statSync(b).mtimeMs - statSync(a).mtimeMs);
  if (!built.length) throw new Error("no kafkascope binary: run `cargo build -p kafkascope` or set KAFKASCOPE_BIN");
  return built[0];
}

function tansuBin() {
  if (process.env.KAFKASCOPE_TANSU_BIN) return process.env.KAFKASCOPE_TANSU_BIN;
  const cache = process.env.KAFKASCOPE_CACHE ?? join(homedir(), ".cache", "kafkascope");
  const bin = join(cache, "tansu-0.6.0", "bin", "tansu");
  if (!existsSync(bin)) throw new Error(`no tansu at ${bin}: run scripts/install-test-deps.sh or set KAFKASCOPE_TANSU_BIN`);
  return bin;
}

const sleep = (ms) => new Promise((done) => setTimeout(done, ms));

export function freePort() {
  return new Promise((done, fail) => {
    const server = createServer();
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => done(port));
    });
  });
}

function accepts(port) {
  return new Promise((done) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => {
      socket.destroy();
      done(true);
    });
    socket.once("error", () => done(false));
  });
}

/** Polls `probe` until it returns a truthy value or `ms` pass. */
export async function eventually(what, probe, ms = 30_000) {
  const deadline = Date.now() + ms;
  let last;
  for (;;) {
    try {
      const value = await probe();
      if (value) return value;
      last = value;
    } catch (error) {
      last = error;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${last?.message ?? JSON.stringify(last)}`);
    await sleep(250);
  }
}

/** Runs the client script to completion; resolves with its JSON output. */
export function client(bootstrap, command, args) {
  const python = process.env.KAFKASCOPE_PYTHON ?? "python3";
  return new Promise((done, fail) => {
    const child = spawn(python, [CLIENT, command, "--bootstrap", bootstrap, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", fail);
    child.on("exit", (code) =>
      code === 0 ? done(JSON.parse(out || "null")) : fail(new Error(`kafka_client.py ${command} exited ${code}: ${err}`)),
    );
  });
}

/**
 * Builds the benchmark's synthetic cluster (bench/build_cluster.py: topics
 * `bench-topic-NNNNN`, groups `bench-group-NNNNN` with committed offsets and
 * no members) on `bootstrap`; `sizes` are its BENCH_* variables. Its log goes
 * to `build-cluster.log` beside the others.
 */
export function buildCluster(bootstrap, sizes) {
  const python = process.env.KAFKASCOPE_PYTHON ?? "python3";
  const env = { ...process.env };
  for (const [name, value] of Object.entries(sizes)) env[`BENCH_${name}`] = String(value);
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = openSync(join(ARTIFACTS, "build-cluster.log"), "w");
  return new Promise((done, fail) => {
    const child = spawn(python, [BUILD_CLUSTER, bootstrap], { stdio: ["ignore", log, log], env });
    children.push(child);
    child.on("error", fail);
    child.on("exit", (code) =>
      code === 0 ? done() : fail(new Error(`build_cluster.py exited ${code}; see ${join(ARTIFACTS, "build-cluster.log")}`)),
    );
  });
}

/** Processes started here, killed by `stopAll`. */
const children = [];
/** History folders made here, removed by `stopAll` once their serve is gone. */
const dataDirs = [];

function background(name, bin, args) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const log = openSync(join(ARTIFACTS, `${name}.log`), "w");
  // tansu and kafkascope read these as flags; an inherited value would
  // change the broker or where history goes.
  const env = { ...process.env };
  delete env.SCHEMA_REGISTRY;
  delete env.OTEL_EXPORTER_OTLP_ENDPOINT;
  delete env.KAFKASCOPE_DATA_DIR;
  delete env.KAFKASCOPE_NO_HISTORY;
  const child = spawn(bin, args, { stdio: ["ignore", log, log], env });
  children.push(child);
  return child;
}

/** Starts a tansu broker with in-memory storage; `name` names its log file. */
export async function startTansu({ name = "tansu" } = {}) {
  const port = await freePort();
  const listener = `tcp://127.0.0.1:${port}`;
  const child = background(name, tansuBin(), [
    "broker", "--cluster-id", "kafkascope-ui-test",
    "--listener-url", listener, "--advertised-listener-url", listener,
    "--storage-engine", "memory://tansu/",
  ]);
  await eventually("tansu to listen", async () => child.exitCode === null && (await accepts(port)));
  return `127.0.0.1:${port}`;
}

/**
 * A real Apache Kafka cluster (testbed/kafka-cluster.sh): the one
 * scripts/test.sh started for every suite ($KAFKASCOPE_KAFKA_CLUSTER), else
 * (or when `own`) a 3-node cluster of its own, killed by `stopAll`. Resolves with its
 * cluster.env as an object (KAFKA_BOOTSTRAP, KAFKA_JMX_EXPORTER...).
 */
export async function startKafka({ own = false } = {}) {
  let dir = own ? undefined : process.env.KAFKASCOPE_KAFKA_CLUSTER;
  if (!dir) {
    dir = mkdtempSync(join(tmpdir(), "kafkascope-ui-kafka-"));
    ownClusters.push(dir);
    await startOwnKafka(dir);
  }
  const env = {};
  for (const line of readFileSync(join(dir, "cluster.env"), "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

/**
 * Starts a 3-node cluster in `dir` on the first of a few port ranges that
 * is free (the shared cluster, or another suite's, may hold one).
 */
async function startOwnKafka(dir) {
  const first = 20_000 + (process.pid % 20) * 1000;
  let failure;
  for (const base of [first, first + 20_000, first + 1_000]) {
    try {
      await runScript(["start", "--dir", dir, "--port-base", String(base)]);
      return;
    } catch (error) {
      failure = error;
      await runScript(["kill", "--dir", dir]).catch(() => {});
    }
  }
  throw failure;
}

/** Runs testbed/kafka-cluster.sh to completion (its own tools too). */
export function runScript(args) {
  return new Promise((done, fail) => {
    const child = spawn("bash", [join(REPO, "testbed", "kafka-cluster.sh"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? done(out) : fail(new Error(`kafka-cluster.sh ${args.join(" ")} exited ${code}: ${err}`))));
  });
}

/** Kafka clusters started here, killed by `stopAll`. */
const ownClusters = [];

/**
 * One of Kafka's own Java clients (`mainClass` with `args`) in the
 * background with the JMX exporter agent and the test bed's client rules,
 * its page at the returned URL; the child is returned to be killed.
 */
export async function javaClientWithJmx(name, mainClass, args) {
  const port = await freePort();
  const child = background(name, "bash", [join(REPO, "testbed", "kafka-cluster.sh"), "tool", "--jmx-exporter", String(port), mainClass, ...args]);
  return { child, url: `http://127.0.0.1:${port}/metrics` };
}

/** Runs the client script in the background (produce-loop, consume-loop). */
export function clientInBackground(name, bootstrap, command, args) {
  const python = process.env.KAFKASCOPE_PYTHON ?? "python3";
  return background(name, python, [CLIENT, command, "--bootstrap", bootstrap, ...args]);
}

/**
 * Starts `kafkascope serve` collecting every `interval` seconds (1 unless
 * told). With history (the default) it keeps it in a fresh temporary folder,
 * never the repository's; `history: false` passes `--no-history`. `name`
 * names its log file; `config` serves a config file instead of `bootstrap`
 * and `cluster`.
 */
export async function startKafkascope(bootstrap, cluster, { history = true, name = "kafkascope", interval = 1, extraArgs = [], config = null } = {}) {
  const port = await freePort();
  let historyArgs = ["--no-history"];
  if (history) {
    const dir = mkdtempSync(join(tmpdir(), "kafkascope-ui-test-"));
    dataDirs.push(dir);
    historyArgs = ["--data-dir", dir];
  }
  // A config file names the cluster and its brokers itself.
  const target = config ? ["--config", config] : ["--bootstrap-server", bootstrap, "--cluster-name", cluster];
  background(name, kafkascopeBin(), [
    "serve", ...target,
    "--listen", `127.0.0.1:${port}`, "--interval", String(interval), ...historyArgs, ...extraArgs,
  ]);
  const base = `http://127.0.0.1:${port}`;
  await eventually("kafkascope to be ready", async () => (await fetch(`${base}/readyz`)).ok);
  return base;
}

export async function getJson(url) {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`${url}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
}

export async function launchBrowser() {
  const executablePath = process.env.KAFKASCOPE_CHROMIUM ?? ["/usr/bin/chromium", "/usr/bin/chromium-browser"].find(existsSync);
  if (!executablePath) throw new Error("no Chromium: apt-get install chromium, or set KAFKASCOPE_CHROMIUM");
  // --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start.
  return chromium.launch({ executablePath, args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"] });
}

export async function stopAll() {
  await stopEnsembles();
  for (const dir of ownClusters.splice(0)) {
    await runScript(["kill", "--dir", dir]).catch(() => {});
    rmSync(dir, { recursive: true, force: true });
  }
  for (const child of children.reverse()) {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      await Promise.race([new Promise((done) => child.once("exit", done)), sleep(3000)]);
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    }
  }
  for (const dir of dataDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
}

/**
 * A distributed Kafka Connect worker of its own Connect cluster (`name` is
 * its group.id and names its storage topics) on `bootstrap`, its REST API
 * on a free port; resolves once that answers. Returns the child and the
 * REST URL.
 */
export async function startConnectWorker(name, bootstrap) {
  const rest = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "kafkascope-ui-connect-"));
  dataDirs.push(dir);
  const properties = join(dir, "worker.properties");
  writeFileSync(
    properties,
    [
      `bootstrap.servers=${bootstrap}`,
      `group.id=${name}`,
      "key.converter=org.apache.kafka.connect.storage.StringConverter",
      "value.converter=org.apache.kafka.connect.storage.StringConverter",
      `offset.storage.topic=${name}-offsets`,
      `config.storage.topic=${name}-configs`,
      `status.storage.topic=${name}-status`,
      "offset.storage.replication.factor=1",
      "config.storage.replication.factor=1",
      "status.storage.replication.factor=1",
      "offset.flush.interval.ms=1000",
      `listeners=http://127.0.0.1:${rest}`,
      "",
    ].join("\n"),
  );
  const { child } = await javaClientWithJmx(`connect-${name}`, "org.apache.kafka.connect.cli.ConnectDistributed", [properties]);
  const url = `http://127.0.0.1:${rest}`;
  // A worker starts in 10-30 s on a busy machine.
  await eventually("the Connect worker's REST API", async () => child.exitCode === null && (await fetch(`${url}/connectors`)).ok, 180_000);
  return { child, url };
}

/** ZooKeeper ensembles started here, killed by `stopAll`. */
const ensembles = [];

/** Runs testbed/zookeeper-ensemble.sh to completion. */
export function runZookeeperScript(args) {
  return new Promise((done, fail) => {
    const child = spawn("bash", [join(REPO, "testbed", "zookeeper-ensemble.sh"), ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let err = "";
    child.stderr.on("data", (chunk) => (err += chunk));
    child.on("error", fail);
    child.on("exit", (code) => (code === 0 ? done() : fail(new Error(`zookeeper-ensemble.sh ${args.join(" ")} exited ${code}: ${err}`))));
  });
}

/**
 * A real ZooKeeper ensemble of `members` (testbed/zookeeper-ensemble.sh) in
 * a folder of its own on the first of a few port ranges that is free;
 * resolves with its ensemble.env as an object and its folder (`dir`).
 */
export async function startZookeeperEnsemble({ members = 3 } = {}) {
  const dir = mkdtempSync(join(tmpdir(), "kafkascope-ui-zookeeper-"));
  ensembles.push(dir);
  // Above the test Kafka clusters' ports (20000-31799) and below the
  // ephemeral range (32768 on): a port some client connection was given
  // cannot then keep a member from binding (members use base+i, +20+i, +40+i).
  const first = 31_800 + (process.pid % 10) * 50;
  let failure;
  for (const base of [first, first + 470]) {
    try {
      await runZookeeperScript(["start", "--dir", dir, "--port-base", String(base), "--members", String(members)]);
      failure = null;
      break;
    } catch (error) {
      failure = error;
      await runZookeeperScript(["kill", "--dir", dir]).catch(() => {});
    }
  }
  if (failure) throw failure;
  const env = { dir };
  for (const line of readFileSync(join(dir, "ensemble.env"), "utf8").split("\n")) {
    const at = line.indexOf("=");
    if (at > 0) env[line.slice(0, at)] = line.slice(at + 1);
  }
  return env;
}

/** Kills the ensembles started here (called by `stopAll`). */
export async function stopEnsembles() {
  for (const dir of ensembles.splice(0)) {
    await runZookeeperScript(["kill", "--dir", dir]).catch(() => {});
    keepMemberLogs(dir);
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Each member's log into the artifacts, for a run that went wrong. */
function keepMemberLogs(dir) {
  if (!existsSync(dir)) return;
  mkdirSync(ARTIFACTS, { recursive: true });
  for (const member of readdirSync(dir).filter((name) => name.startsWith("member-"))) {
    for (const file of ["zookeeper.log", "stdout.log"]) {
      const from = join(dir, member, "logs", file);
      if (existsSync(from)) copyFileSync(from, join(ARTIFACTS, `zookeeper-${member}-${file}`));
    }
  }
}

/** `kafkascope agent` serving this host's figures as node_exporter would; resolves with its page's URL. */
export async function startAgent({ name = "kafkascope-agent" } = {}) {
  const port = await freePort();
  background(name, kafkascopeBin(), ["agent", "--listen", `127.0.0.1:${port}`]);
  const url = `http://127.0.0.1:${port}/metrics`;
  await eventually("the agent to answer", async () => (await fetch(url)).ok);
  return url;
}
