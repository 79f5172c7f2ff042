#!/usr/bin/env bash
# Runs the live suite (tests/live) against real Kratos servers, v26.2.0 and
# master, each on a throwaway PostgreSQL: what production Kratos runs on.
#
#   tests/live/real-kratos.sh                 # both versions
#   tests/live/real-kratos.sh v26.2.0         # one of them
#   KRATOS_BIN_DIR=~/Downloads tests/live/real-kratos.sh
#   tests/live/real-kratos.sh --serve v26.2.0 # start them and wait (Ctrl-C stops)
#
# Binaries come from KRATOS_BIN_DIR (default ../shared/kratos, beside the
# repository): either the xz-compressed builds found there
# (kratos-v26.2.0-linux-amd64.xz, kratos-master-<commit>-linux-amd64.xz) or
# plain executables named kratos-v26.2.0 and kratos-master (Ory's release
# downloads, renamed). With none found it says so and exits 0.
#
# Per version it starts two servers (a source and a migration target, each
# with an admin and a public port and a database of its own), migrates their
# schemas, runs `cargo test --test live` against them, and stops them. The
# PostgreSQL server and every Kratos are stopped on exit, whatever happened.
# It prints one line per version, and exits non-zero if a test failed or a
# server did not start (after showing the tail of its log).
#
# Environment:
#   KRATOS_BIN_DIR      where the binaries are (default ../shared/kratos)
#   KRATOS_REAL_DB=sqlite  run on SQLite files instead of PostgreSQL, with
#                       the DSN the README gives (SQLITE_DSN_OPTIONS)
#   KRATOS_REAL_KEEP=1  keep the work folder (logs, databases) after the run
#   CARGO_TEST_ARGS     extra arguments for `cargo test --test live`
#                       (e.g. "--release", or "-- import" for one module)
set -uo pipefail

repo=$(cd "$(dirname "$0")/../.." && pwd)
bin_dir=${KRATOS_BIN_DIR:-$repo/../shared/kratos}
serve_only=0
versions=()
for arg in "$@"; do
  case "$arg" in
    --serve) serve_only=1 ;;
    -h|--help) sed -n '2,30p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    v26.2.0|master) versions+=("$arg") ;;
    *) echo "real-kratos.sh: unknown argument $arg (versions: v26.2.0, master)" >&2; exit 2 ;;
  esac
