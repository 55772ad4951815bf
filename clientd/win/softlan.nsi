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
# softlan.nsi: the Windows client's installer, a 64-bit Unicode NSIS
# installer made by "make windows-dist" (clientd/win/dist.mk) with
# Debian's makensis from the staged package directory:
#
#	makensis -V2 -WX -DVERSION=0.1 -DVIVERSION=0.1.0.0 \
#	    -DSTAGE=/abs/stage -DOUTFILE=/abs/setup.exe [-DWITH_SOFTLANCTL] \
#	    clientd/win/softlan.nsi
#
# The installer, as an administrator only:
#  - stops and unregisters the service of an earlier installation
#    ("clientd.exe uninstall" of the clientd.exe found in the program
#    folder), so that its clientd.exe can be replaced;
#  - copies the programs to $PROGRAMFILES64\softlan (fixed: the service
#    runs as LocalSystem from there, so the folder must be one only
#    administrators can write to), with the uninstaller;
#  - creates %ProgramData%\softlan for SYSTEM and Administrators only
#    (the configuration holds the room's secret; service.c logs there)
#    and copies the example configuration there as clientd.conf only if
#    there is none: a user's configuration is never overwritten;
#  - checks for the TAP-Windows6 driver (a network adapter class subkey
#    whose ComponentId is tap0901) and for an adapter of it named
#    "softlan", and says what is missing;
#  - registers the service ("clientd.exe install"); if that fails it says
#    so and the installer exits with status 2.
# Everything it says goes to $INSTDIR\install.log too; with /S (silent)
# only there: notices are logged, never shown.
#
# The uninstaller runs "clientd.exe uninstall" (stop, delete the
# service), removes the program folder and its Apps & features entry,
# and keeps %ProgramData%\softlan (configuration, certificate, log).

!ifndef VERSION | VIVERSION | STAGE | OUTFILE
!error "define VERSION, VIVERSION, STAGE and OUTFILE (see clientd/win/dist.mk)"
!endif

Unicode true
Target amd64-unicode
SetCompressor /SOLID lzma
RequestExecutionLevel admin
ManifestDPIAware true

!include LogicLib.nsh

!define SERVICE		"softlan-clientd"	# BROKER_SERVICE, broker.h
!define ADAPTER		"softlan"		# "tap" of clientd-example.conf
!define TAPID		"tap0901"		# TAP-Windows6's component
# Network adapters: the class key (a subkey per adapter, ComponentId,
# NetCfgInstanceId) and the connections (<NetCfgInstanceId>\Connection,
# Name: the name shown in Network Connections).
!define NETCLASS	"{4D36E972-E325-11CE-BFC1-08002BE10318}"
!define CLASSKEY	"SYSTEM\CurrentControlSet\Control\Class\${NETCLASS}"
!define CONNKEY		"SYSTEM\CurrentControlSet\Control\Network\${NETCLASS}"
!define KEYMAX		1000	# bound on the class subkeys enumerated
!define UNINSTKEY	"Software\Microsoft\Windows\CurrentVersion\Uninstall\softlan"
!define EXECWAIT	"/TIMEOUT=60000"	# nsExec: ms without output

Name "softlan ${VERSION}"
OutFile "${OUTFILE}"
InstallDir "$PROGRAMFILES64\softlan"
BrandingText "softlan ${VERSION}"
ShowInstDetails show
ShowUninstDetails show
LicenseData "${STAGE}/LICENSE.txt"
UninstallText "softlan and its service ${SERVICE} will be removed from \
    $INSTDIR.  Your configuration in $APPDATA\softlan (clientd.conf, the \
    relay's certificate, the log) is kept: delete that folder yourself to \
    remove it."

VIProductVersion "${VIVERSION}"
VIAddVersionKey "ProductName" "softlan"
VIAddVersionKey "ProductVersion" "${VERSION}"
VIAddVersionKey "FileVersion" "${VERSION}"
VIAddVersionKey "FileDescription" "softlan ${VERSION} setup"
VIAddVersionKey "CompanyName" "The softlan authors"
VIAddVersionKey "LegalCopyright" "Copyright (c) 2026 The softlan authors"

Page license
Page instfiles
UninstPage uninstConfirm
UninstPage instfiles

Var LogFile	# $INSTDIR\install.log while the section runs
Var Data	# %ProgramData%\softlan

