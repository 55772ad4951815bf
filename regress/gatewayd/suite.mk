# regress/gatewayd: gatewayd started for real (-dvv, seccomp trap mode)
# between a relayd and a LAN made of a Linux bridge in network
# namespaces; regress/peer/slpeer plays the remote client.  Needs root,
# tcpdump, dnsmasq, ethtool, bridge and openssl.  See
# regress/gatewayd/run.sh.

CHECKS +=	check-gatewayd

.PHONY: check-gatewayd

check-gatewayd: $(OBJ)/relayd/relayd $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/regress/peer/slpeer $(OBJ)/softlanctl/softlanctl
	timeout -k 5 120 bash regress/gatewayd/run.sh $(OBJ)
