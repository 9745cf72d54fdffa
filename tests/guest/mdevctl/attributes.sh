#!/bin/sh
# SPDX-License-Identifier: GPL-2.0
# BOOT: debian
# KERNELS: stock
# TIMEOUT: 300
# Vendor attributes through mdevctl. A definition carries attributes that
# mdevctl writes into the instance's sysfs directory after it creates the
# instance (modify --addattr/--delattr, list -v, the JSON attrs). None of
# the project's parents has a writable per-instance attribute (mdpy's
# vendor/mode is read-only), so what a user sees is the failure: starting
# a definition whose attribute cannot be written fails with an error that
# names the attribute, and leaves no instance behind.
. /mdev-ims/tests/lib/tap.sh
. /mdev-ims/tests/lib/mdevctl.sh

# Twelve cases a parent, five on mdpy's read-only attribute, three more.
plan $((8 + 12 * $(parent_count)))
check attributes-parents-present mdevctl_parents
check attributes-start-clean clean_state
dir=$(mktemp -d)

for p in $PARENTS; do
	n=$(pname "$p")
	ta=$(type_a "$p")
	u=$(new_uuid)
	track "$u"

	# The attribute list of a definition, in order, as text and JSON.
	mdevctl define -p "$p" -t "$ta" -u "$u"
	run mdevctl modify -u "$u" --addattr=nosuch --value=1
	check_eq "$n-addattr" "0:" "$rc:$out"
	run mdevctl modify -u "$u" --addattr=zfirst --value=0 --index=0
	check_eq "$n-addattr-index" "0:" "$rc:$out"
	check_eq "$n-list-verbose" "$(printf '%s\n' "$u $p $ta manual" "  Attrs:" \
		'    @{0}: {"zfirst":"0"}' '    @{1}: {"nosuch":"1"}')" \
		"$(mdevctl list --defined -v)"
	check_eq "$n-attrs-json" "$(printf '%s\n' "mdev_type	$ta" "start	manual" \
		"attrs zfirst	0" "attrs nosuch	1")" \
		"$(mdevctl list --defined -u "$u" --dumpjson | json_flat)"
	run mdevctl modify -u "$u" --addattr=novalue
	check_eq "$n-addattr-needs-value" "$(printf '%s\n' \
		"2:error: The following required arguments were not provided:" \
		"    --value <attr_value>")" "$(echo "$rc:$out" | head -n 2)"
	run mdevctl modify -u "$u" --delattr --index=0
	check_eq "$n-delattr" "0:" "$rc:$out"
	check_eq "$n-delattr-list" "$(printf '%s\n' "$u $p $ta manual" "  Attrs:" \
		'    @{0}: {"nosuch":"1"}')" \
		"$(mdevctl list --defined -v)"

	# An attribute the instance does not have: the start fails, naming
	# it, and nothing is left running; the definition stays as it was.
	before=$(state)
	run mdevctl start -u "$u"
	check_eq "$n-start-missing-attr" "1:Error: Invalid attribute 'nosuch'" "$rc:$out"
	check_eq "$n-start-missing-attr-no-instance" none "$(instance_of "$u")"
	check_eq "$n-start-missing-attr-unchanged" "$before" "$(state)"
	mdevctl undefine -u "$u"

	# The same through start --jsonfile, with no definition at all.
	printf '{ "mdev_type": "%s", "start": "manual", "attrs": [ { "nosuch": "1" } ] }\n' \
		"$ta" > "$dir/$n.json"
	before=$(state)
	run mdevctl start -p "$p" -u "$u" --jsonfile "$dir/$n.json"
	check_eq "$n-start-jsonfile-missing-attr" "1:Error: Invalid attribute 'nosuch'" "$rc:$out"
	check_eq "$n-start-jsonfile-unchanged" "$before" "$(state)"
done

# mdpy's instances show their mode in vendor/mode, read-only: mdevctl's
# write is refused by sysfs and the instance goes again.
u=$(new_uuid)
track "$u"
mdevctl start -p mdpy -t mdpy-xga -u "$u"
check_eq mdpy-vendor-mode "1024x768@75" "$(cat "/sys/bus/mdev/devices/$u/vendor/mode" 2>&1)"
check mdpy-vendor-mode-read-only test "$(stat -c %a "/sys/bus/mdev/devices/$u/vendor/mode")" = 444
mdevctl stop -u "$u"
mdevctl define -p mdpy -t mdpy-xga -u "$u"
mdevctl modify -u "$u" --addattr=vendor/mode --value=640x480@60
before=$(state)
run mdevctl start -u "$u"
check_eq mdpy-start-read-only-attr "$(printf '%s\n' \
	"1:Error: Failed to write 640x480@60 to attribute vendor/mode" "" \
	"Caused by:" "    Permission denied (os error 13)")" "$rc:$out"
check_eq mdpy-start-read-only-attr-no-instance none "$(instance_of "$u")"
check_eq mdpy-start-read-only-attr-unchanged "$before" "$(state)"
mdevctl undefine -u "$u"

rm -rf "$dir"
check attributes-end-clean clean_state
tap_done
