# SPDX-License-Identifier: GPL-2.0
# Nested guests for the tests of the debian boot (vm/, libvirt/): boot the
# bench's stock kernel and initramfs under TCG with Debian's QEMU, its runner
# running the tests of a pattern that say "BOOT: nested", and turn what the
# nested runner reports into the calling test's TAP. Source it after
# tap.sh; it is POSIX sh (dash in the debian guest, busybox in the nested
# one).
#
# In the debian guest:
#   vm_run <name> <tests> [<qemu args>...]
#       vm_boot, then every check below, as cases "<name>-...".
#   vm_boot <name> <tests> [<qemu args>...]
#       Boot, bounded by VM_TIMEOUT (a guest still running then is
#       killed, after its vCPU's registers and the kernel stacks of
#       QEMU's threads are printed); the status is QEMU's. Files in
#       $VM_DIR/<name>/: console.log (ttyS0), results.log (the runner,
#       ttyS1), qemu.log (QEMU's stdout and stderr), qmp.log (QMP).
#       While it runs, a nested test's vm_ask calls the function named
#       by VM_HOOK with the request's words and answers with its status.
#   vm_end_reason
#       Why the last guest ended: guest-shutdown (it powered off),
#       guest-reset (reset, triple fault, panic), none (killed).
#   vm_qmp <json>
#       A QMP command to the running nested QEMU; prints the answer,
#       succeeds on a "return". For VM_HOOK functions.
#   vm_forward <prefix> <runner output>
#       One case "<prefix>-<case>" per case of the nested tests, judged
#       by tap.awk as the bench judges its guests': a failure for a test
#       that failed without a failing case, timed out or never ended, or
#       for a runner that ran no test or did not finish.
#       Any file with the runner's framing will do, such as a serial log
#       that libvirt wrote.
#   vm_tail <file> <n>
#       The last <n> lines of a guest's log as TAP comments.
#   vm_check_console <case> <console log>
#       The case fails on a kernel report in the log.
#   vm_check_qemu <case> <qemu log>
#       The case fails on anything QEMU printed: a warning (a refused
#       SET_IRQS among them) or an error.
#   vm_serve <dir>
#       Answer, through VM_HOOK, the vm_ask requests made since the last
#       call by a nested guest that something else runs (libvirt, say):
#       its runner writes <dir>/results.log, its ttyS2 reads the pipe
#       <dir>/ctl.in. Call it until the guest is gone.
# In the nested guest:
#   vm_ask <request...>
#       Ask the test that booted us to do something (take a screendump,
#       read host counts) while we wait; its status, 1 if none came. The
#       request is a line "# vm-ask: <request>" among the results, the
#       answer "# vm-answer: <status>" on the nested guest's ttyS2.
#
# Nested guests run under TCG, not KVM: kvm_amd on TCG's emulated SVM lost
# nested guests now and then (a page walk finding the nested kernel not
# present after an I/O exit, a duplicate interrupt), and a bench must not
# depend on chance. What is under test is the outer guest's kernel, so
# the nested guest boots the stock kernel whatever the outer one is
# (run.sh shares it), which TCG inside TCG boots in about a minute.
# Its CPU has no CMPXCHG16B: Debian's QEMU 7.2 corrupted the flags of
# nested guests that used it (three panics, each in SLUB's fast path right
# after a cmpxchg16b, with EFLAGS holding TF, NT and IOPL or a pointer's
# bits); the kernel does without it.
#
# Settings: VM_DIR (/tmp/vm), VM_TIMEOUT (1200 s: a bound for hangs, far
# above a nested boot on a loaded host), VM_SMP (1), VM_MEM (512M),
# VM_APPEND (more kernel command line), VM_HOOK,
# VM_BOOT_DIR, where the kernel and initramfs are (/mdev-ims/boot), and
# VM_TAP_AWK, the bench's reader of runner output (the suite's copy).

