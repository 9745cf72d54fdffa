# SPDX-License-Identifier: GPL-2.0
# Shared settings for the bench scripts; sourced, never run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${MDEV_IMS_CACHE:-$HOME/.cache/mdev-ims}
JOBS=${JOBS:-$(nproc)}
# The bound of one guest boot, for hangs; check.sh lowers it to what is
# left of the run's budget.
GUEST_TIMEOUT=${GUEST_TIMEOUT:-3600}
mkdir -p "$CACHE"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# Print a short hash of the named files and directories (their content and
# paths), used to key cached builds by their inputs. An argument that names
# no file (a version, flags, a compiler's banner, a function's text) counts
# as itself.
inputs_key() {
	local p
	for p in "$@"; do
		if [ -d "$p" ]; then
			(cd "$p" && find . -type f ! -name '*.o' -print0 | LC_ALL=C sort -z |
				xargs -0r sha256sum)
		elif [ -e "$p" ]; then
			sha256sum < "$p"
		else
			printf '%s\n' "$p"
		fi
	done | sha256sum | cut -c1-16
}

# Serialise a step against other runs of it (helpers, a second make) that
# share the cache; held until the calling script exits.
lock() {
	exec {lock_fd}>"$CACHE/$1.lock"
	flock "$lock_fd"
}

# The Debian package versions the bench builds from (see that file).
VERSIONS=$TOP/tests/bench/versions

# pin <package glob>: set PIN_PKG and PIN_VER to the first package of
# tests/bench/versions that matches, and its version.
pin() {
	local pkg ver
	while read -r pkg ver; do
		case "$pkg" in ''|'#'*) continue ;; esac
		# shellcheck disable=SC2034,SC2254
		case "$pkg" in $1) PIN_PKG=$pkg PIN_VER=$ver; return ;; esac
	done < "$VERSIONS"
	die "tests/bench/versions pins no package '$1'"
}

# Refresh apt's lists, once per script: lists older than the archive miss
# a new pin and name files a point release has removed. Says whether it
# refreshed.
apt_refreshed=
apt_refresh() {
	[ -z "$apt_refreshed" ] || return 1
	apt_refreshed=failed
	[ "$(id -u)" = 0 ] || { log "cannot refresh apt's lists: not root"; return 1; }
	log "refreshing apt's lists"
	flock "$CACHE/apt.lock" apt-get update -qq >&2 || return 1
	apt_refreshed=yes
	touch "$CACHE/apt-lists.stamp"
}

# The versions of a binary package (and the one apt would pick), or of a
# source package, that apt offers.
offers_binary() {
	local v
	v=$(apt-cache madison "$1" 2>/dev/null | awk -F' *[|] *' '{ print $2 }' | sort -uV | paste -sd' ')
	[ -z "$v" ] || echo "$v (apt's candidate: $(apt-cache policy "$1" | awk '/Candidate:/ { print $2 }'))"
}
offers_source() {
	apt-cache showsrc "$1" 2>/dev/null | awk '/^Version:/ { print $2 }' | sort -uV | paste -sd' '
}

# fetch_pinned <package> <version> <offers> <then> <command...>: run the
# command that fetches a pinned version; when it fails, refresh apt's lists
# and run it once more. When apt still does not know the version, fail
# saying what the archive offers instead (the function <offers> prints it
# for <package>) and what to do: bump the pin, then <then>.
fetch_pinned() {
	local pkg=$1 ver=$2 offers=$3 then=$4 offered
	shift 4
	"$@" && return 0
	apt_refresh && "$@" && return 0
	offered=$("$offers" "$pkg")
	case " $offered " in
	*" $ver "*) die "cannot fetch $pkg $ver, which apt's lists offer (apt's error above)" ;;
	esac
	[ "$apt_refreshed" = yes ] || log "apt's lists could not be refreshed: what follows may be stale"
	die "$pkg $ver, pinned in tests/bench/versions, is not in the archive," \
		"which offers: ${offered:-no version of $pkg}. Bump the pin in" \
		"tests/bench/versions to one of these, then $then."
}

# stream_awk <awk arguments...>: awk reading a pipe line by line, so that
# results show as the guest prints them. mawk, Debian's awk, otherwise
# fills its whole input buffer before it reads the first line.
stream_awk() {
	if awk -W version 2>/dev/null | grep -q '^mawk'; then
		awk -W interactive "$@"
	else
		awk "$@"
	fi
}