# Log TEXT: to the details list and to install.log.
!macro Log text
	DetailPrint "${text}"
	${If} $LogFile != ""
		FileWrite $LogFile "${text}$\r$\n"
	${EndIf}
!macroend
!define Log "!insertmacro Log"

# Notice TEXT: logged, and shown unless silent.
!macro Notice text
	${Log} "notice: ${text}"
	MessageBox MB_OK|MB_ICONEXCLAMATION "${text}" /SD IDOK
!macroend
!define Notice "!insertmacro Notice"

# Exec STATUS OUTPUT COMMAND: run a console program, hidden; its exit
# status ("error" if it did not start, "timeout") and its output without
# the final line break into the variables STATUS and OUTPUT.
!macro Exec status output command
	nsExec::ExecToStack ${EXECWAIT} '${command}'
	Pop ${status}
	Pop ${output}
	Push $R9
	${Do}
		StrCpy $R9 ${output} 1 -1
		${If} $R9 != "$\r"
		${AndIf} $R9 != "$\n"
			${Break}
		${EndIf}
		StrCpy ${output} ${output} -1
	${Loop}
	Pop $R9
!macroend
!define Exec "!insertmacro Exec"

# Admin: quit with ERROR_ELEVATION_REQUIRED unless an administrator.
!macro Admin un
Function ${un}.onInit
	UserInfo::GetAccountType
	Pop $0
	${If} $0 != "admin"
		MessageBox MB_OK|MB_ICONSTOP \
		    "softlan can be installed and removed by an administrator \
		    only." /SD IDOK
		SetErrorLevel 740
		Quit
	${EndIf}
	# $APPDATA is %ProgramData% from here on.
	SetShellVarContext all
	SetRegView 64
FunctionEnd
!macroend
!insertmacro Admin ""
!insertmacro Admin "un"

# TapCheck: whether TAP-Windows6 is installed ($0: 0 or 1) and has an
# adapter named ADAPTER ($1: 0 or 1).  OpenVPN's own check takes both
# "tap0901" and "root\tap0901" as its ComponentId.
Function TapCheck
	StrCpy $0 0
	StrCpy $1 0
	StrCpy $2 0
	${DoWhile} $2 < ${KEYMAX}
		ClearErrors
		EnumRegKey $3 HKLM "${CLASSKEY}" $2
		${If} ${Errors}
		${OrIf} $3 == ""
			${Break}
		${EndIf}
		IntOp $2 $2 + 1
		ReadRegStr $4 HKLM "${CLASSKEY}\$3" "ComponentId"
		${If} $4 != "${TAPID}"
		${AndIf} $4 != "root\${TAPID}"
			${Continue}
		${EndIf}
		StrCpy $0 1
		ReadRegStr $4 HKLM "${CLASSKEY}\$3" "NetCfgInstanceId"
		${If} $4 == ""
			${Continue}
		${EndIf}
		ReadRegStr $5 HKLM "${CONNKEY}\$4\Connection" "Name"
		${Log} "TAP-Windows6 adapter $4: $\"$5$\""
		${If} $5 == "${ADAPTER}"
			StrCpy $1 1
		${EndIf}
	${Loop}
FunctionEnd

Section "softlan"
	SetOutPath "$INSTDIR"
	StrCpy $Data "$APPDATA\softlan"
	ClearErrors
	FileOpen $LogFile "$INSTDIR\install.log" w
	${If} ${Errors}
		StrCpy $LogFile ""
	${EndIf}
	${Log} "softlan ${VERSION}: installing to $INSTDIR"

	# An earlier installation: its service goes first, so that its
	# clientd.exe is no longer in use.
	${If} ${FileExists} "$INSTDIR\clientd.exe"
		${Exec} $0 $1 '"$INSTDIR\clientd.exe" uninstall'
		${Log} "earlier installation: clientd.exe uninstall: exit $0: $1"
	${EndIf}

	File "${STAGE}/clientd.exe"
!ifdef WITH_SOFTLANCTL
	File "${STAGE}/softlanctl.exe"
!else
	Delete "$INSTDIR\softlanctl.exe"
