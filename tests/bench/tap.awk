# SPDX-License-Identifier: GPL-2.0
# Turn the in-guest runner's framed output into RESULT lines (see run.sh).
# Each test prints TAP; its top-level "ok"/"not ok" lines become results
# named <kernel>:<area>/<case>. A test that exits non-zero without a failed
# case, prints no result, or never ends is a failure of its own.

function emit(status, name, why) {
	printf "RESULT %s %s:%s%s\n", status, kernel, name, why == "" ? "" : " # " why
	fflush()
}

function dump(   i, from) {
	from = nlines > 40 ? nlines - 40 : 0
	for (i = from + 1; i <= nlines; i++)
		print "#   " lines[i]
}

/^# mdev-ims: begin / {
	test = $4; split(test, parts, "/"); area = parts[1]
	nres = 0; nfail = 0; nlines = 0; skipwhy = ""; plan = -1
	next
}

/^# mdev-ims: end / {
	rc = $5; sub(/^rc=/, "", rc); secs = $6; sub(/^seconds=/, "", secs)
	if (rc == "timeout") {
		emit("not ok", test, "timed out after " secs "s"); nfail++
	} else if (rc == 4 && nres == 0) {
		emit("skip", test, skipwhy == "" ? "skipped without a reason" : skipwhy)
	} else if (rc != 0 && rc != 4 && nfail == 0) {
		emit("not ok", test, "exited " rc); nfail++
	} else if (nres == 0 && rc == 0) {
		emit("not ok", test, "printed no results"); nfail++
	} else if (plan >= 0 && plan != nres && rc != 4) {
		emit("not ok", test, "planned " plan " results, printed " nres); nfail++
	}
	if (nfail)
		dump()
	test = ""
	next
}

/^# mdev-ims: done/ { done = 1; next }

test != "" {
	lines[++nlines] = $0
	if (match($0, /^1\.\.[0-9]+/)) {
		plan = substr($0, 4, RLENGTH - 3) + 0
		if (match($0, /# *[Ss][Kk][Ii][Pp] */))
			skipwhy = substr($0, RSTART + RLENGTH)
	} else if (match($0, /^(not )?ok [0-9]+ /)) {
		status = substr($0, 1, 3) == "not" ? "not ok" : "ok"
		desc = substr($0, RLENGTH + 1)
		sub(/^- /, "", desc)
		why = ""
		if (match(desc, / *# *[Ss][Kk][Ii][Pp]/)) {
			why = substr(desc, RSTART + RLENGTH); sub(/^ */, "", why)
			desc = substr(desc, 1, RSTART - 1)
			if (status == "ok") status = "skip"
			if (why == "") why = "skipped without a reason"
		}
		nres++
		if (status == "not ok") nfail++
		emit(status, area "/" desc, why)
	}
	next
}

{ if ($0 ~ /^# mdev-ims:/) print }

END {
	if (test != "")
		emit("not ok", test, "the guest stopped during this test (crash or hang)")
	if (!done)
		emit("not ok", "bench/guest-run" suffix, "the runner did not finish")
}
