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
# The privsep suite: the process framework (common/proc.c) and the sandbox
# (common/sandbox.c), probed through regress/privsep/testd.
#
#	bash regress/privsep/run.sh [objdir]	(default: $OBJ, else obj)
#
# Needs root.  Creates the system user _softlantest if it is missing (and
# leaves it), network namespaces and interfaces of its own (removed at
# exit, also on failure), and kills only the processes it started.  Every
# wait is bounded.  One line per case, then "privsep: N passed, M failed".
# The harness (namespaces, processes, waits, reporting) is regress/lib.sh.

SUITE=privsep
T=slps$$
OK_MARK="ok  "
FAIL_MARK=FAIL
. "$(dirname "$0")/../lib.sh"
TESTD=$OBJDIR/regress/privsep/testd
RAWPEER=$OBJDIR/regress/privsep/rawpeer
TUSER=_softlantest

suite_init "$TESTD" "$RAWPEER"
CHROOT=$WORK/empty

# wait_log file pattern tenths
wait_log() {
	wait_for "$3" grep -qs -- "$2" "$1"
}

# start log [ip netns exec ns] testd args...: sets $pid; "wait $pid"
# gives its exit status.
start() {
	local log=$1
	shift
	spawn -w pid "$@" >"$log" 2>&1
}

# The child's pid, from its "sandboxed, pid N" line.
logged_child() {
	sed -n 's/^child: sandboxed, pid \([0-9]*\)$/\1/p' "$1" | head -n 1
}

# proc_field pid name: a field of /proc/pid/status, blanks squeezed.
proc_field() {
	sed -n "s/^$2:[[:space:]]*//p" "/proc/$1/status" | tr -s '\t ' ' ' |
	    sed 's/ $//'
}

sys_users "$TUSER" || exit 1
TUID=$(id -u "$TUSER")
TGID=$(id -g "$TUSER")

# 1. The confined child: dedicated ids, no capabilities, no_new_privs,
#    seccomp filter, root in the (new) chroot directory.
L=$WORK/1.log
start "$L" "$TESTD" -d -C "$CHROOT" -t none
ppid=$pid
if wait_log "$L" "child: sandboxed" 30 &&
    wait_log "$L" "child: parent answered hello" 10; then
	cpid=$(logged_child "$L")
	why=
	[ "$(proc_field "$cpid" PPid)" = "$ppid" ] ||
	    why="$why ppid"
	[ "$(proc_field "$cpid" Uid)" = "$TUID $TUID $TUID $TUID" ] ||
	    why="$why uid=$(proc_field "$cpid" Uid)"
	[ "$(proc_field "$cpid" Gid)" = "$TGID $TGID $TGID $TGID" ] ||
	    why="$why gid=$(proc_field "$cpid" Gid)"
	[ "$(proc_field "$cpid" Groups)" = "$TGID" ] ||
	    why="$why groups=$(proc_field "$cpid" Groups)"
	[ "$(proc_field "$cpid" CapEff)" = 0000000000000000 ] ||
	    why="$why CapEff=$(proc_field "$cpid" CapEff)"
	[ "$(proc_field "$cpid" CapPrm)" = 0000000000000000 ] ||
	    why="$why CapPrm=$(proc_field "$cpid" CapPrm)"
	[ "$(proc_field "$cpid" NoNewPrivs)" = 1 ] ||
	    why="$why NoNewPrivs=$(proc_field "$cpid" NoNewPrivs)"
	[ "$(proc_field "$cpid" Seccomp)" = 2 ] ||
	    why="$why Seccomp=$(proc_field "$cpid" Seccomp)"
	grep -q "^Max processes  *0  *0 " "/proc/$cpid/limits" ||
	    why="$why RLIMIT_NPROC not 0"
	grep -q "^Max file size  *0  *0 " "/proc/$cpid/limits" ||
	    why="$why RLIMIT_FSIZE not 0"
	[ "$(readlink "/proc/$cpid/root")" = "$CHROOT" ] ||
	    why="$why root=$(readlink "/proc/$cpid/root")"
	[ "$(cat "/proc/$cpid/comm")" = child ] ||
	    why="$why comm=$(cat "/proc/$cpid/comm")"
	[ "$(cat "/proc/$ppid/comm")" = parent ] ||
	    why="$why parent-comm=$(cat "/proc/$ppid/comm")"
	[ "$(stat -c '%u %a' "$CHROOT")" = "0 755" ] ||
	    why="$why chroot-dir=$(stat -c '%u %a' "$CHROOT")"
	if [ -z "$why" ]; then
		ok "1 child sandboxed: uid/gid $TUID/$TGID, CapEff 0," \
		    "NoNewPrivs 1, Seccomp 2, NPROC/FSIZE 0, root $CHROOT"
	else
		fail "1 child sandbox:$why"
		show "$L"
	fi