VM_DIR=${VM_DIR:-/tmp/vm}
VM_BOOT_DIR=${VM_BOOT_DIR:-/mdev-ims/boot}
VM_TAP_AWK=${VM_TAP_AWK:-/mdev-ims/tests/lib/tap.awk}
# What the kernel prints when something is wrong: KERNEL_REPORTS.
. "${MDEV_IMS_LIB:-/mdev-ims/tests/lib}/reports.sh"

# The complete lines of a file that a guest or QEMU is still writing.
_vm_lines() {
	head -n "$(wc -l < "$1")" "$1" | tr -d '\r'
}

_vm_answers() {
	_vm_lines "$1" | grep -c -E '^\{"(return|error)"'
}

_vm_qmp_send() {
	_vm_n=$(_vm_answers "$_vm_dir/qmp.log")
	echo "$1" 1<>"$_vm_dir/qmp.in"
	_vm_i=0
	while [ "$(_vm_answers "$_vm_dir/qmp.log")" -le "$_vm_n" ]; do
		_vm_i=$((_vm_i + 1))
		if [ $_vm_i -gt 600 ]; then
			echo "no answer to $1 in 60 s"
			return 1
		fi
		if ! kill -0 "$_vm_pid" 2>/dev/null; then
			echo "no answer to $1: QEMU has exited"
			return 1
		fi
		sleep 0.1
	done
	_vm_answer=$(_vm_lines "$_vm_dir/qmp.log" | grep -E '^\{"(return|error)"' |
		sed -n "$((_vm_n + 1))p")
	echo "$_vm_answer"
	case "$_vm_answer" in
	'{"return"'*) return 0 ;;
	esac
	return 1
}

vm_qmp() {
	if [ ! -e "$_vm_dir/qmp.ready" ]; then
		_vm_qmp_send '{"execute": "qmp_capabilities"}' >/dev/null ||
			return 1
		: > "$_vm_dir/qmp.ready"
	fi
	_vm_qmp_send "$1"
}

# Answer the requests the nested tests made since the last call.
_vm_serve() {
	_vm_asked=$(_vm_lines "$_vm_dir/results.log" | grep -c '^# vm-ask: ')
	while [ "$_vm_served" -lt "$_vm_asked" ]; do
		_vm_served=$((_vm_served + 1))
		_vm_req=$(_vm_lines "$_vm_dir/results.log" | grep '^# vm-ask: ' |
			sed -n "${_vm_served}p")
		_vm_req=${_vm_req#\# vm-ask: }
		if [ -n "${VM_HOOK:-}" ]; then
			# shellcheck disable=SC2086 # the request's words
			"$VM_HOOK" $_vm_req
			_vm_rc=$?
		else
			echo "# vm: nobody to answer '$_vm_req' (VM_HOOK unset)"
			_vm_rc=127
		fi
		echo "# vm-answer: $_vm_rc" 1<>"$_vm_dir/ctl.in"
	done
}

vm_serve() {
	if [ "${_vm_serving:-}" != "$1" ]; then
		_vm_serving=$1
		_vm_served=0
	fi
	_vm_dir=$1
	_vm_serve
}

# A nested guest that overran VM_TIMEOUT: what its vCPU and QEMU's
# threads were doing, as comments, before it is killed.
_vm_stuck() {
	echo "# vm: $_vm_name: still running after ${VM_TIMEOUT:-1200} s; its state:"
	vm_qmp '{"execute": "query-status"}' | sed 's/^/#   /'
	vm_qmp '{"execute": "human-monitor-command",
		"arguments": {"command-line": "info registers"}}' |
		sed 's/\\r\\n/\n/g' | sed 's/^/#   /'
	for _vm_task in /proc/"$_vm_pid"/task/*; do
		echo "#   thread ${_vm_task##*/} $(cat "$_vm_task/comm")," \
			"$(grep '^State:' "$_vm_task/status"), in $(cat "$_vm_task/wchan")"
		sed 's/^/#     /' "$_vm_task/stack" 2>/dev/null
	done
}

