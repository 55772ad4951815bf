# regress/e2e: the end-to-end suite (issue 7).  Each case script sources
# regress/e2e/lib.sh (namespaces, relayd, slpeer peers, log scanning) and
# prints one line per check; check-e2e runs them all and ends with one
# line "e2e: N passed, M failed" (a script that did not finish counts as
# one failure).  Needs root.
#
#	load.sh		50 peers in 10 rooms for 20 s, relay memory
#	impair.sh	slpeer through impair (loss, reordering, duplicates)
#	impair-lan.sh	clientd through impair: DHCP, ping, iperf3, nc (needs
#			iperf3, dnsmasq, busybox, python3)
#	lanparty.sh	IPv6 with radvd, mDNS with python3-zeroconf, rogue
#			traffic from a player (DHCP server, router
#			advertisements, broadcast storm, spoofed source
#			MACs; lpsend is its sender), the daemons' lifecycle

REGRESS_PROGS +=	$(OBJ)/regress/e2e/impair $(OBJ)/regress/e2e/lpsend
CHECKS +=		check-e2e

E2E_CASES :=		load impair impair-lan lanparty

.PHONY: check-e2e

$(OBJ)/regress/e2e/impair: $(OBJ)/regress/e2e/impair.o
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/e2e/impair.o $(PKG_LIBS)

$(OBJ)/regress/e2e/lpsend: $(OBJ)/regress/e2e/lpsend.o
	$(CC) $(ALL_LDFLAGS) -o $@ $(OBJ)/regress/e2e/lpsend.o $(PKG_LIBS)

check-e2e: $(OBJ)/relayd/relayd $(OBJ)/gatewayd/gatewayd \
    $(OBJ)/clientd/clientd $(OBJ)/softlanctl/softlanctl \
    $(OBJ)/regress/peer/slpeer $(OBJ)/regress/e2e/impair \
    $(OBJ)/regress/demo/lanbeacon $(OBJ)/regress/e2e/lpsend
	@pass=0; fail=0; \
	for c in $(E2E_CASES); do \
		r=$(OBJ)/regress/e2e/$$c.result; \
		rm -f $$r; \
		case $$c in lanparty) t=240;; *) t=150;; esac; \
		E2E_RESULT=$$r timeout -k 5 $$t bash regress/e2e/$$c.sh \
		    $(OBJ); \
		if [ -s $$r ] && read p f <$$r; then \
			pass=$$((pass + p)); fail=$$((fail + f)); \
		else \
			echo "not ok e2e: $$c.sh did not finish"; \
			fail=$$((fail + 1)); \
		fi; \
		rm -f $$r; \
	done; \
	echo "e2e: $$pass passed, $$fail failed"; \
	[ $$fail = 0 ]

-include $(OBJ)/regress/e2e/impair.d
-include $(OBJ)/regress/e2e/lpsend.d
