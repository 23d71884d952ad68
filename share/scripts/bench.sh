#!/usr/bin/env bash
# Runs careteam's benchmarks against a private PostgreSQL cluster in a new
# folder under /tmp, which is removed on exit. `make bench` calls it after
# building BUILD with optimization.
#
#   bench.sh BUILD
#
# Environment:
#   BENCH_PATIENTS   synthetic patients to generate, 2000 to 9999999
#                    (default 1000000)
#   BENCH_SECONDS    seconds each contention run lasts, 1 to 60 (default 5)
#   BENCH_KEEP=1     keep the folder, with the cluster stopped, to read its
#                    logs
#
# It prints a table on stdout and writes the same figures as JSON to
# var/bench/<UTC time>.json. See docs/benchmarks.md for what they mean.
set -uo pipefail

SCRIPT_NAME=bench.sh
# shellcheck source=pg-cluster.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/pg-cluster.sh"

# Not the demo cluster's 54320 nor the tests' 54321, although each listens
# in a folder of its own.
BENCH_PORT=54322
SUPERUSER=ct_admin
DBNAME=careteam_bench
LOGIN_ROLE=bench_clinician
MIGRATE_TIMEOUT=300
# Upper bounds, well above what a run at the default size needs.
LOAD_TIMEOUT=2400
RUN_TIMEOUT=3000

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
tmp=
data_dir=
child=

usage() {
	echo "usage: $SCRIPT_NAME BUILD" >&2
	exit 2
}

# Stops the cluster and removes the folder. Runs on every exit.
cleanup() {
	local status=$?

	trap - EXIT INT TERM HUP
	if [ -n "$child" ]; then
		kill -TERM "$child" 2>/dev/null
		wait "$child" 2>/dev/null
	fi
	if [ -n "$data_dir" ] && [ -f "$data_dir/PG_VERSION" ]; then
		cluster_stop "$data_dir" ||
			note "could not stop the benchmark cluster in $data_dir"
	fi
	if [ -n "$tmp" ] && [ "${BENCH_KEEP:-0}" = 1 ]; then
		note "kept $tmp (BENCH_KEEP=1)"
	elif [ -n "$tmp" ]; then
		case $tmp in
		/tmp/careteam-bench.*) rm -rf -- "$tmp" ;;
		esac
	fi
	exit "$status"
}

on_signal() {
	note "interrupted by SIG$1; stopping"
	exit 130
}

# Runs a command under timeout in the background, so that a signal reaches
# the traps at once. Returns the command's status.
run_with_timeout() {
	local limit=$1 status
	shift

	timeout -k 10 "$limit" "$@" &
	child=$!
	wait "$child"
	status=$?
	child=
	return "$status"
}

# Checks that a variable is a whole number from min to max.
check_number() {
	local name=$1 value=$2 min=$3 max=$4

	if ! [[ $value =~ ^[0-9]{1,8}$ ]] || [ "$value" -lt "$min" ] ||
		[ "$value" -gt "$max" ]; then
		die "$name must be a whole number from $min to $max," \
			"got '$value'"
	fi
}

# Writes a libconfig file that connects as user.
write_config() {
	local file=$1 user=$2
	local conninfo="host=$socket_dir port=$BENCH_PORT dbname=$DBNAME"

	conninfo="$conninfo user=$user"
	cat >"$file" <<EOF
# Written by share/scripts/bench.sh for one benchmark run.
database: {
  conninfo = $(libconfig_string "$conninfo");
  isolation = "read committed";
  max_retries = 5;
};
log: {
  destination = "file";
  file = $(libconfig_string "$tmp/careteam.log");
  level = "warning";
};
EOF
}

bench_psql() {
	cluster_psql "$socket_dir" "$BENCH_PORT" "$SUPERUSER" "$DBNAME" "$@"
}

# Prints seconds since the epoch with milliseconds.
now_seconds() {
	date +%s.%N | cut -c1-14
}

elapsed_since() {
	awk -v start="$1" -v end="$(now_seconds)" \
		'BEGIN { printf "%.1f", end - start }'
}

