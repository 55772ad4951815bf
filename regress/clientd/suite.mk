# regress/clientd: clientd started for real (-dvv, seccomp trap mode) in
# network namespaces with relayd, gatewayd, a LAN bridge and a LAN host
# running dnsmasq; regress/demo/lanbeacon is its UDP broadcast sender and
# receiver.  Needs root.  See regress/clientd/run.sh.

CHECKS +=	check-clientd

.PHONY: check-clientd

check-clientd: $(OBJ)/relayd/relayd $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/clientd/clientd $(OBJ)/softlanctl/softlanctl \
    $(OBJ)/regress/demo/lanbeacon
	timeout -k 5 240 bash regress/clientd/run.sh $(OBJ)
