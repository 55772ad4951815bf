# regress/install: "make install" into a DESTDIR (the tree, the units,
# config files never overwritten, no users for a staged install),
# "systemd-analyze verify" on the units, "make uninstall", and
# "make install-users" on a throw-away name.  Needs root.  See
# regress/install/run.sh.

CHECKS +=	check-install

.PHONY: check-install

check-install: $(PROGS)
	MAKE="$(MAKE)" timeout -k 5 120 sh regress/install/run.sh $(OBJ)