done
[ ${#versions[@]} -gt 0 ] || versions=(v26.2.0 master)

say() { printf 'real-kratos: %s\n' "$*" >&2; }

# The binary of one version, as a path to an executable ("" if none).
find_binary() {
  local version=$1 found
  for found in "$bin_dir/kratos-$version" "$bin_dir/kratos-$version-linux-amd64"; do
    [ -f "$found" ] && [ -x "$found" ] && { echo "$found"; return; }
  done
  found=$(ls "$bin_dir"/kratos-"$version"-*.xz "$bin_dir"/kratos-"$version".xz 2>/dev/null | head -1)
  [ -n "$found" ] && echo "$found"
}

available=()
for version in "${versions[@]}"; do
  [ -n "$(find_binary "$version")" ] && available+=("$version")
done
if [ ${#available[@]} -eq 0 ]; then
  echo "real Kratos: no binaries in $bin_dir (set KRATOS_BIN_DIR); skipped"
  exit 0
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/real-kratos.XXXXXX")
chmod 755 "$work"
pids=()
pg_data="$work/pg"
pg_ctl_bin=""
as_pg=()

cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null; done
  if [ -n "$pg_ctl_bin" ] && [ -f "$pg_data/postmaster.pid" ]; then
    "${as_pg[@]}" "$pg_ctl_bin" -D "$pg_data" -m immediate stop >/dev/null 2>&1
  fi
  if [ "${KRATOS_REAL_KEEP:-}" = 1 ]; then say "kept $work"; else rm -rf "$work"; fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A TCP port nobody listens on now.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Waits until `url` answers 200, or the process `pid` died, or 60 s passed.
wait_ready() {
  local url=$1 pid=$2 _
  for _ in $(seq 600); do
    curl -fsS -o /dev/null "$url" 2>/dev/null && return 0
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

fail_with_log() {
  say "$1"
  [ -f "$2" ] && tail -n 30 "$2" | sed 's/^/    /' >&2
  exit 1
}

# --- PostgreSQL -------------------------------------------------------------

database=${KRATOS_REAL_DB:-postgres}
# SQLite serializes writers: without a busy timeout a write that meets
# another answers `500 database is locked` at once. Both drivers (v26.2.0's
# mattn/go-sqlite3, master's modernc.org/sqlite behind Ory's pop) read
# _busy_timeout (milliseconds) and _fk; WAL lets readers go on while one
# writes.
sqlite_options=${SQLITE_DSN_OPTIONS:-_fk=true&mode=rwc&_busy_timeout=60000&_journal_mode=WAL}

pg_bin=""
[ "$database" = sqlite ] && pg_bin=none
for dir in /usr/lib/postgresql/*/bin; do
  [ -x "$dir/initdb" ] && pg_bin=$dir
done
if [ "$database" = sqlite ]; then
  :
elif [ -z "$pg_bin" ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  say "installing PostgreSQL with apt"
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql) >"$work/apt.log" 2>&1 \
    || fail_with_log "could not install PostgreSQL" "$work/apt.log"
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/initdb" ] && pg_bin=$dir
  done
fi
[ -n "$pg_bin" ] || { say "PostgreSQL's initdb was not found (apt-get install postgresql)"; exit 1; }
if [ "$database" = postgres ]; then
pg_ctl_bin="$pg_bin/pg_ctl"
if [ "$(id -u)" = 0 ]; then
  # PostgreSQL refuses to run as root.
  id postgres >/dev/null 2>&1 || useradd --system --no-create-home postgres
  chown postgres "$work"
  as_pg=(runuser -u postgres --)
fi
pg_port=$(free_port)
"${as_pg[@]}" "$pg_bin/initdb" -D "$pg_data" -A trust -U postgres --no-sync >"$work/initdb.log" 2>&1 \
  || fail_with_log "initdb failed" "$work/initdb.log"
# fsync off: a throwaway database, many times faster on small disks.
"${as_pg[@]}" "$pg_ctl_bin" -D "$pg_data" -l "$work/postgres.log" -w \
  -o "-h 127.0.0.1 -p $pg_port -k $pg_data -F -c max_connections=200" start >/dev/null 2>&1 \
  || fail_with_log "PostgreSQL did not start" "$work/postgres.log"
pg_url="postgres://postgres@127.0.0.1:$pg_port"
fi

# --- Kratos -------------------------------------------------------------------

# Unpacks (or copies) the binary of a version into the work folder.
install_kratos() {
  local version=$1 source target="$work/kratos-$1"
  source=$(find_binary "$version")
  case "$source" in
    *.xz) xz -dc "$source" >"$target" || return 1 ;;
    *) cp "$source" "$target" || return 1 ;;
  esac
  chmod 755 "$target"
  echo "$target"
}

# Starts one Kratos: name, binary. Sets ADMIN_URL and PUBLIC_URL.
start_kratos() {
  local name=$1 kratos=$2 db="kratos_${1//[^a-z0-9]/_}" admin public log="$work/$1.log" pid
  admin=$(free_port)
  public=$(free_port)
  # The schemas' file:// URLs are relative to the folder Kratos runs in.
  local dir="$work/$name"
  mkdir -p "$dir"
  cp "$repo"/tests/live/kratos.yml "$repo"/tests/live/*.schema.json "$dir"/
  if [ "$database" = sqlite ]; then
    export DSN="sqlite://$dir/db.sqlite?$sqlite_options"
  else
    "${as_pg[@]}" "$pg_bin/psql" -q -h 127.0.0.1 -p "$pg_port" -U postgres -c "CREATE DATABASE $db" >>"$log" 2>&1 \
      || fail_with_log "$name: could not create its database" "$log"
    export DSN="$pg_url/$db?sslmode=disable&max_conns=40&max_idle_conns=20"
  fi
  export SERVE_ADMIN_PORT=$admin SERVE_PUBLIC_PORT=$public
  export SERVE_ADMIN_BASE_URL="http://127.0.0.1:$admin/" SERVE_PUBLIC_BASE_URL="http://127.0.0.1:$public/"
  (cd "$dir" && "$kratos" migrate sql -e --yes) >>"$log" 2>&1 \
    || fail_with_log "$name: kratos migrate sql failed" "$log"
  (cd "$dir" && exec "$kratos" serve -c kratos.yml --dev --watch-courier=false) >>"$log" 2>&1 &
  pid=$!
  pids+=("$pid")
  wait_ready "http://127.0.0.1:$admin/admin/health/ready" "$pid" \
    || fail_with_log "$name: Kratos did not start" "$log"
  ADMIN_URL="http://127.0.0.1:$admin"
  PUBLIC_URL="http://127.0.0.1:$public"
}

status=0
summary=()
db_label=PostgreSQL
[ "$database" = sqlite ] && db_label=SQLite
for version in "${available[@]}"; do
  kratos=$(install_kratos "$version") || fail_with_log "$version: could not unpack its binary" /dev/null
  start_kratos "$version-source" "$kratos"
  source_admin=$ADMIN_URL source_public=$PUBLIC_URL
  start_kratos "$version-target" "$kratos"
  target_admin=$ADMIN_URL target_public=$PUBLIC_URL
  reported=$(curl -fsS "$source_admin/version" | python3 -c 'import json, sys; print(json.load(sys.stdin)["version"])')
  say "Kratos $reported on $db_label: source $source_admin (public $source_public), target $target_admin (public $target_public)"

  if [ "$serve_only" = 1 ]; then
    echo "export KRATOS_LIVE_ADMIN_URL=$source_admin KRATOS_LIVE_PUBLIC_URL=$source_public KRATOS_LIVE_TARGET_ADMIN_URL=$target_admin KRATOS_LIVE_TARGET_PUBLIC_URL=$target_public"
    continue
  fi

  out="$work/$version-test.log"
  # shellcheck disable=SC2086 # CARGO_TEST_ARGS is a list of words
  (cd "$repo" && KRATOS_LIVE_ADMIN_URL=$source_admin KRATOS_LIVE_PUBLIC_URL=$source_public \
    KRATOS_LIVE_TARGET_ADMIN_URL=$target_admin KRATOS_LIVE_TARGET_PUBLIC_URL=$target_public \
    cargo test --quiet --test live ${CARGO_TEST_ARGS:-}) >"$out" 2>&1
  code=$?
  passed=$(grep -Eo '[0-9]+ passed' "$out" | awk '{s += $1} END {print s + 0}')
  failed=$(grep -Eo '[0-9]+ failed' "$out" | awk '{s += $1} END {print s + 0}')
  if [ "$code" != 0 ]; then
    status=1
    [ "$failed" = 0 ] && failed="?"
    grep -E -A 25 '^---- |^failures:' "$out" | head -n 120 >&2
    tail -n 5 "$out" >&2
  fi
  summary+=("real Kratos $version on $db_label: $passed passed, $failed failed")
  echo "${summary[-1]}"
  # This version's servers stop before the next version starts.
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; done
  pids=()
done

if [ "$serve_only" = 1 ]; then
  say "serving; Ctrl-C (or a TERM) stops every server"
  # In the background, so that a signal runs the trap at once.
  while true; do sleep 3600 & wait $!; done
fi
exit "$status"
