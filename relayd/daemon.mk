# relayd: the sans-I/O cores the unit tests drive (see GNUmakefile).
# The daemon itself (relayd.c, parse.y, the network child) comes with
# issue 4.

CORE_SRCS +=	relayd/room.c
