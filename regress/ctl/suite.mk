# regress/ctl: softlanctl against a control socket with fixed replies
# (ctlserver), output compared with .ok files.

REGRESS_PROGS += $(OBJ)/regress/ctl/ctlserver
CHECKS +=	check-ctl

.PHONY: check-ctl

$(OBJ)/regress/ctl/ctlserver: $(OBJ)/regress/ctl/ctlserver.o $(LIB)
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/ctl/ctlserver.o $(LIBS)

check-ctl: $(OBJ)/regress/ctl/ctlserver $(OBJ)/softlanctl/softlanctl
	sh regress/ctl/ctl.sh $(OBJ)

-include $(OBJ)/regress/ctl/ctlserver.d
