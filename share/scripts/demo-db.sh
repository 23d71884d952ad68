#!/usr/bin/env bash
# Creates (once), starts and stops the demo PostgreSQL cluster under var/.
#
#   demo-db.sh start BUILD    create if needed, start, migrate, seed once
#   demo-db.sh stop [BUILD]   stop it if it runs
#   demo-db.sh status [BUILD] print where it is and whether it runs
#
# The cluster lives in var/pgdata with its socket in var/run. When the server
# user cannot reach var/ (a checkout under /root, say) or the socket path
# would be too long, a folder under /tmp is used instead. The chosen folders
# are kept in var/demo-cluster.state, so later calls find them.
set -uo pipefail

SCRIPT_NAME=demo-db.sh
# shellcheck source=pg-cluster.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/pg-cluster.sh"

DEMO_PORT=54320
SUPERUSER=careteam
DBNAME=careteam

repo=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
var_dir=$repo/var
state_file=$var_dir/demo-cluster.state
config=$var_dir/careteam.conf
admin_config=$var_dir/admin.conf
# The ordinary login role the demo runs as, and its TOTP secret for the
# riverside organization: 20 ASCII bytes, base32
# MNQXEZLUMVQW2LLEMVWW6LLTMVRXEZLU.
DEMO_ROLE=careteam_demo
DEMO_MFA_SECRET=careteam-demo-secret

# Loaded from and saved to state_file.
data_dir=
socket_dir=
port=$DEMO_PORT
owner=
seeded=0

usage() {
	echo "usage: $SCRIPT_NAME start BUILD | stop [BUILD] | status [BUILD]" >&2
	exit 2
}

load_state() {
	local line key value

	if [ ! -f "$state_file" ]; then
		# A cluster without its state file: adopt it, assuming it was
		# seeded, since seed-demo rejects a second run.
		if [ -f "$var_dir/pgdata/PG_VERSION" ]; then
			data_dir=$var_dir/pgdata
			owner=$(stat -c %U "$data_dir")
			seeded=1
			note "$state_file is missing, so reusing $data_dir as it is"
		fi
		return 0
	fi
	while IFS= read -r line; do
		key=${line%%=*}
		value=${line#*=}
		case $key in
		data_dir) data_dir=$value ;;
		socket_dir) socket_dir=$value ;;
		port) port=$value ;;
		user) owner=$value ;;
		seeded) seeded=$value ;;
		esac
	done <"$state_file"
	[[ $port =~ ^[0-9]+$ ]] || die "invalid port '$port' in $state_file"
}

save_state() {
	cat >"$state_file.tmp" <<EOF || die "failed to write $state_file.tmp"
# Written by share/scripts/demo-db.sh: where the demo cluster lives.
data_dir=$data_dir
socket_dir=$socket_dir
port=$port
user=$CLUSTER_USER
seeded=$seeded
EOF
	mv "$state_file.tmp" "$state_file" || die "failed to write $state_file"
}

# Sets CLUSTER_USER. A cluster that exists keeps the user that created it:
# root can act as that user, anyone else must be that user.
pick_owner() {
	if [ -z "$owner" ] || [ ! -d "$data_dir" ]; then
		cluster_pick_user
	elif is_root; then
		id -u "$owner" >/dev/null 2>&1 ||
			die "the demo cluster in $data_dir belongs to user $owner," \
				"who no longer exists. Remove $state_file and" \
				"$data_dir to start afresh"
		CLUSTER_USER=$owner
	elif [ "$(id -un)" != "$owner" ]; then
		die "the demo cluster in $data_dir belongs to user $owner." \
			"Run this as $owner or as root"
	else
		CLUSTER_USER=$owner
	fi
}

# Sets data_dir for a new cluster: var/pgdata, or a new folder under /tmp
# when CLUSTER_USER cannot reach var/.
pick_data_dir() {
	local base

	if cluster_can_enter "$var_dir/pgdata"; then
		data_dir=$var_dir/pgdata
		return 0
	fi
	base=$(cluster_make_tmp_dir careteam-demo) || exit 1
	data_dir=$base/pgdata
	note "user $CLUSTER_USER cannot reach $var_dir (a parent folder is" \
		"not searchable), so the demo cluster goes to $data_dir"
}

# Sets socket_dir: the one in use when it still exists and belongs to
# CLUSTER_USER, else var/run, else a new folder under /tmp when var/run is
# out of CLUSTER_USER's reach or too long for a socket path.
pick_socket_dir() {
	local candidate=$var_dir/run base

	if [ -n "$socket_dir" ] && [ -d "$socket_dir" ] &&
		[ "$(stat -c %U "$socket_dir")" = "$CLUSTER_USER" ] &&
		cluster_socket_fits "$socket_dir" "$port"; then
		return 0
	fi
	if cluster_can_enter "$candidate" &&
		cluster_socket_fits "$candidate" "$port"; then
		socket_dir=$candidate
		cluster_make_dir "$socket_dir"
		return 0
	fi
	base=$(dirname "$data_dir")
	case $base in
	/tmp/careteam-demo.*)
		socket_dir=$base/run
		cluster_make_dir "$socket_dir"
		return 0
		;;
	esac
	socket_dir=$(cluster_make_tmp_dir careteam-demo-socket) || exit 1
	note "$(socket_dir_problem "$candidate"), so the socket goes to" \
		"$socket_dir"
}