else
	fail "1 child sandbox: child never reported ready"
	show "$L"
fi
stop_pid "$ppid"

# 1b. A chroot directory writable by others is refused.
BADROOT=$WORK/badroot
mkdir -m 0777 "$BADROOT"
chmod 0777 "$BADROOT"
L=$WORK/1b.log
start "$L" "$TESTD" -d -C "$BADROOT" -t none
if wait_gone "$pid" 30 && ! wait "$pid" &&
    grep -q "chroot directory $BADROOT: writable by group or others" "$L" &&
    grep -q "parent: lost child" "$L"; then
	ok "1b a world-writable chroot directory is refused"
else
	fail "1b a world-writable chroot directory was not refused"
	show "$L"
fi
stop_pid "$pid"

# 1c. So is one owned by another user.
NOTROOT=$WORK/notroot
mkdir -m 0755 "$NOTROOT"
chown nobody "$NOTROOT"
L=$WORK/1c.log
start "$L" "$TESTD" -d -C "$NOTROOT" -t none
if wait_gone "$pid" 30 && ! wait "$pid" &&
    grep -q "chroot directory $NOTROOT: owned by uid [0-9]*, not root" "$L" &&
    grep -q "parent: lost child" "$L"; then
	ok "1c a chroot directory not owned by root is refused"
else
	fail "1c a chroot directory owned by nobody was not refused"
	show "$L"
fi
stop_pid "$pid"

# 2. Each forbidden syscall kills the child (SIGSYS), in trap mode after
#    logging its name; the parent then exits with "lost child".  Without
#    the filter (-F) the same run must not end that way.
for t in socket openat execve fork; do
	name=$t
	[ "$t" = fork ] && name=clone	# glibc's fork() is clone(2)
	why=

	L=$WORK/2-$t-kill.log
	start "$L" "$TESTD" -d -C "$CHROOT" -t "$t"
	if ! wait_gone "$pid" 30; then
		why="$why kill-mode parent still running;"
	elif wait "$pid"; then
		why="$why kill-mode parent exited 0;"
	fi
	grep -q "child: calling $t()" "$L" ||
	    why="$why kill-mode child never tried $t;"
	grep -q "parent: lost child: child, pid [0-9]*, killed by signal 31 (SIGSYS)" "$L" ||
	    why="$why no 'lost child ... SIGSYS' in kill mode;"
	stop_pid "$pid"

	L2=$WORK/2-$t-trap.log
	start "$L2" env SOFTLAN_SECCOMP_TRAP=1 "$TESTD" -d -C "$CHROOT" -t "$t"
	if ! wait_gone "$pid" 30; then
		why="$why trap-mode parent still running;"
	elif wait "$pid"; then
		why="$why trap-mode parent exited 0;"
	fi
	grep -q "child: seccomp: forbidden syscall $name ([0-9]*)" "$L2" ||
	    why="$why trap mode did not name $name;"
	grep -q "parent: lost child: child, pid [0-9]*, killed by signal 31 (SIGSYS)" "$L2" ||
	    why="$why no 'lost child ... SIGSYS' in trap mode;"
	stop_pid "$pid"

	L3=$WORK/2-$t-nofilter.log
	start "$L3" "$TESTD" -d -F -C "$CHROOT" -t "$t"
	wait_log "$L3" "child: still alive after $t()" 30 ||
	    why="$why without the filter the child did not survive $t;"
	alive "$pid" ||
	    why="$why without the filter the parent exited;"
	grep -q "lost child" "$L3" &&
	    why="$why without the filter: lost child;"
	stop_pid "$pid"

	if [ -z "$why" ]; then
		ok "2 $t() kills the child by SIGSYS (trap mode names" \
		    "$name); not without the filter"
	else
		fail "2 $t():$why"
		for f in "$L" "$L2" "$L3"; do show "$f"; done
	fi
done

