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
# wine-dist.sh DISTDIR NAME [softlanctl.exe]: the Windows packages that
# "make windows-dist" made (clientd/win/dist.mk), DISTDIR/NAME.zip and
# DISTDIR/NAME-setup.exe; softlanctl.exe as third argument when the
# package must have it.  Builds nothing.  One "ok" or "not ok" line per
# case, then "wine-dist: N passed, M failed" (exit 1 if M > 0).  Run from
# the top of the tree (make check-win-dist).
#
# The zip must hold exactly the expected files.  Then, in a new private
# Wine prefix (DISTDIR/wineprefix) with its own server kept up by -p (Wine
# stops service processes once no ordinary program runs): a silent
# install, checked in the prefix's Program Files\softlan and
# ProgramData\softlan, with "sc qc" and with "clientd.exe -n" on the
# installed configuration; a second one over a modified
# configuration and with a stand-in TAP-Windows6 adapter in the registry
# (Wine cannot load the driver); the silent uninstaller; and an install
# that cannot register the service.  At the end that server, and only
# that one, is stopped: wineserver -k with this WINEPREFIX, then its PID.
# Every command is bounded by timeout; run files stay in
# DISTDIR/wine-dist/ (logs with their CRs removed).

set -u

SUITE=wine-dist
. "$(dirname "$0")/winelib.sh"