# Prints why folder cannot hold the socket.
socket_dir_problem() {
	if ! cluster_can_enter "$1"; then
		echo "user $CLUSTER_USER cannot reach $1"
	elif [[ ! $1 =~ $CLUSTER_SAFE_PATH ]]; then
		echo "$1 has characters other than letters, digits and /._+-"
	else
		echo "$1/.s.PGSQL.$port is longer than" \
			"$CLUSTER_SOCKET_PATH_MAX bytes"
	fi
}

# Writes a careteam config file for the demo cluster that connects as the
# given role: the superuser for migrate and seed-demo, the demo staff login
# for everything else.
write_config() {
	local file=$1 user=$2
	local conninfo="host=$socket_dir port=$port dbname=$DBNAME user=$user"

	cat >"$file.tmp" <<EOF || die "failed to write $file.tmp"
# Written by make db: points careteam at the private demo cluster.
database: {
  conninfo = $(libconfig_string "$conninfo");
  isolation = "read committed";
  max_retries = 5;
};
log: {
  destination = "file";
  file = $(libconfig_string "$var_dir/careteam.log");
  level = "info";
};
general: {
  default_organization = "northside";
};
EOF
	mv "$file.tmp" "$file" || die "failed to write $file"
}

run_admin_program() {
	echo "$SCRIPT_NAME: $program --config var/admin.conf $*"
	"$program" --config "$admin_config" "$@"
}

# Gives the demo's staff member "Demo User" an ordinary login role, so the
# demo runs under row-level security as staff would: a superuser bypasses
# it. Also makes riverside require a TOTP code, with the demo secret from
# docs/security.md, so the second-factor flow can be tried there.
prepare_demo_login() {
	cluster_psql "$socket_dir" "$port" "$SUPERUSER" "$DBNAME" <<SQL ||
DO \$\$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '$DEMO_ROLE') THEN
        CREATE ROLE $DEMO_ROLE LOGIN IN ROLE careteam_staff;
    END IF;
END
\$\$;
UPDATE careteam.staff SET role_name = '$DEMO_ROLE'
 WHERE role_name = '$SUPERUSER';
UPDATE careteam.organizations SET require_mfa = true
 WHERE code = 'riverside';
INSERT INTO careteam.mfa_secrets (staff_id, secret)
SELECT id, convert_to('$DEMO_MFA_SECRET', 'UTF8') FROM careteam.staff
 WHERE role_name = '$DEMO_ROLE'
ON CONFLICT (staff_id) DO NOTHING;
SQL
		die "failed to prepare the demo login role $DEMO_ROLE"
}

start_demo() {
	[ -x "$program" ] || die "$program not found. Run make first"
	mkdir -p "$var_dir" || die "failed to create $var_dir"
	cluster_find_bindir
	load_state
	pick_owner

	if [ ! -f "$data_dir/PG_VERSION" ]; then
		if [ -n "$data_dir" ] && [ "$data_dir" != "$var_dir/pgdata" ]; then
			note "no cluster found in $data_dir, so creating a new one"
		fi
		pick_data_dir
		echo "$SCRIPT_NAME: creating the demo cluster in $data_dir" \
			"(user $CLUSTER_USER)"
		cluster_init "$data_dir" "$SUPERUSER"
		seeded=0
	fi
	pick_socket_dir
	save_state

	cluster_configure "$data_dir" "$socket_dir" "$port"
	cluster_start "$data_dir" || exit 1
	cluster_create_db "$socket_dir" "$port" "$SUPERUSER" "$DBNAME"
	write_config "$admin_config" "$SUPERUSER"
	write_config "$config" "$DEMO_ROLE"

	run_admin_program migrate ||
		die "migrate failed (see the messages above)"
	if [ "$seeded" != 1 ]; then
		run_admin_program seed-demo ||
			die "seed-demo failed. The next make db runs it again"
		seeded=1
		save_state
	fi
	prepare_demo_login
	echo "$SCRIPT_NAME: demo cluster running: data $data_dir," \
		"socket $socket_dir port $port, config var/careteam.conf;" \
		"stop it with make db-stop"
}

# Loads the state of an existing cluster for stop and status. Exits 0 when
# there is none.
find_existing() {
	load_state
	pick_owner
	if [ ! -f "$data_dir/PG_VERSION" ]; then
		echo "$SCRIPT_NAME: no demo cluster${data_dir:+ in $data_dir}"
		exit 0
	fi
	cluster_find_bindir
}

stop_demo() {
	find_existing
	if ! cluster_is_running "$data_dir"; then
		echo "$SCRIPT_NAME: the demo cluster in $data_dir is not running"
		return 0
	fi
	cluster_stop "$data_dir" || die "failed to stop the demo cluster"
	echo "$SCRIPT_NAME: stopped the demo cluster in $data_dir"
}

status_demo() {
	find_existing
	if cluster_is_running "$data_dir"; then
		echo "$SCRIPT_NAME: running: data $data_dir, socket $socket_dir" \
			"port $port, user $CLUSTER_USER"
	else
		echo "$SCRIPT_NAME: stopped: data $data_dir, user $CLUSTER_USER"
	fi
}

if [ $# -lt 1 ] || [ $# -gt 2 ]; then
	usage
fi
command=$1
build=${2:-build}
if [ -d "$build" ]; then
	build=$(cd "$build" && pwd)
fi
program=$build/careteam

case $command in
start) [ $# -eq 2 ] || usage; start_demo ;;
stop) stop_demo ;;
status) status_demo ;;
*) usage ;;
esac
