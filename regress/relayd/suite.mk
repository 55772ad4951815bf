# regress/relayd: relayd started for real (-dvv, seccomp trap mode) in
# network namespaces, driven by regress/peer/slpeer and softlanctl.
# Needs root.  See regress/relayd/run.sh.  shortpkt.sh (on the e2e
# harness) sends empty and short datagrams to relayd, and spoofed from
# the relay to a connected gatewayd and clientd; hsbound.sh floods relayd
# with handshakes (regress/bench/hsflood) against max-handshakes.

CHECKS +=	check-relayd

.PHONY: check-relayd

check-relayd: $(OBJ)/relayd/relayd $(OBJ)/regress/peer/slpeer \
    $(OBJ)/softlanctl/softlanctl $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/clientd/clientd $(OBJ)/regress/bench/hsflood
	timeout -k 5 150 bash regress/relayd/run.sh $(OBJ)
	timeout -k 5 120 bash regress/relayd/shortpkt.sh $(OBJ)
	timeout -k 5 150 bash regress/relayd/hsbound.sh $(OBJ)
