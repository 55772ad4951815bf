# The TAP-Windows6 stand-in for the Wine end-to-end tests: fakenic.exe,
# the server end of a message-mode named pipe bridged to UDP on
# 127.0.0.1 (regress/win/fakenic.c; regress/win/tapbridge.py puts the
# other end on a Linux TAP device), and fakepeer.exe, a pipe client
# that answers ARP and ping for one address (regress/win/fakepeer.c).
# Meant to be included by win.mk (its WIN_CC, WIN_CPPFLAGS,
# WIN_ALL_CFLAGS and -Werror); each program is one source file linked
# statically with Winsock only, under $(WIN_OBJ)/regress/win/.
#
# make win-fakenic		both programs
# make check-win-fakenic	regress/win/wine-fakenic.sh: a network
#				namespace, a TAP device, a private Wine
#				prefix ($(WIN_OBJ)/fakenic/wineprefix), ping
#				through both; needs root

ifndef WIN_FAKENIC_MK
WIN_FAKENIC_MK :=	1

WIN_FAKENIC_EXE :=	$(WIN_OBJ)/regress/win/fakenic.exe
WIN_FAKEPEER_EXE :=	$(WIN_OBJ)/regress/win/fakepeer.exe
WIN_FAKENIC_LIBS :=	-lws2_32

# The harness's own test (regress/win/wine-fakenic.sh), in make check.
CHECKS +=		check-win-fakenic

.PHONY: win-fakenic check-win-fakenic

win-fakenic: $(WIN_FAKENIC_EXE) $(WIN_FAKEPEER_EXE)

check-win-fakenic: $(WIN_DEPS)
	@$(MAKE) --no-print-directory $(WIN_FAKENIC_EXE) $(WIN_FAKEPEER_EXE)
	@timeout -k 5 300 bash regress/win/wine-fakenic.sh $(WIN_OBJ)

$(WIN_OBJ)/regress/win/fake%.exe: regress/win/fake%.c
	@mkdir -p $(@D)
	$(WIN_CC) $(WIN_CPPFLAGS) $(WIN_ALL_CFLAGS) $(WIN_LDFLAGS) \
	    -o $@ $< $(WIN_FAKENIC_LIBS)

-include $(WIN_FAKENIC_EXE:.exe=.d) $(WIN_FAKEPEER_EXE:.exe=.d)

endif
