# regress/layout: the include graph (issue 11).  includes.sh walks every
# quoted #include and fails on an arrow from common/, imsg/ or priv/ up
# into a daemon directory, or from one daemon into another (see the
# script).  It first proves on a small tree of its own that it catches
# both kinds of arrow, so the check cannot pass by not looking.

CHECKS +=	check-layout

.PHONY: check-layout

check-layout:
	@t=$$(mktemp -d) && trap 'rm -rf "$$t"' EXIT && \
	mkdir -p $$t/common $$t/imsg $$t/relayd $$t/clientd && \
	echo '#include "../relayd/relayd.h"' >$$t/common/a.c && \
	echo '#include "log.h"' >$$t/imsg/b.c && \
	echo '#include "../relayd/relayd.h"' >$$t/clientd/c.c && \
	touch $$t/relayd/relayd.h $$t/common/log.h && \
	if sh regress/layout/includes.sh $$t >$$t/out; then \
		echo "layout: includes.sh missed a bad arrow" >&2; exit 1; \
	fi && \
	[ $$(grep -c 'must not include' $$t/out) = 3 ] || \
	    { cat $$t/out; echo "layout: includes.sh self-test failed" >&2; \
	    exit 1; }
	@sh regress/layout/includes.sh .
