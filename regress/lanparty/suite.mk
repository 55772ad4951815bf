# regress/lanparty: the whole-system LAN-party cases (issue 7): IPv6 with
# radvd, mDNS with python3-zeroconf, rogue traffic from a player (DHCP
# server, router advertisements, broadcast storm, spoofed source MACs)
# and the daemons' lifecycle.  lpsend is the rogue player's sender.
# Needs root.  See regress/lanparty/run.sh.

REGRESS_PROGS +=	$(OBJ)/regress/lanparty/lpsend
CHECKS +=	check-lanparty

.PHONY: check-lanparty

$(OBJ)/regress/lanparty/lpsend: $(OBJ)/regress/lanparty/lpsend.o
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/lanparty/lpsend.o \
	    $(PKG_LIBS)

check-lanparty: $(OBJ)/relayd/relayd $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/clientd/clientd $(OBJ)/softlanctl/softlanctl \
    $(OBJ)/regress/clientd/udpbcast \
    $(OBJ)/regress/lanparty/lpsend
	timeout -k 5 240 bash regress/lanparty/run.sh $(OBJ)

-include $(OBJ)/regress/lanparty/lpsend.d
