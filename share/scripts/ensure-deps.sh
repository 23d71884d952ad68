#!/usr/bin/env bash
# Checks that the Debian packages careteam needs to build and test are
# installed. As root it installs the missing ones with apt-get. As anyone
# else it prints the apt-get command and exits 1. Prints nothing when all
# are present.
set -uo pipefail

SCRIPT_NAME=ensure-deps.sh
# The oldest PostgreSQL server careteam is tested with.
PG_MIN_MAJOR=15
LIBRARY_PACKAGES=(pkg-config libncurses-dev libpq-dev libconfig-dev
	libcmocka-dev libvterm-dev liboath-dev ncurses-base)
# Terminal types the pty tests run the program under.
TERMINALS=(vt100 xterm-256color)

note() {
	printf '%s: %s\n' "$SCRIPT_NAME" "$*" >&2
}

is_installed() {
	local status

	status=$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null) || return 1
	[[ $status == *" installed" ]]
}

# Prints the highest installed postgresql-N server major version, if any.
installed_server_major() {
	dpkg-query -W -f='${Package} ${Status}\n' 'postgresql-[0-9]*' \
		2>/dev/null |
		awk '$1 ~ /^postgresql-[0-9]+$/ && $NF == "installed" {
			sub("postgresql-", "", $1); print $1 }' |
		sort -n | tail -n 1
}

# Prints the server package to install: postgresql-15 when apt-cache lists
# it, else the distribution's default through the postgresql metapackage.
server_package() {
	if apt-cache show "postgresql-$PG_MIN_MAJOR" >/dev/null 2>&1; then
		echo "postgresql-$PG_MIN_MAJOR"
	else
		echo postgresql
	fi
}

has_terminfo() {
	local name=$1 dir

	for dir in /etc/terminfo /lib/terminfo /usr/share/terminfo; do
		[ -e "$dir/${name:0:1}/$name" ] && return 0
	done
	return 1
}

has_c_utf8() {
	locale -a 2>/dev/null | grep -iE '^c\.utf-?8$' >/dev/null
}

# Sets missing to the packages that need installing.
find_missing() {
	local package major terminal share

	missing=()
	if ! is_installed build-essential &&
		! { is_installed gcc && is_installed make &&
			is_installed libc6-dev; }; then
		missing+=(build-essential)
	fi
	for package in "${LIBRARY_PACKAGES[@]}"; do
		is_installed "$package" || missing+=("$package")
	done

	major=$(installed_server_major)
	if [ -z "$major" ] || [ "$major" -lt "$PG_MIN_MAJOR" ]; then
		missing+=("$(server_package)")
	else
		# Debian ships pg_trgm and unaccent in postgresql-N itself
		# since PostgreSQL 10, and postgresql-contrib depends on it.
		share=/usr/share/postgresql/$major/extension
		if [ ! -f "$share/pg_trgm.control" ] ||
			[ ! -f "$share/unaccent.control" ]; then
			missing+=(postgresql-contrib)
		fi
	fi

	for terminal in "${TERMINALS[@]}"; do
		if ! has_terminfo "$terminal"; then
			missing+=(ncurses-term)
			break
		fi
	done
	# initdb runs with --locale=C.UTF-8. Debian's libc-bin provides it,
	# and elsewhere localedef builds it from the sources in locales.
	has_c_utf8 || is_installed locales || missing+=(locales)
}

# Runs apt-get with its arguments, three times at most.
apt_get() {
	local try

	for try in 1 2 3; do
		apt-get "$@" && return 0
		note "apt-get $1 failed (try $try of 3)"
		sleep 5
	done
	return 1
}

install_missing() {
	export DEBIAN_FRONTEND=noninteractive
	note "installing missing packages: ${missing[*]}"
	apt_get update || exit 1
	# Chosen again now that the package lists are fresh.
	find_missing
	apt_get install -y --no-install-recommends "${missing[@]}" || exit 1
}

# Builds C.UTF-8 when locale -a does not list it. Exits 1 when that fails.
ensure_c_utf8() {
	has_c_utf8 && return 0
	if [ "$(id -u)" -eq 0 ] && command -v localedef >/dev/null 2>&1; then
		note "building the C.UTF-8 locale with localedef"
		localedef -i C -f UTF-8 C.UTF-8
		has_c_utf8 && return 0
	fi
	note "the C.UTF-8 locale, which initdb needs, is missing;" \
		"create it as root with: localedef -i C -f UTF-8 C.UTF-8"
	exit 1
}

# Without dpkg, checks the libraries through pkg-config and looks for initdb.
check_without_dpkg() {
	if command -v pkg-config >/dev/null 2>&1 &&
		pkg-config --exists ncursesw libpq libconfig cmocka vterm &&
		{ command -v initdb >/dev/null 2>&1 ||
			[ -x "$(pg_config --bindir 2>/dev/null)/initdb" ]; }; then
		return 0
	fi
	note "dpkg-query not found, so this is not a Debian system, and" \
		"pkg-config or initdb reports something missing. Install a C" \
		"compiler, make, pkg-config, the development files of ncursesw," \
		"libpq, libconfig, cmocka and libvterm, and a PostgreSQL" \
		"$PG_MIN_MAJOR+ server with its contrib extensions."
	return 1
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	check_without_dpkg
	exit
fi

find_missing
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" -ne 0 ]; then
		note "missing Debian packages: ${missing[*]}"
		note "install them with:"
		echo "  sudo apt-get install --no-install-recommends ${missing[*]}" >&2
		exit 1
	fi
	install_missing
	find_missing
	if [ ${#missing[@]} -gt 0 ]; then
		note "still missing after apt-get install: ${missing[*]}"
		exit 1
	fi
	note "all packages installed"
fi
ensure_c_utf8
