#!/bin/sh
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
#
# regress/install: "make install" into a DESTDIR, and the systemd units.
#
# usage: run.sh OBJ       (as root; from regress/install/suite.mk)
#
# The install runs through "make install-nodeps" (what "make install"
# runs after "make deps") with the same OBJ, DESTDIR=<tmp> PREFIX=/usr:
#  - every program in PROGS is in /usr/sbin, mode 0555, identical to the
#    build; every man page in MANS in man5/man8; each daemon in PROGS has
#    its unit (ExecStart=/usr/sbin/DAEMON -d, no @SBINDIR@ left), its
#    example in /usr/share/examples/softlan, /etc/DAEMON.conf (0600), its
#    chroot /var/empty/DAEMON (0755); relayd has /var/lib/relayd (0700);
#  - the installed daemons accept their installed examples (-n);
#  - the staged install creates no user (/etc/passwd and /etc/group
#    unchanged) and says which users the target needs;
#  - "systemd-analyze verify" of each unit, in a scratch root made of the
#    DESTDIR plus the host's stock units and /bin/kill (it checks that the
#    ExecStart binaries exist there and, with MANPATH on the DESTDIR, that
#    every Documentation= man page was installed): exit 0 and no output at
#    all (verify only warns about unknown keys); and with the relayd
#    binary taken away it must fail;
#  - a second install leaves a modified /etc/relayd.conf alone and
#    restores a damaged example; "make uninstall" removes programs, man
#    pages, units and examples and keeps /etc and /var;
#  - the default PREFIX gives ExecStart=/usr/local/sbin/relayd -d;
#  - "make install-users" for real, on a throw-away daemon name (so the
#    machine's _relayd is never touched): a system user with
#    /usr/sbin/nologin and its own group, created once (a second run does
#    nothing), then deleted.

top=$(cd "$(dirname "$0")/../.." && pwd) || exit 1
obj=${1:?usage: run.sh OBJ}
MAKE=${MAKE:-make}
cd "$top" || exit 1
work=$(mktemp -d) || exit 1
tuser=
cleanup() {
	if [ -n "$tuser" ] && getent passwd "_$tuser" >/dev/null; then
		userdel "_$tuser"
	fi
	if [ -n "$tuser" ] && getent group "_$tuser" >/dev/null; then
		groupdel "_$tuser"
	fi
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM HUP

pass=0
fail=0

ok() {
	pass=$((pass + 1))
}

nok() {
	fail=$((fail + 1))
	echo "FAIL: $*" >&2
}

# check DESCRIPTION COMMAND...: one case, passed if COMMAND succeeds.
check() {
	what=$1
	shift
	if "$@"; then
		ok
	else
		nok "$what"
	fi
}

# mk ARGS...: this tree's make, with the suite's OBJ, quiet.
mk() {
	$MAKE --no-print-directory -C "$top" OBJ="$obj" "$@"
}

# mode PATH: the octal permission bits.
mode() {
	stat -c %a "$1"
}

# The build's view of what gets installed.
cat >"$work/vars.mk" <<'EOM'
print-install-vars:
	@echo 'progs="$(notdir $(PROGS))"'
	@echo 'progpaths="$(PROGS)"'
	@echo 'mans="$(MANS)"'
EOM
if ! mk -s -f GNUmakefile -f "$work/vars.mk" print-install-vars \
    >"$work/vars"; then
	echo "install: cannot read PROGS and MANS from the GNUmakefile" >&2
	exit 1
fi
progs=
progpaths=
mans=
# shellcheck source=/dev/null
. "$work/vars"
daemons=
for p in $progs; do
	[ "$p" = softlanctl ] || daemons="$daemons $p"
done
for n in relayd softlanctl; do
	case " $progs " in
	*" $n "*) ok ;;
	*) nok "PROGS ($progs) lacks $n" ;;
	esac
done

root=$work/root
sbin=$root/usr/sbin
units=$root/usr/lib/systemd/system
ex=$root/usr/share/examples/softlan

