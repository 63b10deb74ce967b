#!/usr/bin/env bash
# Installs what the tests and the demo need, skipping whatever is present:
#   - Node.js 20+ and npm (Debian packages nodejs, npm), to build the web UI,
#   - promtool (Debian package prometheus), alertmanager (prometheus-alertmanager,
#     which the notifiers' tests push alerts to), stunnel (stunnel4) and
#     Chromium (chromium, driven by the UI's browser tests), node_exporter
#     (prometheus-node-exporter, the reference for kafkascope agent's page),
#   - confluent-kafka 2.x and aiosmtpd (the notifiers' tests' SMTP server) for
#     $KAFKASCOPE_PYTHON (default python3),
#   - Java 17+ and Maven (Debian packages openjdk-17-jre-headless, maven) and
#     openssl, then Apache Kafka's jars for the test bed, resolved once with
#     Maven by testbed/kafka-cluster.sh into
#     ${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}/kafka-<version>,
#   - the tansu 0.6.0 broker, built once into
#     ${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}/tansu-0.6.0.
#
# Usage: scripts/install-test-deps.sh [--clients-only]
#   --clients-only   skip promtool, alertmanager, stunnel, Chromium, aiosmtpd and tansu
#                    (enough for scripts/demo.sh)
#
# Progress goes to stderr; the only line on stdout is the tansu binary's path.
set -euo pipefail

TANSU_VERSION=0.6.0
CACHE="${KAFKASCOPE_CACHE:-$HOME/.cache/kafkascope}"
TANSU_ROOT="$CACHE/tansu-$TANSU_VERSION"
TANSU_BIN="$TANSU_ROOT/bin/tansu"
PYTHON="${KAFKASCOPE_PYTHON:-python3}"

log() { echo "install-test-deps: $*" >&2; }
die() { log "error: $*"; exit 1; }

clients_only=false
case "${1:-}" in
  "") ;;
  --clients-only) clients_only=true ;;
  *) die "unknown argument: $1 (usage: $0 [--clients-only])" ;;
esac

as_root() {
  if [ "$(id -u)" -eq 0 ]; then
    "$@"
  elif command -v sudo >/dev/null; then
    sudo "$@"
  else
    die "need root (or sudo) to run: $*"
  fi
}

install_apt_packages() {
  local missing=()
  if ! "$clients_only"; then
    command -v promtool >/dev/null || missing+=(prometheus)
    # Debian names the binary prometheus-alertmanager; upstream builds, alertmanager.
    command -v prometheus-alertmanager >/dev/null || command -v alertmanager >/dev/null ||
      missing+=(prometheus-alertmanager)
    command -v stunnel4 >/dev/null || command -v stunnel >/dev/null || missing+=(stunnel4)
    command -v chromium >/dev/null || missing+=(chromium)
    # node_exporter, which kafkascope agent's page is checked against.
    command -v prometheus-node-exporter >/dev/null || missing+=(prometheus-node-exporter)
  fi
  command -v java >/dev/null || missing+=(openjdk-17-jre-headless)
  command -v mvn >/dev/null || missing+=(maven)
  command -v openssl >/dev/null || missing+=(openssl)
  command -v node >/dev/null || missing+=(nodejs)
  command -v npm >/dev/null || missing+=(npm)
  "$PYTHON" -m pip --version >/dev/null 2>&1 || missing+=(python3-pip)
  if [ "${#missing[@]}" -eq 0 ]; then
    return
  fi
  command -v apt-get >/dev/null || die "apt-get not found; install these yourself: ${missing[*]}"
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq >&2
  as_root env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2
}

check_node_version() {
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  # Vite needs Node 20.19 or later.
  [ "$major" -ge 20 ] || die "Node.js $(node --version) is too old to build the web UI; install Node.js 20 or later"
}

install_confluent_kafka() {
  local check='import confluent_kafka, sys; sys.exit(not confluent_kafka.version().startswith("2."))'
  if "$PYTHON" -c "$check" 2>/dev/null; then
    return
  fi
  log "pip install confluent-kafka 2.x"
  # Debian marks its python as externally managed; this is a test machine.
  PIP_BREAK_SYSTEM_PACKAGES=1 "$PYTHON" -m pip install --quiet --disable-pip-version-check \
    'confluent-kafka>=2,<3' >&2
}

install_aiosmtpd() {
  if "$PYTHON" -c 'import aiosmtpd' 2>/dev/null; then
    return
  fi
  log "pip install aiosmtpd"
  PIP_BREAK_SYSTEM_PACKAGES=1 "$PYTHON" -m pip install --quiet --disable-pip-version-check \
    'aiosmtpd>=1.4,<2' >&2
}

install_rust_components() {
  if cargo fmt --version >/dev/null 2>&1 && cargo clippy --version >/dev/null 2>&1; then
    return
  fi
  command -v rustup >/dev/null || die "cargo fmt/clippy missing and rustup not found"
  log "rustup component add rustfmt clippy"
  rustup component add rustfmt clippy >&2
}

check_java_version() {
  local major
  major="$(java -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
  [ "${major%%.*}" -ge 17 ] 2>/dev/null || die "Java ${major:-?} is too old for Apache Kafka 4; install Java 17 or later"
}

install_kafka() {
  log "Apache Kafka jars: $(bash "$(dirname "${BASH_SOURCE[0]}")/../testbed/kafka-cluster.sh" install)"
}

install_tansu() {
  if [ -x "$TANSU_BIN" ]; then
    return
  fi
  mkdir -p "$CACHE"
  # One build at a time, also across concurrent runs sharing the cache.
  exec 9>"$CACHE/tansu.lock"
  flock 9
  if [ ! -x "$TANSU_BIN" ]; then
    log "building tansu $TANSU_VERSION into $TANSU_ROOT (takes 10-15 minutes on 2 cores)"
    cargo install --quiet tansu --version "$TANSU_VERSION" --features dynostore,libsql \
      --root "$TANSU_ROOT" >&2
  fi
  flock -u 9
  [ -x "$TANSU_BIN" ] || die "cargo install finished but $TANSU_BIN is missing"
}

command -v "$PYTHON" >/dev/null || die "$PYTHON not found; install Python 3 or set KAFKASCOPE_PYTHON"
install_apt_packages
check_node_version
check_java_version
install_kafka
install_confluent_kafka
install_rust_components
if ! "$clients_only"; then
  install_aiosmtpd
  install_tansu
  log "tansu: $TANSU_BIN"
  echo "$TANSU_BIN"
fi
