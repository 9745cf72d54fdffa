# SPDX-License-Identifier: GPL-2.0
# Number the RESULT lines of run.sh and check.sh as TAP, pass comments
# through, and close with "N passed, N failed[, N skipped]"; the exit
# status is non-zero on any failure or when nothing ran.
#
# A skip counts as one only when the file named by -v expected lists it:
# lines "<kernel>:<area>/<case> <why>", the name a glob. Any other skip
# hides a test that could have run, so it fails.

function glob_to_regex(g) {
	gsub(/[.+?()|{}^$\[\]\\]/, "\\\\&", g)
	gsub(/\*/, ".*", g)
	return "^" g "$"
}

BEGIN {
	while (expected != "" && (getline line < expected) > 0) {
		if (line ~ /^[ \t]*(#|$)/)
			continue
		split(line, f, /[ \t]+/)
		allowed[++nallowed] = glob_to_regex(f[1])
	}
}

function expected_skip(name,   i) {
	for (i = 1; i <= nallowed; i++)
		if (name ~ allowed[i])
			return 1
	return 0
}

/^RESULT / {
	rest = substr($0, 8)
	if (sub(/^not ok /, "", rest)) st = "not ok"
	else if (sub(/^ok /, "", rest)) st = "ok"
	else if (sub(/^skip /, "", rest)) st = "skip"
	else { st = "not ok"; rest = "malformed result line: " rest }
	n++
	if (st == "ok") { pass++; printf "ok %d - %s\n", n, rest }
	else if (st == "skip") {
		name = rest; why = ""
		if (i = index(rest, " # ")) { name = substr(rest, 1, i - 1); why = substr(rest, i + 3) }
		if (expected_skip(name)) {
			skip++
			printf "ok %d - %s # SKIP %s\n", n, name, why
		} else {
			fail++
			printf "not ok %d - %s # skipped, but not in %s: %s\n", n, name, expected, why
		}
	} else { fail++; printf "not ok %d - %s\n", n, rest }
	fflush()
	next
}
{ print; fflush() }
END {
	printf "1..%d\n", n
	line = sprintf("%d passed, %d failed", pass, fail)
	if (skip) line = line sprintf(", %d skipped", skip)
	print line
	exit (fail > 0 || n == 0) ? 1 : 0
}