vm_boot() {
	_vm_name=$1
	_vm_tests=$2
	shift 2
	_vm_dir=$VM_DIR/$_vm_name
	rm -rf "$_vm_dir"
	mkdir -p "$_vm_dir"
	mkfifo "$_vm_dir/qmp.in" "$_vm_dir/qmp.out" "$_vm_dir/ctl.in" \
		"$_vm_dir/ctl.out"
	: > "$_vm_dir/results.log"
	: > "$_vm_dir/qmp.log"
	# Opened read-write, so that neither end waits for the other; QEMU
	# does the same with its pipe chardevs.
	cat 0<>"$_vm_dir/qmp.out" > "$_vm_dir/qmp.log" &
	_vm_qmp_reader=$!
	# Held open until QEMU exits: commands sent before QEMU opens the
	# pipe wait in it, instead of going with the last writer's close.
	exec 9<>"$_vm_dir/qmp.in"

	# ttyS0 the console, ttyS1 the runner's results, ttyS2 the answers
	# to vm_ask.
	qemu-system-x86_64 -M q35 \
		-accel tcg -cpu qemu64,-cx16 -smp "${VM_SMP:-1}" -m "${VM_MEM:-512M}" \
		-name "$_vm_name,debug-threads=on" \
		-nodefaults -no-reboot -display none -nic none \
		-kernel "$VM_BOOT_DIR/vmlinuz" \
		-initrd "$VM_BOOT_DIR/initramfs.cpio.gz" \
		-append "console=ttyS0 panic=-1 oops=panic no_timer_check mdev_ims.mode=check mdev_ims.tests=$_vm_tests mdev_ims.boot=nested ${VM_APPEND:-}" \
		-serial "file:$_vm_dir/console.log" \
		-serial "file:$_vm_dir/results.log" \
		-chardev "pipe,id=vmctl,path=$_vm_dir/ctl" -serial chardev:vmctl \
		-chardev "pipe,id=vmqmp,path=$_vm_dir/qmp" \
		-mon chardev=vmqmp,mode=control \
		"$@" < /dev/null > "$_vm_dir/qemu.log" 2>&1 &
	_vm_pid=$!
	_vm_served=0
	_vm_start=$(cut -d' ' -f1 /proc/uptime)
	# Events, the SHUTDOWN that says why the guest ended among them,
	# come once QMP is set up.
	vm_qmp '{"execute": "query-status"}' > /dev/null
	_vm_deadline=$((${_vm_start%.*} + ${VM_TIMEOUT:-1200}))
	while kill -0 $_vm_pid 2>/dev/null; do
		_vm_serve
		if [ "$(cut -d. -f1 /proc/uptime)" -ge $_vm_deadline ]; then
			_vm_stuck
			kill -KILL $_vm_pid
			break
		fi
		sleep 0.5
	done
	wait $_vm_pid
	_vm_status=$?
	exec 9<&-
	kill $_vm_qmp_reader 2>/dev/null
	wait $_vm_qmp_reader 2>/dev/null
	echo "# vm: $_vm_name: $(echo "$_vm_start $(cut -d' ' -f1 /proc/uptime)" |
		awk '{ print $2 - $1 }') s from QEMU's start to its exit (status $_vm_status," \
		"$(vm_end_reason));" \
		"$(tr -d '\r' < "$_vm_dir/console.log" | awk '
			/Run \/init as init process/ { init = $2 }
			/^\[ *[0-9.]+\]/ { last = $2 }
			END { gsub(/]/, "", init); gsub(/]/, "", last)
				printf "nested init at %s s, last message at %s s", init, last }')"
	return $_vm_status
}

# Why the last nested guest ended, as QMP's SHUTDOWN event said:
# "guest-shutdown" when it powered off, "guest-reset" when it reset or
# triple-faulted (-no-reboot), "none" when QEMU was killed.
vm_end_reason() {
	_vm_reason=$(_vm_lines "$_vm_dir/qmp.log" | grep '"event": "SHUTDOWN"' |
		sed -n 's/.*"reason": "\([a-z-]*\)".*/\1/p' | tail -n 1)
	echo "${_vm_reason:-none}"
}

