# regress/relayd: relayd started for real (-dvv, seccomp trap mode) in
# network namespaces, driven by regress/peer/slpeer and softlanctl.
# Needs root.  See regress/relayd/run.sh.

CHECKS +=	check-relayd

.PHONY: check-relayd

check-relayd: $(OBJ)/relayd/relayd $(OBJ)/regress/peer/slpeer \
    $(OBJ)/softlanctl/softlanctl
	timeout -k 5 150 bash regress/relayd/run.sh $(OBJ)
