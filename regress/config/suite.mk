# regress/config: relayd.conf through "relayd -nv" (.in/.ok diffs), the
# errors through "relayd -n" (.err.in/.err, file:line messages), and the
# shipped etc/relayd.conf.  See regress/config/run.sh.

CHECKS +=	check-config

.PHONY: check-config

check-config: $(OBJ)/relayd/relayd $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/clientd/clientd
	sh regress/config/run.sh $(OBJ)
