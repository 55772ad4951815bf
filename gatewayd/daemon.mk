# gatewayd: the sans-I/O cores the unit tests drive (see GNUmakefile):
# the CAM refresh tracker and the LAN-side frame decisions.  The daemon
# itself (gatewayd.c, parse.y, the gateway child) comes with issue 5.

CORE_SRCS +=	gatewayd/cam.c gatewayd/lan.c