# Generates the data set and prints how long it took.
load_data() {
	local started counts

	echo "$SCRIPT_NAME: generating $patients patients" \
		"(share/bench/generate.sql)"
	started=$(now_seconds)
	run_with_timeout "$LOAD_TIMEOUT" "$CLUSTER_BINDIR/psql" -X -q \
		-v ON_ERROR_STOP=1 -h "$socket_dir" -p "$BENCH_PORT" \
		-U "$SUPERUSER" -d "$DBNAME" -v patients="$patients" \
		-v login_role="$LOGIN_ROLE" \
		-f "$repo/share/bench/generate.sql" ||
		die "generating the data failed"
	generate_seconds=$(elapsed_since "$started")

	# VACUUM sets the visibility map, which index-only scans need, and
	# ANALYZE the statistics every plan below depends on. Every table,
	# the search's word tables included, as autovacuum would in time.
	started=$(now_seconds)
	bench_psql -c 'VACUUM (ANALYZE)' -c 'CHECKPOINT' ||
		die "VACUUM (ANALYZE) failed"
	vacuum_seconds=$(elapsed_since "$started")

	counts=$(bench_psql -At -F ' ' -c \
		"SELECT (SELECT count(*) FROM careteam.patients),
		        (SELECT count(*) FROM careteam.care_team_assignments),
		        (SELECT count(*) FROM careteam.providers),
		        pg_size_pretty(
		            pg_database_size(current_database()))") ||
		die "counting the generated rows failed"
	read -r loaded_patients loaded_assignments loaded_providers \
		database_size <<<"$counts"
	printf '%s: loaded %s patients, %s assignments and %s providers' \
		"$SCRIPT_NAME" "$loaded_patients" "$loaded_assignments" \
		"$loaded_providers"
	printf ' in %s s, then VACUUM (ANALYZE) in %s s; database %s\n' \
		"$generate_seconds" "$vacuum_seconds" "$database_size"
	[ "$loaded_patients" = "$patients" ] ||
		die "expected $patients patients, found $loaded_patients"
}

# Parse the arguments and find what to run before starting anything.
[ $# -eq 1 ] || usage
build=$1
[ -d "$build" ] || die "build folder '$build' not found. Run make first"
build=$(cd "$build" && pwd)
program=$build/careteam
runner=$build/tests/bench-run
[ -x "$program" ] || die "$program not found. Run make first"
[ -x "$runner" ] || die "$runner not found. Run make bench"

patients=${BENCH_PATIENTS:-1000000}
seconds=${BENCH_SECONDS:-5}
check_number BENCH_PATIENTS "$patients" 2000 9999999
check_number BENCH_SECONDS "$seconds" 1 60

cluster_find_bindir
[ -x "$CLUSTER_BINDIR/pgbench" ] ||
	die "$CLUSTER_BINDIR/pgbench not found; it comes with the PostgreSQL" \
		"server package"
cluster_pick_user

trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# The folder is always under /tmp, which keeps socket paths short and is
# searchable by CLUSTER_USER. Only data and socket belong to that user.
tmp=$(mktemp -d /tmp/careteam-bench.XXXXXX) || die "mktemp failed"
chmod 0711 "$tmp"
data_dir=$tmp/data
socket_dir=$tmp/socket
scratch_dir=$tmp/scratch
mkdir "$scratch_dir" || die "failed to create $scratch_dir"
cluster_make_dir "$socket_dir"
results_dir=$repo/var/bench
mkdir -p "$results_dir" || die "failed to create $results_dir"
stamp=$(date -u +%Y%m%dT%H%M%SZ)
results=$results_dir/$stamp.json

# A quarter of the memory, as PostgreSQL's documentation suggests for a
# dedicated server, between 512 MB and 4 GB. At the default size the
# database takes about 1.2 GB, so it fits, as a clinic's server sized for
# its data would hold it.
memory_mb=$(awk '/^MemTotal:/ { print int($2 / 1024) }' /proc/meminfo)
shared_buffers_mb=$((memory_mb / 4))
[ "$shared_buffers_mb" -ge 512 ] || shared_buffers_mb=512
[ "$shared_buffers_mb" -le 4096 ] || shared_buffers_mb=4096

echo "$SCRIPT_NAME: starting a benchmark cluster in $tmp" \
	"($("$CLUSTER_BINDIR/postgres" --version), user $CLUSTER_USER," \
	"shared_buffers ${shared_buffers_mb} MB)"
cluster_init "$data_dir" "$SUPERUSER" --no-sync
# Durable settings, as in production: fsync, synchronous_commit and
# full_page_writes keep their defaults. The WAL limit only spaces out the
# checkpoints during the load.
cluster_configure "$data_dir" "$socket_dir" "$BENCH_PORT" \
	"max_connections = 120" "shared_buffers = ${shared_buffers_mb}MB" \
	"maintenance_work_mem = 512MB" "max_wal_size = 8GB" \
	"checkpoint_timeout = 30min" "log_lock_waits = on"
cluster_start "$data_dir" || exit 1
cluster_create_db "$socket_dir" "$BENCH_PORT" "$SUPERUSER" "$DBNAME"

admin_config=$tmp/admin.conf
staff_config=$tmp/careteam.conf
write_config "$admin_config" "$SUPERUSER"
write_config "$staff_config" "$LOGIN_ROLE"

# libpq reads these when a conninfo leaves a setting out, and a developer's
# own values must not send a benchmark to another server.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS

echo "$SCRIPT_NAME: $program --config $admin_config migrate"
run_with_timeout "$MIGRATE_TIMEOUT" "$program" --config "$admin_config" \
	migrate || die "migrate failed"

load_started=$(now_seconds)
load_data
load_seconds=$(elapsed_since "$load_started")

# The proxy in tests/support reads the CT_TEST_* variables.
export CT_TEST_SOCKET_DIR=$socket_dir
export CT_TEST_PORT=$BENCH_PORT
export CT_TEST_DBNAME=$DBNAME
export CT_TEST_SUPERUSER=$SUPERUSER
BENCH_ADMIN_CONNINFO="host=$socket_dir port=$BENCH_PORT dbname=$DBNAME"
export BENCH_ADMIN_CONNINFO="$BENCH_ADMIN_CONNINFO user=$SUPERUSER"
export BENCH_LOGIN_ROLE=$LOGIN_ROLE
export BENCH_STAFF_CONFIG=$staff_config
export BENCH_PROGRAM=$program
export BENCH_PGBENCH=$CLUSTER_BINDIR/pgbench
export BENCH_PGBENCH_SCRIPT=$repo/share/bench/reassign_primary.sql
export BENCH_PSQL=$CLUSTER_BINDIR/psql
export BENCH_TMPDIR=$scratch_dir
export BENCH_PATIENTS=$patients
export BENCH_SECONDS=$seconds
export BENCH_LOAD_SECONDS=$load_seconds
export BENCH_GENERATE_SECONDS=$generate_seconds
export BENCH_VACUUM_SECONDS=$vacuum_seconds
export BENCH_RESULTS=$results

run_with_timeout "$RUN_TIMEOUT" "$runner"
status=$?
if [ "$status" -ne 0 ]; then
	cluster_log_tail "$data_dir" 30
	die "the benchmarks failed (status $status)"
fi
echo "$SCRIPT_NAME: results in ${results#"$repo"/}"
