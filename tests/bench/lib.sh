# SPDX-License-Identifier: GPL-2.0
# Shared settings for the bench scripts; sourced, never run.

set -euo pipefail

TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
CACHE=${MDEV_IMS_CACHE:-$HOME/.cache/mdev-ims}
JOBS=${JOBS:-$(nproc)}
mkdir -p "$CACHE"

log() { printf '[bench] %s\n' "$*" >&2; }
die() { printf '[bench] error: %s\n' "$*" >&2; exit 1; }

# Print a short hash of the named files and directories (their content and
# paths), used to key cached builds by their inputs.
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
