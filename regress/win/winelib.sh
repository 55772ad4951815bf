#!/bin/bash
#
# Copyright (c) 2026 The softlan authors
#
# Permission to use, copy, modify, and distribute this software for any
# purpose with or without fee is hereby granted, provided that the above
# copyright notice and this permission notice appear in all copies.
#
# THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
# WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
# MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
# ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
# WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
# ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
# OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
#
# The Wine plumbing of the regress/win suites (wine-broker.sh,
# wine-ctl.sh, wine-dist.sh, wine-fakenic.sh, wine-e2e.sh): a private
# prefix, its own Wine server kept up for the whole run and stopped at
# the end, and, for the suites that do not use regress/lib.sh, one line
# per case.  A suite sets SUITE (its name in messages and in the closing
# line) and sources this file.
#
#	wine_env PREFIX		WINEPREFIX, WINEDEBUG=-all, no Mono or Gecko
#	wine_prefix LOG [CMD...]	a new prefix: wineboot -i (its output
#				in LOG), then every process it left ended
#	wine_boot LOG [CMD...]	wineboot -i in the prefix as it is, then
#				every process it left ended
#	wine_kill [CMD...]	wineserver -k for this prefix
#	wine_server_start LOG [CMD...]	the run's own server (wineserver
#				-f -p, its output in LOG), its PID in WSPID
#	wine_server_stop [CMD...]	that server, and only that one: -k
#				for this prefix, then its PID
#	wine_stop PID...	the run's background jobs signalled, the
#				server stopped, the jobs reaped
#
# CMD... is a command prefix for every Wine command, "ip netns exec NS"
# to run them in a namespace; it must exec the command (not a shell
# function): the server's PID is that of the background job.
#
# Sourced without regress/lib.sh (wine-e2e.sh has that one's ok, fail,
# has and suite_done), it also gives the standalone suites their cases;
# they set T, the bound in seconds of each Wine command:
#
#	die MESSAGE [FILE]	"SUITE: MESSAGE" (then FILE) on stderr, exit 1
#	need_files FILE... / need_tools COMMAND...	or die
#	ok WORDS... / notok NAME [FILE...]	"ok - NAME" or "not ok - NAME",
#				the FILEs as comments (NOTOK_SHOW: plain,
#				named or titled; their last NOTOK_LINES)
#	suite_done		"SUITE: N passed, M failed"; 0 when M = 0
#	wrun NAME ARGS...	one Wine command, bounded by T, stdin closed,
#				its output without CRs in $dir/NAME.log
#				(WRUN_SPLIT=1: NAME.out and NAME.err)
#	waitfor FILE PATTERN SECONDS [SKIP]	bounded wait for a line
#	has FILE PATTERN...	every pattern matches a line of FILE
#
# Every command is bounded by timeout or by a count of polls.

WSPID=

# wine_env PREFIX: Wine's environment for the run.
wine_env() {
	export WINEPREFIX=$1
	export WINEDEBUG=-all
	export WINEDLLOVERRIDES='mscoree,mshtml='
}

# wine_kill [CMD...]: stops the Wine server of this prefix, if any.
# shellcheck disable=SC2120	# CMD... is optional
wine_kill() {
	"$@" timeout 20 wineserver -k >/dev/null 2>&1
}

# wine_boot LOG [CMD...]: makes (or updates) the prefix, then ends
# everything wineboot started: after "wineboot -i" two services.exe can
# be left running, each with its own view of the service database (sc
# then fails with 1060 on a service the other one has just created).
# The run's own server starts afterwards.  Returns wineboot's status.
wine_boot() {
	local log=$1
	shift
	"$@" timeout 120 wineboot -i </dev/null >"$log" 2>&1 || return
	wine_kill "$@"
}

# wine_prefix LOG [CMD...]: a new private prefix (about 8 s to make):
# the server of an earlier one stopped, the prefix removed and made
# again with wine_boot.  Returns wineboot's status.
wine_prefix() {
	local log=$1
	shift
	[ -d "$WINEPREFIX" ] && wine_kill "$@"
	rm -rf "$WINEPREFIX"
	mkdir -p "$WINEPREFIX"
	wine_boot "$log" "$@"
}

# wine_server_start LOG [CMD...]: once the prefix's server is gone, the
# run's own one, kept up with -p for the whole run: Wine stops service
# processes once no ordinary program runs.
wine_server_start() {
	local log=$1
	shift
	"$@" timeout 20 wineserver -w >/dev/null 2>&1
	"$@" wineserver -f -p </dev/null >"$log" 2>&1 &
	WSPID=$!
}