# Lines as TAP comments; a guest that died mid-line leaves a last line
# without its newline, which must not swallow the next result.
_vm_comment() {
	awk '{ print "#   " $0 }'
}

vm_tail() {
	echo "# --- $1 (last $2 lines)"
	tail -n "$2" "$1" 2>/dev/null | tr -d '\r' | _vm_comment
}

vm_forward() {
	if ! grep -q '^# mdev-ims: begin ' "$2"; then
		not_ok "$1-ran-tests" "the nested runner ran no test"
	fi
	# The bench's own reading of a runner (tap.awk): "RESULT <status>
	# <prefix>:<area>/<case>[ # why]", and a failed test's last lines.
	_vm_out=$(mktemp)
	tr -d '\r' < "$2" | awk -v kernel="$1" -f "$VM_TAP_AWK" > "$_vm_out"
	while IFS= read -r _vm_line; do
		_vm_rest=${_vm_line#RESULT }
		case "$_vm_line" in
		'RESULT ok '*) _vm_st=ok ;;
		'RESULT skip '*) _vm_st=skip ;;
		'RESULT not ok '*) _vm_st=not_ok; _vm_rest=${_vm_rest#not } ;;
		*) echo "# nested: $_vm_line"; continue ;;
		esac
		_vm_rest=${_vm_rest#* }
		_vm_case=${_vm_rest%% # *}
		_vm_why=${_vm_rest#"$_vm_case"}
		_vm_why=${_vm_why# # }
		# <prefix>:<area>/<case> is reported as <prefix>-<case>.
		_vm_case="${_vm_case%%:*}-${_vm_case#*/}"
		case "$_vm_st" in
		ok) ok "$_vm_case" ;;
		*) "$_vm_st" "$_vm_case" "$_vm_why" ;;
		esac
	done < "$_vm_out"
	rm -f "$_vm_out"
}

vm_check_console() {
	if [ ! -s "$2" ]; then
		not_ok "$1" "no console log in $2"
	elif grep -Eq "$KERNEL_REPORTS" "$2"; then
		not_ok "$1" "kernel reports in the nested guest's log"
		grep -E -m 10 -A 12 "$KERNEL_REPORTS" "$2" | tr -d '\r' |
			head -n 60 | _vm_comment
	else
		ok "$1"
	fi
}

vm_check_qemu() {
	if [ -s "$2" ]; then
		not_ok "$1" "QEMU printed something"
		head -n 20 "$2" | _vm_comment
	else
		ok "$1"
	fi
}

vm_run() {
	_vm_run=$1
	vm_boot "$@"
	_vm_rc=$?
	check_eq "$_vm_run-qemu-exit" 0 $_vm_rc
	check_eq "$_vm_run-powered-off" guest-shutdown "$(vm_end_reason)"
	vm_forward "$_vm_run-nested" "$_vm_dir/results.log"
	vm_check_console "$_vm_run-nested-log-clean" "$_vm_dir/console.log"
	vm_check_qemu "$_vm_run-qemu-quiet" "$_vm_dir/qemu.log"
	# shellcheck disable=SC2154 # tap.sh's count of failed cases
	if [ "$_tap_failed" -gt 0 ]; then
		vm_tail "$_vm_dir/console.log" 30
		vm_tail "$_vm_dir/results.log" 30
	fi
}

vm_ask() {
	exec 8<>/dev/ttyS2
	stty -F /dev/ttyS2 -echo 2>/dev/null
	echo "# vm-ask: $*"
	_vm_answer=
	# shellcheck disable=SC3045 # busybox sh, in the nested guest
	read -r -t "${VM_ASK_TIMEOUT:-120}" _vm_answer <&8
	exec 8<&-
	case "$_vm_answer" in
	'# vm-answer: '*) return "${_vm_answer#\# vm-answer: }" ;;
	esac
	echo "# vm: no answer to '$*'"
	return 1
}