# 3. Either side dying ends the other within 1 s; SIGTERM stops both.
L=$WORK/3a.log
start "$L" "$TESTD" -d -C "$CHROOT" -t none
ppid=$pid
if wait_log "$L" "child: sandboxed" 30; then
	cpid=$(logged_child "$L")
	kill -9 "$cpid"
	if wait_gone "$ppid" 10 && ! wait "$ppid" &&
	    grep -q "parent: lost child: child, pid $cpid, killed by signal 9 (SIGKILL)" "$L"; then
		ok "3a kill -9 of the child ends the parent within 1 s"
	else
		fail "3a kill -9 of the child did not end the parent in 1 s"
		show "$L"
	fi
else
	fail "3a child never reported ready"
	show "$L"
fi
stop_pid "$ppid"

L=$WORK/3b.log
# Disowned: the shell is not to report the parent's SIGKILL.
spawn pid "$TESTD" -d -C "$CHROOT" -t none >"$L" 2>&1
ppid=$pid
if wait_log "$L" "child: sandboxed" 30; then
	cpid=$(logged_child "$L")
	PIDS="$PIDS $cpid"
	kill -9 "$ppid"
	if wait_gone "$cpid" 10 && wait_gone "$ppid" 1; then
		ok "3b kill -9 of the parent ends the child within 1 s"
	else
		fail "3b child $cpid survived its parent"
		show "$L"
	fi
else
	fail "3b child never reported ready"
	show "$L"
fi
stop_pid "$ppid"

L=$WORK/3c.log
start "$L" "$TESTD" -d -C "$CHROOT" -t none
ppid=$pid
if wait_log "$L" "child: parent answered hello" 30; then
	cpid=$(logged_child "$L")
	PIDS="$PIDS $cpid"
	kill -TERM "$ppid"
	if wait_gone "$ppid" 20 && wait "$ppid" && ! alive "$cpid" &&
	    grep -q "parent: parent terminating" "$L" &&
	    ! grep -q "lost child" "$L"; then
		ok "3c SIGTERM stops child and parent, exit 0, nothing left"
	else
		fail "3c SIGTERM did not stop both cleanly"
		show "$L"
	fi
else
	fail "3c child never reported ready"
	show "$L"
fi
stop_pid "$ppid"

L=$WORK/3d.log
start "$L" "$TESTD" -d -C "$CHROOT" -t none
ppid=$pid
if wait_log "$L" "child: parent answered hello" 30; then
	cpid=$(logged_child "$L")
	PIDS="$PIDS $cpid"
	kill -HUP "$ppid"
	if wait_log "$L" "parent: reload hook called, child pid $cpid" 20 &&
	    alive "$ppid" && alive "$cpid"; then
		ok "3d SIGHUP calls the reload hook, both keep running"
	else
		fail "3d SIGHUP did not reach the reload hook"
		show "$L"
	fi
else
	fail "3d child never reported ready"
	show "$L"
fi
stop_pid "$ppid"

# 4. Descriptors from the parent carry frames both ways: an AF_PACKET
#    socket on a veth (far end in another netns), and a TAP.  In trap
#    mode, so that a syscall missing from the allow-list shows by name.
if netns_add A && netns_add B &&
    veth_pair "$NS_A" "${T}v0" - "$NS_B" "${T}v1" -; then
	L=$WORK/4a.log
	P=$WORK/4a-peer.log
	start "$L" env SOFTLAN_SECCOMP_TRAP=1 ip netns exec "$NS_A" \
	    "$TESTD" -d -C "$CHROOT" -p "${T}v0"
	ppid=$pid
	wait_log "$L" "child: sending frames on packet socket" 30
	start "$P" ip netns exec "$NS_B" "$RAWPEER" "${T}v1" 5000
	rpid=$pid
	wait_gone "$rpid" 80
	if wait "$rpid" &&
	    grep -q "rawpeer: received frame from the child" "$P" &&
	    wait_log "$L" "child: received frame from peer on packet socket" 20 &&
	    ! grep -q "seccomp:" "$L" && ! grep -q "lost child" "$L"; then
		ok "4a AF_PACKET fd from the parent: frames both ways" \
		    "across a veth"
	else
		fail "4a AF_PACKET frame exchange"
		show "$L"
		show "$P"
	fi
	stop_pid "$ppid"
else
	fail "4a cannot set up the veth pair"
fi