usage="usage: wine-dist.sh distdir name [softlanctl.exe]"
distdir=${1:?$usage}
name=${2:?$usage}
ctl=${3:-}
top=$(pwd)
case $distdir in
/*)	;;
*)	distdir=$top/$distdir ;;
esac
zip=$distdir/$name.zip
setup=$distdir/$name-setup.exe
dir=$distdir/wine-dist
wine_env "$distdir/wineprefix"
T=60		# seconds: the bound of each Wine command
svc=softlan-clientd
pf=$WINEPREFIX/drive_c/Program\ Files/softlan
pd=$WINEPREFIX/drive_c/ProgramData/softlan
netclass='{4D36E972-E325-11CE-BFC1-08002BE10318}'
classkey="HKLM\\SYSTEM\\CurrentControlSet\\Control\\Class\\$netclass"
connkey="HKLM\\SYSTEM\\CurrentControlSet\\Control\\Network\\$netclass"
uninstkey='HKLM\Software\Microsoft\Windows\CurrentVersion\Uninstall\softlan'
svckey="HKLM\\System\\CurrentControlSet\\Services\\$svc"
fakeguid='{5D0F7A3E-9C41-4B7E-8A1D-50F71A000042}'
noqc=

files="clientd.exe ${ctl:+softlanctl.exe} clientd-example.conf
README-windows.txt LICENSE.txt"

need_files "$zip" "$setup"
need_tools wine wineserver timeout unzip cmp

cleanup() {
	wine_server_stop
}
trap cleanup EXIT
trap 'exit 1' INT TERM

# instlog NAME: install.log of the last install (CRs removed) as
# $dir/NAME.log.
instlog() {
	tr -d '\r' <"$pf/install.log" >"$dir/$1.log" 2>/dev/null ||
	    : >"$dir/$1.log"
}

# svcqc NAME: true if our service exists, with automatic start, run from
# Program Files\softlan; the outputs in $dir/NAME*.log.  "sc qc" says
# it, where sc has it; Wine 8's sc.exe has no qc (no output, exit 1):
# then "sc query" and the service's registry key.
svcqc() {
	wrun "$1" sc qc $svc
	if grep -q 'SERVICE_NAME' "$dir/$1.log"; then
		has "$dir/$1.log" "SERVICE_NAME: $svc\$" 'START_TYPE +: +2 ' \
		    'BINARY_PATH_NAME +: +"?C:\\Program Files\\softlan\\clientd\.exe"?$'
		return
	fi
	[ -z "$noqc" ] && noqc=1 &&
	    echo "# wine: no sc qc (Wine's sc.exe): sc query and the registry"
	wrun "$1-query" sc query $svc &&
	    has "$dir/$1-query.log" "SERVICE_NAME: $svc\$" &&
	    wrun "$1-reg" reg query "$svckey" &&
	    has "$dir/$1-reg.log" 'Start +REG_DWORD +0x2$' \
	    'ImagePath +REG_SZ +"C:\\Program Files\\softlan\\clientd\.exe"$'
}

# svcgone NAME: true if sc query knows no such service.
svcgone() {
	! wrun "$1" sc query $svc && ! grep -q SERVICE_NAME "$dir/$1.log"
}

# --- the zip ---------------------------------------------------------

rm -rf "$dir"
mkdir -p "$dir"
for f in $files; do
	echo "$name/$f"
done | sort >"$dir/zip.want"
unzip -Z1 "$zip" 2>"$dir/zip.err" | sort >"$dir/zip.have"
if [ -s "$dir/zip.have" ] && cmp -s "$dir/zip.want" "$dir/zip.have"; then
	ok "zip: exactly $(echo $files | tr ' ' ',') in $name/"
else
	diff "$dir/zip.want" "$dir/zip.have" >"$dir/zip.diff"
	cat "$dir/zip.err" >>"$dir/zip.diff"
	notok "zip: not the expected files (< wanted, > found)" \
	    "$dir/zip.diff"
fi

# The text files: CRLF on every line; LICENSE.txt is the ISC license.
bad=
for f in clientd-example.conf README-windows.txt LICENSE.txt; do
	unzip -p "$zip" "$name/$f" >"$dir/$f" 2>/dev/null
	if [ ! -s "$dir/$f" ] || grep -qv $'\r$' "$dir/$f"; then
		bad="$bad $f"
	fi
done
if [ -z "$bad" ] &&
    grep -q '^Copyright (c) 2026 The softlan authors' "$dir/LICENSE.txt" &&
    grep -q '^OR IN CONNECTION WITH THE USE OR PERFORMANCE' \
    "$dir/LICENSE.txt" &&
    grep -q '^tap "softlan"' "$dir/clientd-example.conf"; then
	ok "zip: text files with CRLF line endings, ISC LICENSE.txt"
else
	notok "zip: text files (without CRLF:${bad:- none})" \
	    "$dir/LICENSE.txt"
fi

# --- the prefix and its server ---------------------------------------

wine_prefix "$dir/wineboot.log" || die "wineboot failed" "$dir/wineboot.log"
wine_server_start "$dir/wineserver.log"

# --- first install ---------------------------------------------------

wrun setup1 "$setup" /S
rc=$?
instlog install1
if [ $rc = 0 ]; then
	ok "setup /S: exit 0"
else
	notok "setup /S: exit $rc" "$dir/install1.log"
fi

missing=
for f in $files uninstall.exe install.log; do
	[ -f "$pf/$f" ] || missing="$missing $f"
done
if [ -z "$missing" ] && cmp -s "$pf/clientd-example.conf" \
    "$distdir/$name/clientd-example.conf"; then
	ok "Program Files\\softlan: $(echo $files | tr ' ' ','),uninstall.exe"
else
	notok "Program Files\\softlan: missing${missing:- nothing}" \
	    "$dir/install1.log"
fi

if cmp -s "$pd/clientd.conf" "$distdir/$name/clientd-example.conf" &&
    has "$dir/install1.log" 'new configuration .*\\clientd\.conf'; then
	ok "ProgramData\\softlan\\clientd.conf: the example"
else
	notok "ProgramData\\softlan\\clientd.conf missing or different" \
	    "$dir/install1.log"
fi

# The installed clientd.exe reads the installed configuration (its
# default path): the example is valid on Windows.
wrun conf1 "$pf/clientd.exe" -n
rc=$?
if [ $rc = 0 ] && has "$dir/conf1.log" '^configuration OK$'; then
	ok "clientd.exe -n: ProgramData\\softlan\\clientd.conf is valid"
else
	notok "clientd.exe -n: exit $rc" "$dir/conf1.log"
fi

if svcqc qc1 && has "$dir/install1.log" "registered the service $svc" &&
    has "$dir/install1.log" "service $svc installed"; then
	ok "service $svc: automatic start, Program Files\\softlan\\clientd.exe"
else
	notok "service $svc not registered as it should be" "$dir/qc1.log"
	cat "$dir"/qc1-*.log 2>/dev/null | sed 's/^/#   /'
fi

if has "$dir/install1.log" \
    '^notice: The TAP-Windows6 driver is not installed\.' \
    'install TAP-Windows6 \(the OpenVPN project.s tap-windows 9\.x\)' \
    'create or rename an adapter to "softlan"'; then
	ok "no TAP-Windows6 (Wine): the notice is in install.log"
else
	notok "no TAP-Windows6 notice in install.log" "$dir/install1.log"
fi
# Wine's icacls.exe is a stub that changes nothing and exits 0: what the
# installer made of it is shown, the ACL itself is not checked.
grep -E 'ProgramData.*(SYSTEM and|restrict)' "$dir/install1.log" |
    sed 's/^/# wine: /; s/$/ (icacls: a stub)/'

wrun reg1 reg query "$uninstkey"
if has "$dir/reg1.log" 'DisplayVersion +REG_SZ +[0-9]' \
    'UninstallString +REG_SZ +"C:\\Program Files\\softlan\\uninstall\.exe"$'
then
	ok "Apps & features entry: uninstall.exe"
else
	notok "no uninstall entry $uninstkey" "$dir/reg1.log"
fi

# --- second install: a modified configuration, a TAP adapter ----------

# A stand-in for what TAP-Windows6 leaves in the registry: a class
# subkey with its ComponentId and a connection named softlan.  Another
# adapter first, so that the enumeration has to go on.
sed -i 's/^secret "change-me"/secret "wine-dist"/' "$pd/clientd.conf"
printf '# changed by wine-dist\r\n' >>"$pd/clientd.conf"
cp "$pd/clientd.conf" "$dir/clientd.conf.mine"
wrun regtap1 reg add "$classkey\\0041" /v ComponentId /t REG_SZ \
    /d pci\\ven_8086 /f &&
wrun regtap2 reg add "$classkey\\0042" /v ComponentId /t REG_SZ \
    /d tap0901 /f &&
wrun regtap3 reg add "$classkey\\0042" /v NetCfgInstanceId /t REG_SZ \
    /d "$fakeguid" /f &&
wrun regtap4 reg add "$connkey\\$fakeguid\\Connection" /v Name /t REG_SZ \
    /d softlan /f
regrc=$?

wrun setup2 "$setup" /S
rc=$?
instlog install2
if [ $rc = 0 ] && cmp -s "$pd/clientd.conf" "$dir/clientd.conf.mine" &&
    has "$dir/install2.log" 'kept the configuration .*\\clientd\.conf' &&
    svcqc qc2; then
	ok "second setup /S: exit 0, modified clientd.conf kept, service"
else
	notok "second setup /S (exit $rc)" "$dir/install2.log"
fi

if [ $regrc = 0 ] &&
    has "$dir/install2.log" "TAP-Windows6 adapter $fakeguid: \"softlan\"" \
    'TAP-Windows6 adapter "softlan" found' &&
    ! grep -q '^notice: .*TAP' "$dir/install2.log"; then
	ok "stand-in tap0901 adapter \"softlan\" found, no notice"
else
	notok "stand-in TAP adapter (reg add: $regrc)" "$dir/install2.log"
fi

# --- the uninstaller -------------------------------------------------

# It copies itself to %TEMP% and runs from there, so that it can delete
# itself: its own exit says nothing.  Wait for the program folder to go.
wrun uninstall "$pf/uninstall.exe" /S
rc=$?
for _ in $(seq 150); do
	[ -e "$pf" ] || break
	sleep 0.2
done
svcgone query3
gone=$?
wrun reg3 reg query "$uninstkey"
urc=$?
if [ $rc = 0 ] && [ ! -e "$pf" ] && [ $gone = 0 ] && [ $urc != 0 ]; then
	ok "uninstall.exe /S: service, Program Files\\softlan and entry gone"
else
	ls -la "$pf" >"$dir/uninstall.ls" 2>&1
	cat "$dir/query3.log" >>"$dir/uninstall.ls"
	notok "uninstall.exe /S (exit $rc, service gone $gone, reg $urc)" \
	    "$dir/uninstall.ls"
fi

if cmp -s "$pd/clientd.conf" "$dir/clientd.conf.mine"; then
	ok "uninstall keeps ProgramData\\softlan\\clientd.conf"
else
	notok "uninstall: ProgramData\\softlan\\clientd.conf gone or changed"
fi

# --- an install that cannot register the service ---------------------

# The name is taken: clientd.exe install fails, the installer says so
# and exits with status 2.
wrun sccreate sc create $svc binPath= 'C:\windows\system32\notepad.exe'
wrun setup3 "$setup" /S
rc=$?
instlog install3
if [ $rc = 2 ] &&
    has "$dir/install3.log" "^error: clientd\.exe install: exit [1-9]"; then
	ok "service name taken: setup /S exits 2, the error is in install.log"
else
	notok "service name taken: setup /S exit $rc" "$dir/install3.log"
fi
wrun scdelete sc delete $svc

cleanup
suite_done
