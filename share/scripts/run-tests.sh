#!/usr/bin/env bash
# Runs the test binaries of a build against a throwaway PostgreSQL cluster in
# a new folder under /tmp, which is removed on exit.
#
#   run-tests.sh BUILD           every BUILD/tests/test_*, then BUILD/tests/race
#                                (small), then BUILD/tests/pty-run
#   run-tests.sh BUILD stress    BUILD/tests/race with CT_STRESS=1
#
# Set CT_TEST_KEEP=1 to keep the folder (cluster stopped) for a look after a
# failure. See docs/development.md for the environment the tests receive.
set -uo pipefail

SCRIPT_NAME=run-tests.sh
# shellcheck source=pg-cluster.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/pg-cluster.sh"

TEST_PORT=54321
SUPERUSER=ct_admin
DBNAME=careteam_test
# Seconds per test binary before CT_TEST_TIMEOUT_SCALE applies.
TEST_TIMEOUT=300
STRESS_TIMEOUT=600
MIGRATE_TIMEOUT=120

tmp=
data_dir=
child=
passed=0
failed=0
failed_names=()

usage() {
	echo "usage: $SCRIPT_NAME BUILD [stress]" >&2
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
			note "could not stop the test cluster in $data_dir"
	fi
	if [ -n "$tmp" ] && [ "${CT_TEST_KEEP:-0}" = 1 ]; then
		note "kept $tmp (CT_TEST_KEEP=1)"
	elif [ -n "$tmp" ]; then
		case $tmp in
		/tmp/careteam-test.*) rm -rf -- "$tmp" ;;
		esac
	fi
	exit "$status"
}

on_signal() {
	note "interrupted by SIG$1; stopping"
	exit 130
}

# Prints seconds * CT_TEST_TIMEOUT_SCALE, rounded, at least 1.
scaled_timeout() {
	awk -v seconds="$1" -v scale="$timeout_scale" \
		'BEGIN { t = int(seconds * scale + 0.5); print (t < 1 ? 1 : t) }'
}

# Runs one command under timeout with its output shown, in the background so
# that a signal reaches the traps at once. Returns the command's status.
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

# Runs one test binary and counts it as passed or failed.
run_test() {
	local binary=$1 limit=$2 name status started

	name=$(basename "$binary")
	printf '\n==> %s\n' "$name"
	started=$SECONDS
	run_with_timeout "$limit" "$binary"
	status=$?
	if [ "$status" -eq 0 ]; then
		passed=$((passed + 1))
		printf '<== %s passed (%ds)\n' "$name" $((SECONDS - started))
	else
		failed=$((failed + 1))
		failed_names+=("$name")
		if [ "$status" -eq 124 ] || [ "$status" -eq 137 ]; then
			printf '<== %s FAILED: timed out after %ss\n' "$name" "$limit"
		else
			printf '<== %s FAILED: exit status %d (%ds)\n' "$name" \
				"$status" $((SECONDS - started))
		fi
	fi
	if ! cluster_is_running "$data_dir"; then
		note "$name left the server stopped; starting it again"
		cluster_start "$data_dir" || die "failed to restart the test cluster"
	fi
}

# Writes the libconfig file the program and the tests read.
write_config() {
	local conninfo=$1 file=$2

	cat >"$file" <<EOF
# Written by share/scripts/run-tests.sh for one test run.
database: {
  conninfo = $(libconfig_string "$conninfo");
  isolation = "read committed";
  max_retries = 5;
};
log: {
  destination = "file";
  file = $(libconfig_string "$tmp/careteam.log");
  level = "debug";
};
EOF
}

# Writes $tmp/pg_ctl, which tests run to stop, start or restart the server.
write_pg_ctl_helper() {
	local helper=$tmp/pg_ctl runner=''

	if is_root; then
		runner="runuser -u $(printf %q "$CLUSTER_USER") --"
	fi
	cat >"$helper" <<EOF
#!/bin/sh
# Controls the test cluster of one run-tests.sh run.
# usage: pg_ctl start | stop [fast|smart|immediate] | restart [MODE] | status
set -eu
cd /
pg_ctl() {
	$runner $(printf %q "$CLUSTER_BINDIR/pg_ctl") \\
		-D $(printf %q "$data_dir") "\$@"
}
log=$(printf %q "$data_dir/server.log")
case "\${1:-}" in
start) pg_ctl -l "\$log" -w -t 60 -s start ;;
stop) pg_ctl -m "\${2:-fast}" -w -t 60 -s stop ;;
restart) pg_ctl -l "\$log" -m "\${2:-fast}" -w -t 60 -s restart ;;
status) pg_ctl status ;;
*)
	echo "usage: \$0 start | stop [fast|smart|immediate] | restart [MODE] | status" >&2
	exit 2
	;;
esac
EOF
	chmod 0755 "$helper"
}