!endif
	File "${STAGE}/clientd-example.conf"
	File "${STAGE}/README-windows.txt"
	File "${STAGE}/LICENSE.txt"
	WriteUninstaller "$INSTDIR\uninstall.exe"
	${Log} "installed the programs in $INSTDIR"

	WriteRegStr HKLM "${UNINSTKEY}" "DisplayName" "softlan"
	WriteRegStr HKLM "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
	WriteRegStr HKLM "${UNINSTKEY}" "Publisher" "The softlan authors"
	WriteRegStr HKLM "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\clientd.exe"
	WriteRegStr HKLM "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
	WriteRegStr HKLM "${UNINSTKEY}" "UninstallString" \
	    "$\"$INSTDIR\uninstall.exe$\""
	WriteRegStr HKLM "${UNINSTKEY}" "QuietUninstallString" \
	    "$\"$INSTDIR\uninstall.exe$\" /S"
	WriteRegDWORD HKLM "${UNINSTKEY}" "NoModify" 1
	WriteRegDWORD HKLM "${UNINSTKEY}" "NoRepair" 1

	# %ProgramData%\softlan: owned by Administrators, for SYSTEM and
	# Administrators only (ProgramData's own ACL lets users create files).
	CreateDirectory "$Data"
	${Exec} $0 $1 '"$SYSDIR\icacls.exe" "$Data" /setowner *S-1-5-32-544 /Q'
	${Exec} $2 $3 '"$SYSDIR\icacls.exe" "$Data" /inheritance:r \
	    /grant:r *S-1-5-18:(OI)(CI)F *S-1-5-32-544:(OI)(CI)F /Q'
	${If} $0 == "0"
	${AndIf} $2 == "0"
		${Log} "$Data: for SYSTEM and Administrators only"
	${Else}
		${Notice} "Could not restrict $Data to SYSTEM and \
		    Administrators (icacls: exit $0, $2: $1 $3).  It holds \
		    the room's secret: restrict it by hand."
	${EndIf}

	# Never overwrite a configuration: the check, and SetOverwrite off.
	${If} ${FileExists} "$Data\clientd.conf"
		${Log} "kept the configuration $Data\clientd.conf"
	${Else}
		SetOverwrite off
		File "/oname=$Data\clientd.conf" "${STAGE}/clientd-example.conf"
		SetOverwrite on
		${Log} "new configuration $Data\clientd.conf (the example): \
		    edit it, then start the service"
	${EndIf}

	Call TapCheck
	${If} $0 == 0
		${Notice} "The TAP-Windows6 driver is not installed.  softlan \
		    needs it: install TAP-Windows6 (the OpenVPN project's \
		    tap-windows 9.x), then in Network Connections (ncpa.cpl) \
		    create or rename an adapter to $\"${ADAPTER}$\"."
	${ElseIf} $1 == 0
		${Notice} "TAP-Windows6 is installed, but no adapter is \
		    named $\"${ADAPTER}$\": in Network Connections (ncpa.cpl) \
		    rename its adapter (TAP-Windows Adapter V9) to \
		    $\"${ADAPTER}$\", or create one."
	${Else}
		${Log} "TAP-Windows6 adapter $\"${ADAPTER}$\" found"
	${EndIf}

	${Exec} $0 $1 '"$INSTDIR\clientd.exe" install'
	${If} $0 != "0"
		${Log} "error: clientd.exe install: exit $0: $1"
		MessageBox MB_OK|MB_ICONSTOP "The service ${SERVICE} could not \
		    be registered (clientd.exe install: exit $0):$\r$\n$\r$\n$1" \
		    /SD IDOK
		FileClose $LogFile
		StrCpy $LogFile ""
		Abort "The service ${SERVICE} could not be registered."
	${EndIf}
	${Log} "registered the service ${SERVICE}: $1"
	${Log} "done: edit $Data\clientd.conf, then: sc start ${SERVICE}"
	FileClose $LogFile
	StrCpy $LogFile ""
SectionEnd

Section "Uninstall"
	${Exec} $0 $1 '"$INSTDIR\clientd.exe" uninstall'
	DetailPrint "clientd.exe uninstall: exit $0: $1"

	Delete /REBOOTOK "$INSTDIR\clientd.exe"
	Delete "$INSTDIR\softlanctl.exe"
	Delete "$INSTDIR\clientd-example.conf"
	Delete "$INSTDIR\README-windows.txt"
	Delete "$INSTDIR\LICENSE.txt"
	Delete "$INSTDIR\install.log"
	Delete "$INSTDIR\uninstall.exe"
	RMDir /REBOOTOK "$INSTDIR"
	DeleteRegKey HKLM "${UNINSTKEY}"
	DetailPrint "kept $APPDATA\softlan (configuration, log): delete it \
	    yourself to remove them"
SectionEnd
