# regress/clientd: clientd started for real (-dvv, seccomp trap mode) in
# network namespaces with relayd, gatewayd, a LAN bridge and a LAN host
# running dnsmasq; udpbcast is its UDP broadcast sender and receiver.
# Needs root.  See regress/clientd/run.sh.

REGRESS_PROGS +=	$(OBJ)/regress/clientd/udpbcast
CHECKS +=	check-clientd

.PHONY: check-clientd

$(OBJ)/regress/clientd/udpbcast: $(OBJ)/regress/clientd/udpbcast.o
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/clientd/udpbcast.o \
	    $(PKG_LIBS)

check-clientd: $(OBJ)/relayd/relayd $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/clientd/clientd $(OBJ)/softlanctl/softlanctl \
    $(OBJ)/regress/clientd/udpbcast
	timeout -k 5 240 bash regress/clientd/run.sh $(OBJ)

-include $(OBJ)/regress/clientd/udpbcast.d