# wine_server_stop [CMD...]: wineserver -k for this prefix, then, if the
# server is still there after 10 s, its PID (SIGTERM, then SIGKILL).
# shellcheck disable=SC2120	# CMD... is optional
wine_server_stop() {
	[ -n "$WSPID" ] || return 0
	wine_kill "$@"
	for _ in $(seq 50); do
		kill -0 "$WSPID" 2>/dev/null || break
		sleep 0.2
	done
	if kill "$WSPID" 2>/dev/null; then
		sleep 2
		kill -9 "$WSPID" 2>/dev/null
	fi
	wait "$WSPID" 2>/dev/null
	WSPID=
}

# wine_stop PID...: the end of a run: SIGTERM to each background job
# (a bounded "timeout ... wine" or a helper), the server stopped, then
# the jobs reaped.
wine_stop() {
	local p
	for p in "$@"; do
		kill "$p" 2>/dev/null
	done
	wine_server_stop
	for p in "$@"; do
		wait "$p" 2>/dev/null
	done
}

# With regress/lib.sh, the rest is lib.sh's.
declare -F suite_done >/dev/null && return 0

pass=0
fail=0
NOTOK_SHOW=${NOTOK_SHOW:-plain}
NOTOK_LINES=${NOTOK_LINES:-20}
WRUN_SPLIT=${WRUN_SPLIT:-}

die() {
	echo "$SUITE: $1" >&2
	[ -n "${2:-}" ] && cat "$2" >&2
	exit 1
}

need_files() {
	local f
	for f in "$@"; do
		[ -f "$f" ] || die "no $f"
	done
}

need_tools() {
	local c
	for c in "$@"; do
		command -v "$c" >/dev/null 2>&1 || die "$c is missing"
	done
}

# ok WORDS...: the case passed.
ok() {
	echo "ok - $*"
	pass=$((pass + 1))
}

# notok NAME [FILE...]: the case failed; the last NOTOK_LINES lines of
# each FILE (a log) are shown as comments: "#   line" (plain), "#
# file: line" (named), or a "#   file:" line, then "#   line" without
# the CRs (titled).
notok() {
	local f
	echo "not ok - $1"
	fail=$((fail + 1))
	shift
	for f in "$@"; do
		[ -f "$f" ] || continue
		case $NOTOK_SHOW in
		named)	sed "s|^|#   $(basename "$f"): |" "$f" ;;
		titled)	echo "#   $(basename "$f"):"
			tr -d '\r' <"$f" | sed 's/^/#   /' ;;
		*)	sed 's/^/#   /' "$f" ;;
		esac | tail -n "$NOTOK_LINES"
	done
}

suite_done() {
	echo "$SUITE: $pass passed, $fail failed"
	[ "$fail" = 0 ]
}

# wrun NAME ARGS...: one Wine command, stdin closed, bounded by T; its
# output (CRs removed) in $dir/NAME.log, or with WRUN_SPLIT its stdout
# and stderr in $dir/NAME.out and NAME.err; returns its exit status.
# shellcheck disable=SC2154	# dir: the suite's run directory
wrun() {
	local name=$1 rc
	shift
	if [ -n "$WRUN_SPLIT" ]; then
		timeout "$T" wine "$@" </dev/null >"$dir/$name.rawout" \
		    2>"$dir/$name.rawerr"
		rc=$?
		tr -d '\r' <"$dir/$name.rawout" >"$dir/$name.out"
		tr -d '\r' <"$dir/$name.rawerr" >"$dir/$name.err"
	else
		timeout "$T" wine "$@" </dev/null >"$dir/$name.raw" 2>&1
		rc=$?
		tr -d '\r' <"$dir/$name.raw" >"$dir/$name.log"
	fi
	return $rc
}

# waitfor FILE PATTERN SECONDS [SKIP]: until a line of FILE (CRs
# removed; its first SKIP lines ignored) matches the extended regex.
waitfor() {
	for _ in $(seq $(($3 * 5))); do
		tr -d '\r' <"$1" 2>/dev/null | tail -n +$((${4:-0} + 1)) |
		    grep -Eq -- "$2" && return 0
		sleep 0.2
	done
	return 1
}

# has FILE PATTERN...: every extended regex matches a line of FILE.
has() {
	local f=$1 p
	shift
	for p in "$@"; do
		grep -Eq -- "$p" "$f" || return 1
	done
}
