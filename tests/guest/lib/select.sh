# SPDX-License-Identifier: GPL-2.0
# Which tests a run selects: TESTS is a list of globs on "<area>/<name>",
# separated by commas or spaces (make check TESTS='vm/* libvirt/*'); the
# bench passes it on with commas, so that it stays one word of the guest's
# kernel command line. POSIX sh: the runner sources it in every guest,
# check.sh on the host.
#
#   selected <name> <globs>
#       Succeeds if <name> matches one of the globs.
selected() {
	_sel_rest=$2,
	while [ -n "$_sel_rest" ]; do
		_sel_glob=${_sel_rest%%,*}
		_sel_rest=${_sel_rest#*,}
		# shellcheck disable=SC2254 # the glob is the point
		case "$1" in
		$_sel_glob) [ -n "$_sel_glob" ] && return 0 ;;
		esac
	done
	return 1
}
