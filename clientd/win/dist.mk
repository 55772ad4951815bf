# clientd/win/dist.mk: the Windows client's packages, included at the end
# of clientd/win/win.mk.
#
# make windows-dist	$(WIN_OBJ)/dist/softlan-<version>-win64.zip and
#			softlan-<version>-win64-setup.exe (NSIS,
#			clientd/win/softlan.nsi), both from the staged
#			directory $(WIN_OBJ)/dist/softlan-<version>-win64/
# make check-win-dist	(part of make check) builds them, then
#			regress/win/wine-dist.sh checks the zip and runs
#			the installer and uninstaller silently under Wine
#			in a private prefix ($(WIN_OBJ)/dist/wineprefix)
#
# The package: clientd.exe (WIN_CLIENTD_EXE), softlanctl.exe when
# WIN_SOFTLANCTL_EXE is set (clientd/win/ctl.mk), the example
# configuration etc/clientd-windows.conf as clientd-example.conf,
# clientd/win/README-windows.txt and LICENSE.txt (the ISC text of the
# source headers, taken from common/mtu.h).  The programs are stripped;
# the text files get CRLF line endings.  <version> is CLIENTD_VERSION of
# clientd/clientconf.h.
#
# The two programs' variables may be set by files read after this one, so
# windows-dist and check-win-dist hand their final values to a second
# make as WINDIST_CLIENTD and WINDIST_CTL, on whose command line they are
# known before any makefile is read.  A list of the packaged files
# (files.txt, rewritten only when it changes) makes the zip and the
# installer follow a program that comes or goes.

ifndef WINDIST_MK
WINDIST_MK :=	1

WIN_CLIENTD_EXE ?= $(WINPIPE_EXE)
WIN_MAKENSIS ?=	makensis
WIN_STRIP :=	$(WIN_HOST)-strip

# Any clientd/*.h that defines it (today clientconf.h, which clientd.h
# includes).
WINDIST_VERSED := /^.define[ \t]*CLIENTD_VERSION[ \t]/s/.*"\(.*\)".*/\1/p
WINDIST_VERSION := $(shell sed -n '$(WINDIST_VERSED)' \
		$(wildcard clientd/*.h) | head -n 1)
ifeq ($(WINDIST_VERSION),)
$(error clientd/win/dist.mk: no CLIENTD_VERSION in clientd/*.h)
endif
# The version resource wants four numbers: 0.1 is 0.1.0.0.
WINDIST_VIVERSION := $(shell echo '$(WINDIST_VERSION)' | \
		awk -F. '{ printf "%d.%d.%d.%d", $$1, $$2, $$3, $$4 }')
WINDIST_DIR :=	$(WIN_OBJ)/dist
WINDIST_NAME :=	softlan-$(WINDIST_VERSION)-win64
WINDIST_STAGE := $(WINDIST_DIR)/$(WINDIST_NAME)
WINDIST_ZIP :=	$(WINDIST_DIR)/$(WINDIST_NAME).zip
WINDIST_SETUP := $(WINDIST_DIR)/$(WINDIST_NAME)-setup.exe
WINDIST_LIST :=	$(WINDIST_DIR)/files.txt

# Set by windows-dist and check-win-dist on the second make's command line.
WINDIST_CLIENTD ?= $(WIN_CLIENTD_EXE)
WINDIST_CTL ?=
WINDIST_FILES := clientd.exe $(if $(WINDIST_CTL),softlanctl.exe) \
		clientd-example.conf README-windows.txt LICENSE.txt
WINDIST_STAGED := $(WINDIST_FILES:%=$(WINDIST_STAGE)/%)
WINDIST_PASS =	WINDIST_CLIENTD='$(WIN_CLIENTD_EXE)' \
		WINDIST_CTL='$(WIN_SOFTLANCTL_EXE)'

CHECKS +=	check-win-dist

.PHONY: windows-dist windows-dist-build check-win-dist windist-force

windows-dist: $(WIN_DEPS)
	@$(MAKE) --no-print-directory windows-dist-build $(WINDIST_PASS)

windows-dist-build: $(WINDIST_ZIP) $(WINDIST_SETUP)
	@echo "windows-dist: $(WINDIST_ZIP)"
	@echo "windows-dist: $(WINDIST_SETUP)"

check-win-dist: $(WIN_DEPS)
	@$(MAKE) --no-print-directory windows-dist-build $(WINDIST_PASS)
	@timeout -k 5 600 bash regress/win/wine-dist.sh $(WINDIST_DIR) \
	    $(WINDIST_NAME) $(if $(WIN_SOFTLANCTL_EXE),softlanctl.exe)

$(WINDIST_LIST): windist-force
	@mkdir -p $(@D)
	@echo '$(strip $(WINDIST_FILES))' >$@.tmp
	@if cmp -s $@.tmp $@; then rm -f $@.tmp; else mv -f $@.tmp $@; fi

$(WINDIST_STAGE)/clientd.exe: $(WINDIST_CLIENTD)
	@mkdir -p $(@D)
	$(WIN_STRIP) -o $@.tmp $<
	mv -f $@.tmp $@

ifneq ($(WINDIST_CTL),)
$(WINDIST_STAGE)/softlanctl.exe: $(WINDIST_CTL)
	@mkdir -p $(@D)
	$(WIN_STRIP) -o $@.tmp $<
	mv -f $@.tmp $@
endif

# Text files with CRLF line endings (a CR already there is not doubled).
$(WINDIST_STAGE)/clientd-example.conf: etc/clientd-windows.conf
	@mkdir -p $(@D)
	sed 's/\r*$$/\r/' $< >$@.tmp
	mv -f $@.tmp $@

$(WINDIST_STAGE)/README-windows.txt: clientd/win/README-windows.txt
	@mkdir -p $(@D)
	sed 's/\r*$$/\r/' $< >$@.tmp
	mv -f $@.tmp $@

$(WINDIST_STAGE)/LICENSE.txt: common/mtu.h
	@mkdir -p $(@D)
	sed -n '/Copyright/,/PERFORMANCE OF THIS SOFTWARE/{s/^ \*//;s/^ //;p;}' \
	    $< | sed 's/\r*$$/\r/' >$@.tmp
	@grep -q '^Permission to use, copy, modify, and distribute' $@.tmp || \
	    { echo "dist.mk: no ISC text in $<" >&2; rm -f $@.tmp; exit 1; }
	mv -f $@.tmp $@

# Only the listed files, under one top directory; no directory entries,
# no extra attributes.
$(WINDIST_ZIP): $(WINDIST_STAGED) $(WINDIST_LIST)
	rm -f $@ $(WINDIST_DIR)/$(WINDIST_NAME).tmp.zip
	cd $(WINDIST_DIR) && zip -q -X -D $(WINDIST_NAME).tmp.zip \
	    $(WINDIST_FILES:%=$(WINDIST_NAME)/%)
	mv -f $(WINDIST_DIR)/$(WINDIST_NAME).tmp.zip $@

$(WINDIST_SETUP): clientd/win/softlan.nsi $(WINDIST_STAGED) $(WINDIST_LIST)
	rm -f $@ $@.tmp
	$(WIN_MAKENSIS) -V2 -WX -DVERSION=$(WINDIST_VERSION) \
	    -DVIVERSION=$(WINDIST_VIVERSION) \
	    -DSTAGE=$(abspath $(WINDIST_STAGE)) -DOUTFILE=$(abspath $@.tmp) \
	    $(if $(WINDIST_CTL),-DWITH_SOFTLANCTL) clientd/win/softlan.nsi
	mv -f $@.tmp $@

endif
