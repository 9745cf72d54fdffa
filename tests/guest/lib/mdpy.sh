# SPDX-License-Identifier: GPL-2.0
# mdpy displays as a nested guest's VMM shows them, for the tests of the
# debian boot. POSIX sh; source it after tap.sh.

MDPY_FBPATTERN=/mdev-ims/tests/tools/fbpattern

# mdpy_check_display <dump> <id> <uuid> <ppm>: "<dump> <id> <ppm>" writes a
# screendump of the display with that id, the mdpy instance <uuid>, to
# <ppm> (printing what went wrong if it fails). Cases
# mdpy-screendump-<id> and mdpy-display-<id>-shows-pattern: it did, and
# every pixel is the pattern tools/fbpattern draws, in the instance's mode.
mdpy_check_display() {
	if _mdpy_out=$("$1" "$2" "$4" 2>&1); then
		ok "mdpy-screendump-$2"
	else
		not_ok "mdpy-screendump-$2" "$_mdpy_out"
		return 1
	fi
	_mdpy_size=$(sed 's/@.*//; s/x/ /' "/sys/bus/mdev/devices/$3/vendor/mode")
	# shellcheck disable=SC2086 # width and height
	if _mdpy_out=$("$MDPY_FBPATTERN" check "$4" $_mdpy_size 2>&1); then
		ok "mdpy-display-$2-shows-pattern"
	else
		not_ok "mdpy-display-$2-shows-pattern" "$_mdpy_out"
		return 1
	fi
}