TAP=${T}t
if netns_add C; then
	L=$WORK/4b.log
	P=$WORK/4b-peer.log
	start "$L" env SOFTLAN_SECCOMP_TRAP=1 ip netns exec "$NS_C" \
	    "$TESTD" -d -C "$CHROOT" -T "$TAP"
	ppid=$pid
	wait_log "$L" "child: sending frames on TAP" 30
	start "$P" ip netns exec "$NS_C" "$RAWPEER" "$TAP" 5000
	rpid=$pid
	wait_gone "$rpid" 80
	if wait "$rpid" &&
	    grep -q "rawpeer: received frame from the child" "$P" &&
	    wait_log "$L" "child: received frame from peer on TAP" 20 &&
	    ! grep -q "seccomp:" "$L" && ! grep -q "lost child" "$L"; then
		ok "4b TAP fd from the parent: frames both ways"
	else
		fail "4b TAP frame exchange"
		show "$L"
		show "$P"
	fi
	stop_pid "$ppid"
	if ip -n "$NS_C" link show "$TAP" >/dev/null 2>&1; then
		fail "4c TAP $TAP still exists after the daemon stopped"
	else
		ok "4c TAP gone with the daemon"
	fi
else
	fail "4b cannot create netns $NS_C"
fi

# 5. Refusals: a packet socket on a non-Ethernet interface fails at start
#    naming it; malformed or unexpected requests make the parent exit.
L=$WORK/5a.log
start "$L" "$TESTD" -d -C "$CHROOT" -p lo
if wait_gone "$pid" 30 && ! wait "$pid" &&
    grep -q "parent: packet socket: interface lo: not Ethernet" "$L"; then
	ok "5a packet socket on lo refused: $(grep -o 'interface lo:.*' "$L")"
else
	fail "5a packet socket on lo not refused clearly"
	show "$L"
fi
stop_pid "$pid"

for r in malformed-size unknown-type twice forged-log; do
	case $r in
	malformed-size)
		want="parent: child sent malformed IMSG_TESTD_HELLO: size 2, expected 4";;
	unknown-type)
		want="parent: child sent unexpected imsg type 999";;
	twice)
		want="parent: child sent IMSG_TESTD_HELLO again: allowed once";;
	forged-log)
		want="parent: child sent malformed IMSG_LOG: line does not start with";;
	esac
	L=$WORK/5-$r.log
	start "$L" "$TESTD" -d -C "$CHROOT" -r "$r"
	if wait_gone "$pid" 30 && ! wait "$pid" && grep -q "$want" "$L" &&
	    grep -q "parent: parent terminating" "$L"; then
		ok "5 $r: parent exits: ${want#parent: }"
	else
		fail "5 $r: parent did not exit with \"$want\""
		show "$L"
	fi
	stop_pid "$pid"
done

# 6. Without root: the child says once that it skips chroot and setuid,
#    and is still under no_new_privs and seccomp.
NOBODY_UID=$(id -u nobody)
NOGROUP=$(id -gn nobody)
chmod 0711 "$WORK"
cp "$TESTD" "$WORK/testd"
chmod 0755 "$WORK/testd"
L=$WORK/6.log
start "$L" setpriv --reuid=nobody --regid="$NOGROUP" --clear-groups \
    "$WORK/testd" -d -t none
ppid=$pid
if wait_log "$L" "child: parent answered hello" 30; then
	cpid=$(logged_child "$L")
	why=
	n=$(grep -c "child: not running as root: chroot and setuid to $TUSER skipped" "$L")
	[ "$n" = 1 ] || why="$why skip line seen $n times;"
	[ "$(proc_field "$cpid" Uid)" = \
	    "$NOBODY_UID $NOBODY_UID $NOBODY_UID $NOBODY_UID" ] ||
	    why="$why uid=$(proc_field "$cpid" Uid);"
	[ "$(proc_field "$cpid" NoNewPrivs)" = 1 ] ||
	    why="$why NoNewPrivs=$(proc_field "$cpid" NoNewPrivs);"
	[ "$(proc_field "$cpid" Seccomp)" = 2 ] ||
	    why="$why Seccomp=$(proc_field "$cpid" Seccomp);"
	if [ -z "$why" ]; then
		ok "6 as nobody: chroot/setuid skipped once, NoNewPrivs 1," \
		    "Seccomp 2"
	else
		fail "6 as nobody:$why"
		show "$L"
	fi
else
	fail "6 as nobody: child never reported ready"
	show "$L"
fi
stop_pid "$ppid"

# Nothing the suite started may survive it: daemons, peers, children.
for f in "$WORK"/*.log; do
	PIDS="$PIDS $(logged_child "$f")"
done
left=
for p in $PIDS; do
	alive "$p" && left="$left $p"
done
if [ -z "$left" ]; then
	ok "7 no process left behind"
else
	fail "7 processes left behind:$left"
fi

suite_done
