#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 300
# mdevctl's life cycle of an instance on each of the project's parents:
# transient start and stop (with and without a UUID), define, start and
# stop of a definition, define of a running instance, modify, define
# --auto, undefine, and the JSON round trip (list --dumpjson, define and
# start --jsonfile). Each step is checked against sysfs and against what
# mdevctl lists.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/mdevctl.sh

is_uuid() {
	echo "$1" | grep -Eqx '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}'
}
config() { # <parent> <uuid>
	echo "/etc/mdevctl.d/$1/$2"
}

# 62 cases a parent, three more.
plan $((3 + 62 * $(parent_count)))
check lifecycle-parents-present mdevctl_parents
check lifecycle-start-clean clean_state
dir=$(mktemp -d)

for p in $PARENTS; do
	n=$(pname "$p")
	ta=$(type_a "$p")
	tb=$(type_b "$p")
	avail=$(available "$p" "$ta")

	# Transient: start, list, stop.
	u=$(new_uuid)
	track "$u"
	run mdevctl start -p "$p" -t "$ta" -u "$u"
	check_eq "$n-start" "0:" "$rc:$out"
	check_eq "$n-start-sysfs" "$p $ta" "$(instance_of "$u")"
	check_eq "$n-start-available" "$((avail - 1))" "$(available "$p" "$ta")"
	check_eq "$n-start-list" "$u $p $ta manual" "$(mdevctl list)"
	check_eq "$n-start-list-parent" "$u $p $ta manual" "$(mdevctl list -p "$p")"
	check_eq "$n-start-not-defined" "" "$(mdevctl list --defined)"
	check_eq "$n-start-list-json" \
		"$(printf '%s\n' "$p $u mdev_type	$ta" "$p $u start	manual")" \
		"$(mdevctl list --dumpjson | json_flat)"
	run mdevctl stop -u "$u"
	check_eq "$n-stop" "0:" "$rc:$out"
	check_eq "$n-stop-sysfs" none "$(instance_of "$u")"
	check_eq "$n-stop-available" "$avail" "$(available "$p" "$ta")"
	check_eq "$n-stop-list" "" "$(mdevctl list)"

	# Without a UUID mdevctl makes one and prints it.
	run mdevctl start -p "$p" -t "$ta"
	g=$out
	track "$g"
	check "$n-start-prints-uuid" is_uuid "$g"
	check_eq "$n-start-generated-sysfs" "$p $ta" "$(instance_of "$g")"
	check_eq "$n-start-generated-list" "$g $p $ta manual" "$(mdevctl list)"
	run mdevctl stop -u "$g"
	check_eq "$n-stop-generated" "0:none" "$rc:$out$(instance_of "$g")"

	# Persistent: define makes a definition and no instance.
	run mdevctl define -p "$p" -t "$ta" -u "$u"
	check_eq "$n-define" "0:" "$rc:$out"
	check_eq "$n-define-list-defined" "$u $p $ta manual" "$(mdevctl list --defined)"
	check_eq "$n-define-list-defined-parent" "$u $p $ta manual" \
		"$(mdevctl list --defined -p "$p")"
	check_eq "$n-define-not-active" "" "$(mdevctl list)"
	check_eq "$n-define-no-instance" none "$(instance_of "$u")"
	check "$n-define-config" test -f "$(config "$p" "$u")"
	run mdevctl start -u "$u"
	check_eq "$n-start-defined" "0:" "$rc:$out"
	check_eq "$n-start-defined-sysfs" "$p $ta" "$(instance_of "$u")"
	check_eq "$n-start-defined-list" "$u $p $ta manual (defined)" "$(mdevctl list)"
	check_eq "$n-start-defined-list-defined" "$u $p $ta manual (active)" \
		"$(mdevctl list --defined)"
	run mdevctl stop -u "$u"
	check_eq "$n-stop-defined" "0:none" "$rc:$out$(instance_of "$u")"
	check_eq "$n-stop-keeps-definition" "$u $p $ta manual" "$(mdevctl list --defined)"

	# modify changes the definition, not a running instance.
	run mdevctl modify -u "$u" -t "$tb"
	check_eq "$n-modify-type" "0:" "$rc:$out"
	run mdevctl modify -u "$u" --auto
	check_eq "$n-modify-auto" "0:" "$rc:$out"
	check_eq "$n-modify-list-defined" "$u $p $tb auto" "$(mdevctl list --defined)"
	check_eq "$n-modify-no-instance" none "$(instance_of "$u")"
	run mdevctl start -u "$u"
	check_eq "$n-start-modified" "0:$p $tb" "$rc:$out$(instance_of "$u")"
	check_eq "$n-start-modified-list" "$u $p $tb auto (defined)" "$(mdevctl list)"
	run mdevctl modify -u "$u" --manual
	check_eq "$n-modify-running" "0:$p $tb" "$rc:$out$(instance_of "$u")"
	check_eq "$n-modify-running-list" "$u $p $tb manual (defined)" "$(mdevctl list)"
	run mdevctl stop -u "$u"
	check_eq "$n-stop-modified" "0:none" "$rc:$out$(instance_of "$u")"

	# undefine removes the definition and its file.
	run mdevctl undefine -u "$u"
	check_eq "$n-undefine" "0:" "$rc:$out"
	check_eq "$n-undefine-list-defined" "" "$(mdevctl list --defined)"
	check "$n-undefine-config" test ! -e "$(config "$p" "$u")"

	# define --auto; define without a UUID prints the one it made.
	run mdevctl define -a -p "$p" -t "$ta" -u "$u"
	check_eq "$n-define-auto" "0:$u $p $ta auto" "$rc:$out$(mdevctl list --defined)"
	check_eq "$n-define-auto-no-instance" none "$(instance_of "$u")"
	run mdevctl undefine -u "$u"
	check_eq "$n-undefine-auto" "0:" "$rc:$out$(mdevctl list --defined)"
	run mdevctl define -p "$p" -t "$ta"
	g=$out
	track "$g"
	check "$n-define-prints-uuid" is_uuid "$g"
	check_eq "$n-define-generated" "$g $p $ta manual" "$(mdevctl list --defined)"
	run mdevctl undefine -u "$g"
	check_eq "$n-undefine-generated" "0:" "$rc:$out$(mdevctl list --defined)"

	# define of a running instance takes its parent and type.
	run mdevctl start -p "$p" -t "$ta" -u "$u"
	run mdevctl define -u "$u"
	check_eq "$n-define-running" "0:" "$rc:$out"
	check_eq "$n-define-running-list" "$u $p $ta manual (defined)" "$(mdevctl list)"
	check_eq "$n-define-running-list-defined" "$u $p $ta manual (active)" \
		"$(mdevctl list --defined)"
	run mdevctl undefine -u "$u"
	check_eq "$n-undefine-running" "0:$u $p $ta manual" "$rc:$out$(mdevctl list)"
	check_eq "$n-undefine-running-instance" "$p $ta" "$(instance_of "$u")"
	run mdevctl stop -u "$u"
	check_eq "$n-stop-undefined" "0:none" "$rc:$out$(instance_of "$u")"

	# JSON round trip: a definition dumped, undefined and defined again
	# from the dump is the same definition.
	mdevctl define -a -p "$p" -t "$tb" -u "$u"
	mdevctl modify -u "$u" --addattr=first --value=1
	mdevctl modify -u "$u" --addattr=second --value=two
	mdevctl list --defined -u "$u" --dumpjson > "$dir/$n.json"
	all=$(mdevctl list --defined --dumpjson)
	check_eq "$n-dumpjson" \
		"$(printf '%s\n' "mdev_type	$tb" "start	auto" "attrs first	1" "attrs second	two")" \
		"$(json_flat < "$dir/$n.json")"
	check_eq "$n-dumpjson-is-config" "$(cat "$(config "$p" "$u")")" "$(cat "$dir/$n.json")"
	run mdevctl undefine -u "$u"
	run mdevctl define -p "$p" -u "$u" --jsonfile "$dir/$n.json"
	check_eq "$n-define-jsonfile" "0:" "$rc:$out"
	check_eq "$n-jsonfile-round-trip" "$(cat "$dir/$n.json")" \
		"$(mdevctl list --defined -u "$u" --dumpjson)"
	check_eq "$n-jsonfile-round-trip-all" "$all" "$(mdevctl list --defined --dumpjson)"
	check_eq "$n-jsonfile-no-instance" none "$(instance_of "$u")"
	run mdevctl undefine -u "$u"
	check_eq "$n-undefine-jsonfile" "0:" "$rc:$out$(mdevctl list --defined)"

	# start --jsonfile: a transient instance described by JSON.
	printf '{ "mdev_type": "%s", "start": "manual", "attrs": [] }\n' "$ta" > "$dir/$n-start.json"
	run mdevctl start -p "$p" -u "$u" --jsonfile "$dir/$n-start.json"
	check_eq "$n-start-jsonfile" "0:$p $ta" "$rc:$out$(instance_of "$u")"
	check_eq "$n-start-jsonfile-dump" \
		"$(printf '%s\n' "mdev_type	$ta" "start	manual")" \
		"$(mdevctl list -u "$u" --dumpjson | json_flat)"
	run mdevctl stop -u "$u"
	check_eq "$n-stop-jsonfile" "0:none" "$rc:$out$(instance_of "$u")"
	check_eq "$n-available-at-end" "$avail" "$(available "$p" "$ta")"
done

rm -rf "$dir"
check lifecycle-end-clean clean_state
tap_done