# Prints the tails of the server and program logs after a failure.
show_logs() {
	cluster_log_tail "$data_dir" 30
	if [ -f "$tmp/careteam.log" ]; then
		note "last 30 lines of the careteam log:"
		tail -n 30 "$tmp/careteam.log" | sed 's/^/    /' >&2
	fi
}

# Parse the arguments and find what to run before starting anything.
if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
build=$1
mode=${2:-}
case $mode in
'' | stress) ;;
*) usage ;;
esac
[ -d "$build" ] || die "build folder '$build' not found. Run make first"
build=$(cd "$build" && pwd)
program=$build/careteam
[ -x "$program" ] || die "$program not found. Run make first"

timeout_scale=${CT_TEST_TIMEOUT_SCALE:-1}
[[ $timeout_scale =~ ^[0-9]+([.][0-9]+)?$ ]] ||
	die "CT_TEST_TIMEOUT_SCALE must be a positive number, got '$timeout_scale'"

tests=()
if [ "$mode" = stress ]; then
	if [ ! -x "$build/tests/race" ]; then
		echo "$SCRIPT_NAME: the race harness is not built" \
			"($build/tests/race not found)" >&2
		exit 1
	fi
	tests=("$build/tests/race")
	limit=$(scaled_timeout "$STRESS_TIMEOUT")
else
	for binary in "$build"/tests/test_*; do
		case $binary in
		*.o | *.d) continue ;;
		esac
		[ -f "$binary" ] && [ -x "$binary" ] && tests+=("$binary")
	done
	# The race harness, at its default size of 8 workers x 200 writes.
	[ -f "$build/tests/race" ] && [ -x "$build/tests/race" ] &&
		tests+=("$build/tests/race")
	[ -x "$build/tests/pty-run" ] && tests+=("$build/tests/pty-run")
	[ ${#tests[@]} -gt 0 ] ||
		die "no test binaries found in $build/tests. Run make tests"
	limit=$(scaled_timeout "$TEST_TIMEOUT")
fi

cluster_find_bindir
cluster_pick_user

trap cleanup EXIT
trap 'on_signal INT' INT
trap 'on_signal TERM' TERM
trap 'on_signal HUP' HUP

# The folder is always under /tmp, which keeps the socket path short and is
# searchable by CLUSTER_USER. Only data and socket belong to that user.
tmp=$(mktemp -d /tmp/careteam-test.XXXXXX) || die "mktemp failed"
chmod 0711 "$tmp"
data_dir=$tmp/data
socket_dir=$tmp/socket
scratch_dir=$tmp/scratch
config=$tmp/careteam.conf
mkdir "$scratch_dir" || die "failed to create $scratch_dir"
cluster_make_dir "$socket_dir"

echo "$SCRIPT_NAME: starting a test cluster in $tmp" \
	"($("$CLUSTER_BINDIR/postgres" --version), user $CLUSTER_USER)"
cluster_init "$data_dir" "$SUPERUSER" --no-sync
cluster_configure "$data_dir" "$socket_dir" "$TEST_PORT" \
	"fsync = off" "synchronous_commit = off" "full_page_writes = off" \
	"max_connections = 200" "log_lock_waits = on"
cluster_start "$data_dir" || exit 1
cluster_create_db "$socket_dir" "$TEST_PORT" "$SUPERUSER" "$DBNAME"

conninfo="host=$socket_dir port=$TEST_PORT dbname=$DBNAME user=$SUPERUSER"
write_config "$conninfo" "$config"
write_pg_ctl_helper

# libpq reads these when a conninfo leaves a setting out, and a developer's
# own values must not send a test to another server or database.
unset PGHOST PGHOSTADDR PGPORT PGDATABASE PGUSER PGPASSWORD PGPASSFILE \
	PGSERVICE PGSERVICEFILE PGOPTIONS PGSSLMODE PGTARGETSESSIONATTRS
export CT_TEST_CONNINFO=$conninfo
export CT_TEST_SOCKET_DIR=$socket_dir
export CT_TEST_PORT=$TEST_PORT
export CT_TEST_DBNAME=$DBNAME
export CT_TEST_SUPERUSER=$SUPERUSER
export CT_TEST_CONFIG=$config
export CT_TEST_PROGRAM=$program
export CT_TEST_TIMEOUT_SCALE=$timeout_scale
export CT_TEST_TMPDIR=$scratch_dir
export CT_TEST_PG_CTL=$tmp/pg_ctl

echo "$SCRIPT_NAME: $program --config $config migrate"
if ! run_with_timeout "$(scaled_timeout "$MIGRATE_TIMEOUT")" \
	"$program" --config "$config" migrate; then
	show_logs
	die "migrate failed, so no test was run"
fi

if [ "$mode" = stress ]; then
	export CT_STRESS=1
fi
for binary in "${tests[@]}"; do
	run_test "$binary" "$limit"
done

echo
if [ "$failed" -gt 0 ]; then
	show_logs
	echo "failed: ${failed_names[*]}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
