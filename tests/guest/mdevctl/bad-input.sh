#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 600
# Bad input to mdevctl on each of the project's parents: an unknown parent
# or type, a type with no instance left, a UUID already in use (started or
# defined twice), a malformed UUID, and stopping, starting or undefining
# what does not exist. Each fails with a message that names the problem,
# and changes nothing: the instances in sysfs, every type's available
# instances, mdevctl's lists and its config files are as they were.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/mdevctl.sh

# fails <case> <rc> <message> <mdevctl args...>: the command exits with
# <rc>, prints exactly <message> and changes nothing.
fails() {
	_case=$1 _rc=$2 _msg=$3
	shift 3
	_before=$(state)
	run mdevctl "$@"
	check_eq "$_case" "$_rc:$_msg" "$rc:$out"
	check_eq "$_case-unchanged" "$_before" "$(state)"
}
# The message clap prints for an option value it cannot parse.
bad_uuid() { # <value> <reason>
	printf '%s\n' "error: Invalid value \"$1\" for '--uuid <UUID>': $2" "" \
		"For more information try --help"
}

# The type of a parent with the fewest instances available.
fewest() {
	for t in $(parent_types "$1"); do
		echo "$(available "$1" "$t") $t"
	done | sort -n | head -n 1 | cut -d' ' -f2
}

# 32 cases a parent, 21 more: each fails makes two.
plan $((21 + 32 * $(parent_count)))
check bad-input-parents-present mdevctl_parents
check bad-input-start-clean clean_state

for p in $PARENTS; do
	n=$(pname "$p")
	ta=$(type_a "$p")
	tb=$(type_b "$p")
	u=$(new_uuid)
	track "$u"

	fails "$n-unknown-type" 1 "Error: Parent $p does not support mdev type nosuch" \
		start -p "$p" -t nosuch -u "$u"
	ft=$(foreign_type "$p")
	fails "$n-foreign-type" 1 "Error: Parent $p does not support mdev type $ft" \
		start -p "$p" -t "$ft" -u "$u"
	fails "$n-unknown-parent" 1 "Error: Unable to find parent device 'nosuch'" \
		start -p nosuch -t "$ta" -u "$u"

	# mdevctl 1.2.0 defines a device for any parent and type, present or
	# not (the parent may appear later); starting the definition is what
	# fails, and leaves no instance.
	for bad in "nosuch $ta" "$p nosuch"; do
		set -- $bad
		what=$([ "$1" = nosuch ] && echo parent || echo type)
		mdevctl define -p "$1" -t "$2" -u "$u"
		check_eq "$n-define-unknown-$what" "$u $1 $2 manual" "$(mdevctl list --defined)"
		if [ $what = parent ]; then
			msg="Error: Unable to find parent device 'nosuch'"
		else
			msg="Error: Parent $p does not support mdev type nosuch"
		fi
		fails "$n-start-defined-unknown-$what" 1 "$msg" start -u "$u"
		mdevctl undefine -u "$u"
	done

	# A UUID in use: started twice, on another type, on another parent.
	mdevctl start -p "$p" -t "$ta" -u "$u"
	fails "$n-start-twice" 1 "Error: Device already exists" \
		start -p "$p" -t "$ta" -u "$u"
	fails "$n-start-twice-other-type" 1 "Error: Device exists with different type" \
		start -p "$p" -t "$tb" -u "$u"
	other=mtty
	[ "$p" = mtty ] && other=mdpy
	fails "$n-start-twice-other-parent" 1 "Error: Device exists under different parent" \
		start -p "$other" -t "$(type_a "$other")" -u "$u"
	mdevctl stop -u "$u"

	# Defined twice, with or without a parent and type.
	mdevctl define -p "$p" -t "$ta" -u "$u"
	fails "$n-define-twice" 1 "Error: Device $u on $p already defined" \
		define -p "$p" -t "$ta" -u "$u"
	fails "$n-define-twice-other-type" 1 "Error: Device $u on $p already defined" \
		define -p "$p" -t "$tb" -u "$u"
	# Without a parent, mdevctl finds the UUID among running instances
	# only.
	fails "$n-define-uuid-only" 1 "Error: No parent specified" define -u "$u"
	# A defined UUID started as another, transient, device of its parent.
	mdevctl start -u "$u"
	fails "$n-start-defined-twice" 1 "Error: Device already exists" start -u "$u"
	mdevctl stop -u "$u"
	mdevctl undefine -u "$u"

	# Exhausted: with every instance of a type made through sysfs, mdevctl
	# refuses one more, transient or defined. The type with the fewest
	# instances keeps this short.
	te=$(fewest "$p")
	made=""
	i=0
	t0=$(cut -d' ' -f1 /proc/uptime)
	while [ "$(available "$p" "$te")" -gt 0 ] && [ $i -lt 300 ]; do
		v=$(new_uuid)
		track "$v"
		made="$made $v"
		echo "$v" > "/sys/class/mdev_bus/$p/mdev_supported_types/$te/create" || break
		i=$((i + 1))
	done
	echo "# $p: $i instances of $te in $(awk -v t0="$t0" '{ print $1 - t0 }' /proc/uptime) s"
	check_eq "$n-exhausted" 0 "$(available "$p" "$te")"
	check_eq "$n-types-exhausted" "$p $te available_instances	0" \
		"$(mdevctl types -p "$p" --dumpjson | json_flat | grep "^$p $te available_instances")"
	fails "$n-start-exhausted" 1 "Error: No available instances of $te on $p" \
		start -p "$p" -t "$te" -u "$u"
	mdevctl define -p "$p" -t "$te" -u "$u"
	fails "$n-start-defined-exhausted" 1 "Error: No available instances of $te on $p" \
		start -u "$u"
	mdevctl undefine -u "$u"
	for v in $made; do
		echo 1 > "/sys/bus/mdev/devices/$v/remove"
	done
done

# Malformed UUIDs never reach sysfs: mdevctl's option parser refuses them
# (exit status 2) for every command that takes one.
fails malformed-uuid-start 2 "$(bad_uuid not-a-uuid "invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-zA-Z], found \`n\` at 1")" \
	start -p mtty -t mtty-1 -u not-a-uuid
fails malformed-uuid-short-group 2 "$(bad_uuid 11111111-2222-3333-4444-55555555555 "invalid group length in group 4: expected 12, found 11")" \
	start -p mtty -t mtty-1 -u 11111111-2222-3333-4444-55555555555
fails malformed-uuid-define 2 "$(bad_uuid 1234 "invalid length: expected length 32 for simple format, found 4")" \
	define -p mtty -t mtty-1 -u 1234
fails malformed-uuid-stop 2 "$(bad_uuid xyz "invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-zA-Z], found \`x\` at 1")" \
	stop -u xyz
fails malformed-uuid-undefine 2 "$(bad_uuid xyz "invalid character: expected an optional prefix of \`urn:uuid:\` followed by [0-9a-zA-Z], found \`x\` at 1")" \
	undefine -u xyz

# What does not exist.
u=$(new_uuid)
fails stop-unknown 1 "$(printf '%s\n' "Error: Error removing device $u" "" \
	"Caused by:" "    No such file or directory (os error 2)")" stop -u "$u"
fails start-undefined 1 "Error: Device is insufficiently specified" start -u "$u"
fails undefine-unknown 1 "Error: No devices match the specified uuid" undefine -u "$u"
fails modify-unknown 1 "Error: Mediated device $u is not defined" modify -u "$u" --auto

check bad-input-end-clean clean_state
tap_done