sum() {
	cat /etc/passwd /etc/group | cksum
}

# 1. The staged install.
before=$(sum)
if mk DESTDIR="$root" PREFIX=/usr install-nodeps >"$work/log1" 2>&1; then
	ok
else
	nok "make install-nodeps DESTDIR=... PREFIX=/usr failed:"
	cat "$work/log1" >&2
fi
check "staged install changed /etc/passwd or /etc/group" \
    test "$before" = "$(sum)"
for d in $daemons; do
	check "staged install does not say the target needs _$d" \
	    grep -q "create the system user _$d " "$work/log1"
done

for p in $progpaths; do
	n=$(basename "$p")
	if [ ! -x "$sbin/$n" ]; then
		nok "$n: not installed in /usr/sbin"
		continue
	fi
	check "$n: mode $(mode "$sbin/$n"), not 555" \
	    test "$(mode "$sbin/$n")" = 555
	check "$n: differs from $p" cmp -s "$p" "$sbin/$n"
done

for m in $mans; do
	i=$root/usr/share/man/man${m##*.}/$(basename "$m")
	check "$m: not installed as $i" cmp -s "$m" "$i"
done

for d in $daemons; do
	u=$units/$d.service
	if [ ! -f "$u" ]; then
		nok "$d: no unit $u (etc/systemd/$d.service missing?)"
		continue
	fi
	check "$d.service: ExecStart is not /usr/sbin/$d -d" \
	    test "$(sed -n 's/^ExecStart=//p' "$u")" = "/usr/sbin/$d -d"
	check "$d.service: ExecStartPre is not /usr/sbin/$d -n" \
	    test "$(sed -n 's/^ExecStartPre=//p' "$u")" = "/usr/sbin/$d -n"
	check "$d.service: @SBINDIR@ left in it" \
	    test "$(grep -c @ "$u")" -eq 0
	check "$d: example missing or different" \
	    cmp -s "etc/$d.conf" "$ex/$d.conf"
	check "$d: /etc/$d.conf missing or different" \
	    cmp -s "etc/$d.conf" "$root/etc/$d.conf"
	check "$d: /etc/$d.conf mode $(mode "$root/etc/$d.conf"), not 600" \
	    test "$(mode "$root/etc/$d.conf")" = 600
	check "$d: /var/empty/$d not a root-owned 0755 directory" \
	    test -d "$root/var/empty/$d" -a \
	    "$(stat -c %u:%a "$root/var/empty/$d")" = 0:755
	"$sbin/$d" -n -f "$ex/$d.conf" >"$work/n.out" 2>&1
	check "$d -n on the installed example: $(cat "$work/n.out")" \
	    grep -qx "configuration OK" "$work/n.out"
done
check "/var/lib/relayd not a 0700 directory" \
    test -d "$root/var/lib/relayd" -a \
    "$(mode "$root/var/lib/relayd")" = 700

# 2. systemd-analyze verify, in a scratch root: the DESTDIR, the host's
# stock units (sysinit.target, multi-user.target, ...) and /bin/kill.
v=$work/vroot
cp -a "$root" "$v" && mkdir -p "$v/usr/bin" &&
    cp -a /usr/lib/systemd/system/. "$v/usr/lib/systemd/system/" &&
    cp /usr/bin/kill "$v/usr/bin/kill" && ln -s usr/bin "$v/bin" ||
    exit 1
verify() {
	MANPATH=$root/usr/share/man SYSTEMD_LOG_COLOR=0 \
	    systemd-analyze verify --generators=no --root="$v" \
	    "/usr/lib/systemd/system/$1.service" >"$work/verify" 2>&1
}
for d in $daemons; do
	[ -f "$units/$d.service" ] || continue
	if verify "$d" && [ ! -s "$work/verify" ]; then
		ok
	else
		nok "systemd-analyze verify $d.service:"
		cat "$work/verify" >&2
	fi
done
mv "$v/usr/sbin/relayd" "$v/usr/sbin/relayd.away"
if verify relayd; then
	nok "systemd-analyze verify passes relayd.service without relayd"
elif grep -q "/usr/sbin/relayd" "$work/verify"; then
	ok
else
	nok "verify without relayd failed, but not on /usr/sbin/relayd:"
	cat "$work/verify" >&2
fi

# 3. A second install keeps the operator's config, renews the example.
echo "# the operator was here" >>"$root/etc/relayd.conf"
cp "$root/etc/relayd.conf" "$work/relayd.conf.mine"
chmod u+w "$ex/relayd.conf" && echo "damage" >"$ex/relayd.conf"
if mk DESTDIR="$root" PREFIX=/usr install-nodeps >"$work/log2" 2>&1; then
	ok
else
	nok "second make install-nodeps failed:"
	cat "$work/log2" >&2
fi
check "second install overwrote the modified /etc/relayd.conf" \
    cmp -s "$work/relayd.conf.mine" "$root/etc/relayd.conf"
check "second install did not say /etc/relayd.conf was left alone" \
    grep -q "relayd.conf exists, left alone" "$work/log2"
check "second install did not restore the example" \
    cmp -s etc/relayd.conf "$ex/relayd.conf"

# 4. make uninstall: the programs go, the operator's files stay.
if mk DESTDIR="$root" PREFIX=/usr uninstall >"$work/log3" 2>&1; then
	ok
else
	nok "make uninstall failed:"
	cat "$work/log3" >&2
fi
left=$(cd "$root" && find usr -type f | sort | tr '\n' ' ')
check "uninstall left files: $left" test -z "$left"
check "uninstall removed /etc/relayd.conf" \
    cmp -s "$work/relayd.conf.mine" "$root/etc/relayd.conf"
check "uninstall removed /var/lib/relayd" test -d "$root/var/lib/relayd"

# 5. The default PREFIX.
r2=$work/root2
if mk DESTDIR="$r2" install-nodeps >"$work/log4" 2>&1; then
	check "PREFIX=/usr/local: ExecStart is not /usr/local/sbin/relayd -d" \
	    test "$(sed -n 's/^ExecStart=//p' \
	    "$r2/usr/local/lib/systemd/system/relayd.service")" = \
	    "/usr/local/sbin/relayd -d"
	check "PREFIX=/usr/local: no /usr/local/sbin/softlanctl" \
	    test -x "$r2/usr/local/sbin/softlanctl"
else
	nok "make install-nodeps DESTDIR=... (default PREFIX) failed:"
	cat "$work/log4" >&2
fi

# 6. install-users for real, on a name of our own.
tuser=sltest$$
if getent passwd "_$tuser" >/dev/null || getent group "_$tuser" >/dev/null
then
	tuser=
	nok "user or group _sltest$$ already exists"
else
	if mk INST_DAEMONS="$tuser" install-users >"$work/log5" 2>&1; then
		ok
	else
		nok "make install-users failed:"
		cat "$work/log5" >&2
	fi
	pw=$(getent passwd "_$tuser")
	IFS=: read -r _ _ uid gid _ home shell <<EOP
$pw
EOP
	check "install-users: no user _$tuser" test -n "$pw"
	check "install-users: _$tuser has shell '$shell'" \
	    test "$shell" = /usr/sbin/nologin
	check "install-users: _$tuser has home '$home'" \
	    test "$home" = /nonexistent
	check "install-users: _$tuser uid $uid is not a system uid" \
	    test -n "$uid" -a "${uid:-1000}" -lt 1000
	check "install-users: _$tuser's group is not _$tuser" \
	    test "$(getent group "$gid" | cut -d: -f1)" = "_$tuser"
	before=$(sum)
	mk INST_DAEMONS="$tuser" install-users >"$work/log6" 2>&1
	check "install-users, second run: failed or changed the users" \
	    test $? -eq 0 -a "$before" = "$(sum)"
	check "install-users, second run: ran useradd" \
	    test "$(grep -c useradd "$work/log6")" -eq 0
fi

echo "install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
