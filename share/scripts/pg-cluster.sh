# shellcheck shell=bash
# Functions that create, start and stop a private PostgreSQL cluster which
# listens on a Unix socket only. Sourced by run-tests.sh and demo-db.sh, which
# set SCRIPT_NAME for messages. Needs bash.
#
# PostgreSQL refuses to run as root, so when the caller is root every server
# command runs as CLUSTER_USER: $CT_PG_USER when set, else postgres, else a
# system user careteam-pg created on first use.

# Maximum length of a Unix socket path: sun_path is 108 bytes on Linux,
# including the terminating NUL.
CLUSTER_SOCKET_PATH_MAX=107
CLUSTER_START_TIMEOUT=${CLUSTER_START_TIMEOUT:-60}
CLUSTER_BINDIR=
CLUSTER_USER=
# Characters allowed in a socket folder, which appears unquoted in libpq
# conninfo strings and in postgresql.conf.
CLUSTER_SAFE_PATH='^[A-Za-z0-9/._+-]+$'

note() {
	printf '%s: %s\n' "${SCRIPT_NAME:-pg-cluster.sh}" "$*" >&2
}

die() {
	note "$*"
	exit 1
}

is_root() {
	[ "$(id -u)" -eq 0 ]
}

# Sets CLUSTER_BINDIR to a folder holding initdb, postgres and pg_ctl:
# $CT_PG_BINDIR when set, else the highest /usr/lib/postgresql/<major>/bin
# (Debian's layout, where pg_config --bindir names the client's folder), else
# pg_config --bindir, else the folder of initdb on PATH.
cluster_find_bindir() {
	local candidates=() dir

	if [ -n "${CT_PG_BINDIR:-}" ]; then
		candidates+=("$CT_PG_BINDIR")
	else
		while IFS= read -r dir; do
			candidates+=("$dir")
		done < <(printf '%s\n' /usr/lib/postgresql/*/bin | sort -rV)
		if command -v pg_config >/dev/null 2>&1; then
			candidates+=("$(pg_config --bindir)")
		fi
		if command -v initdb >/dev/null 2>&1; then
			candidates+=("$(dirname "$(command -v initdb)")")
		fi
	fi

	for dir in "${candidates[@]}"; do
		if [ -x "$dir/initdb" ] && [ -x "$dir/postgres" ] &&
			[ -x "$dir/pg_ctl" ] && [ -x "$dir/psql" ]; then
			CLUSTER_BINDIR=$dir
			cluster_check_version
			return 0
		fi
	done
	die "no PostgreSQL server binaries (initdb, postgres, pg_ctl, psql)" \
		"found${CT_PG_BINDIR:+ in CT_PG_BINDIR=$CT_PG_BINDIR}." \
		"Run share/scripts/ensure-deps.sh"
}

# The migrations use SQL-standard function bodies and are tested on 15.
cluster_check_version() {
	local version major

	version=$("$CLUSTER_BINDIR/postgres" --version) ||
		die "$CLUSTER_BINDIR/postgres --version failed"
	major=$(printf '%s\n' "$version" | sed -n 's/.* \([0-9][0-9]*\)[.0-9]*.*/\1/p')
	if [ -z "$major" ] || [ "$major" -lt 15 ]; then
		die "careteam needs PostgreSQL 15 or later, found '$version'" \
			"in $CLUSTER_BINDIR"
	fi
}

# Sets CLUSTER_USER, the account that runs initdb, pg_ctl and the server.
cluster_pick_user() {
	if ! is_root; then
		CLUSTER_USER=$(id -un)
		return 0
	fi
	if [ -n "${CT_PG_USER:-}" ]; then
		id -u "$CT_PG_USER" >/dev/null 2>&1 ||
			die "CT_PG_USER=$CT_PG_USER: no such user"
		CLUSTER_USER=$CT_PG_USER
	elif id -u postgres >/dev/null 2>&1; then
		CLUSTER_USER=postgres
	else
		if ! id -u careteam-pg >/dev/null 2>&1; then
			note "creating system user careteam-pg to run PostgreSQL," \
				"which refuses to run as root"
			useradd --system --no-create-home --home-dir /nonexistent \
				--shell /usr/sbin/nologin careteam-pg ||
				die "useradd careteam-pg failed"
		fi
		CLUSTER_USER=careteam-pg
	fi
	[ "$(id -u "$CLUSTER_USER")" -ne 0 ] ||
		die "PostgreSQL cannot run as $CLUSTER_USER, which has uid 0"
}

# Runs a command as CLUSTER_USER from /, so that a working folder the user
# cannot enter does not matter.
cluster_run() {
	if ! is_root; then
		(cd / && "$@")
	elif command -v runuser >/dev/null 2>&1; then
		(cd / && runuser -u "$CLUSTER_USER" -- "$@")
	else
		# shellcheck disable=SC2016 # expanded by the inner shell
		(cd / && su "$CLUSTER_USER" -s /bin/sh -c 'exec "$0" "$@"' "$@")
	fi
}

# Succeeds when CLUSTER_USER can enter the nearest existing folder of path,
# which means every parent folder is searchable by it.
cluster_can_enter() {
	local path=$1

	while [ ! -d "$path" ]; do
		path=$(dirname "$path")
	done
	# shellcheck disable=SC2016 # expanded by the inner shell
	cluster_run sh -c 'cd "$1"' sh "$path" >/dev/null 2>&1
}

# Succeeds when a socket for port fits in folder and the folder name can be
# written unquoted in a conninfo string.
cluster_socket_fits() {
	local folder=$1 port=$2 length

	[[ $folder =~ $CLUSTER_SAFE_PATH ]] || return 1
	length=$(printf '%s/.s.PGSQL.%s' "$folder" "$port" | wc -c)
	[ "$length" -le "$CLUSTER_SOCKET_PATH_MAX" ]
}

# Creates folder (mode 0700) if needed and gives it to CLUSTER_USER.
cluster_make_dir() {
	local folder=$1

	if [ ! -d "$folder" ]; then
		mkdir -p "$(dirname "$folder")" ||
			die "failed to create folder $(dirname "$folder")"
		mkdir -m 0700 "$folder" || die "failed to create folder $folder"
	fi
	if is_root; then
		chown "$CLUSTER_USER:" "$folder" ||
			die "failed to give folder $folder to user $CLUSTER_USER"
	fi
}

# Creates a new folder under /tmp (mode 0700, owned by CLUSTER_USER) and
# prints its path. prefix names it, e.g. careteam-test.
cluster_make_tmp_dir() {
	local prefix=$1 folder

	folder=$(mktemp -d "/tmp/$prefix.XXXXXX") ||
		die "mktemp -d /tmp/$prefix.XXXXXX failed"
	cluster_make_dir "$folder"
	printf '%s\n' "$folder"
}

# Writes stdin to file as CLUSTER_USER, so the server can read it whatever
# the caller's umask.
cluster_write_file() {
	cluster_run tee "$1" >/dev/null || die "failed to write $1"
}

# Runs initdb in data_dir with a trusted superuser. Further arguments go to
# initdb. The server settings come from careteam-cluster.conf, which
# cluster_configure writes before each start.
cluster_init() {
	local data_dir=$1 superuser=$2 output
	shift 2

	cluster_make_dir "$data_dir"
	if [ -n "$(ls -A "$data_dir")" ]; then
		die "$data_dir is not empty but contains no cluster" \
			"(no PG_VERSION). Remove it and try again"
	fi
	if ! output=$(cluster_run "$CLUSTER_BINDIR/initdb" -D "$data_dir" \
		--encoding=UTF8 --locale=C.UTF-8 --auth=trust \
		-U "$superuser" "$@" 2>&1); then
		printf '%s\n' "$output" >&2
		die "initdb failed in $data_dir"
	fi
	printf "\ninclude 'careteam-cluster.conf'\n" |
		cluster_run tee -a "$data_dir/postgresql.conf" >/dev/null ||
		die "failed to update $data_dir/postgresql.conf"
}

# Writes data_dir/careteam-cluster.conf: no TCP, the socket in socket_dir,
# the given port, then each further argument as one setting line.
cluster_configure() {
	local data_dir=$1 socket_dir=$2 port=$3 setting
	shift 3

	{
		echo "# Written by share/scripts/pg-cluster.sh before each start."
		echo "listen_addresses = ''"
		echo "unix_socket_directories = '$socket_dir'"
		echo "port = $port"
		for setting in "$@"; do
			echo "$setting"
		done
	} | cluster_write_file "$data_dir/careteam-cluster.conf"
}

cluster_is_running() {
	cluster_run "$CLUSTER_BINDIR/pg_ctl" -D "$1" status >/dev/null 2>&1
}

# Prints the last lines of the server log, which pg_ctl keeps in the data
# folder.
cluster_log_tail() {
	local data_dir=$1 lines=${2:-40}

	[ -f "$data_dir/server.log" ] || return 0
	note "last $lines lines of $data_dir/server.log:"
	tail -n "$lines" "$data_dir/server.log" | sed 's/^/    /' >&2
}

# Starts the server unless it runs already, waiting up to
# CLUSTER_START_TIMEOUT seconds until it accepts connections.
cluster_start() {
	local data_dir=$1

	cluster_is_running "$data_dir" && return 0
	if ! cluster_run "$CLUSTER_BINDIR/pg_ctl" -D "$data_dir" \
		-l "$data_dir/server.log" -w -t "$CLUSTER_START_TIMEOUT" -s \
		start; then
		note "PostgreSQL did not start in $data_dir" \
			"within $CLUSTER_START_TIMEOUT seconds"
		cluster_log_tail "$data_dir"
		return 1
	fi
}

# Stops the server if it runs: fast shutdown, immediate if that times out.
cluster_stop() {
	local data_dir=$1

	cluster_is_running "$data_dir" || return 0
	cluster_run "$CLUSTER_BINDIR/pg_ctl" -D "$data_dir" -m fast -w \
		-t "$CLUSTER_START_TIMEOUT" -s stop && return 0
	note "fast shutdown failed in $data_dir, so trying immediate shutdown"
	cluster_run "$CLUSTER_BINDIR/pg_ctl" -D "$data_dir" -m immediate -w \
		-t "$CLUSTER_START_TIMEOUT" -s stop
}

# Runs psql as the calling user: cluster_psql SOCKET_DIR PORT USER DBNAME
# [psql arguments...].
cluster_psql() {
	local socket_dir=$1 port=$2 user=$3 dbname=$4
	shift 4

	"$CLUSTER_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$socket_dir" \
		-p "$port" -U "$user" -d "$dbname" "$@"
}

# Creates database dbname unless it exists:
# cluster_create_db SOCKET_DIR PORT USER DBNAME. dbname must be a plain
# lower-case identifier.
cluster_create_db() {
	local socket_dir=$1 port=$2 user=$3 dbname=$4 found

	[[ $dbname =~ ^[a-z_][a-z0-9_]*$ ]] ||
		die "invalid database name '$dbname'"
	found=$(cluster_psql "$socket_dir" "$port" "$user" postgres -At -c \
		"SELECT 1 FROM pg_database WHERE datname = '$dbname'") ||
		die "failed to list the databases of the server at $socket_dir"
	[ "$found" = 1 ] && return 0
	cluster_psql "$socket_dir" "$port" "$user" postgres \
		-c "CREATE DATABASE $dbname" ||
		die "failed to create database $dbname"
}

# Prints value as a libconfig string literal, quotes included.
libconfig_string() {
	local value=$1

	value=${value//\\/\\\\}
	value=${value//\"/\\\"}
	printf '"%s"' "$value"
}
