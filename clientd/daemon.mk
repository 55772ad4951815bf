# clientd: the sans-I/O cores the unit tests drive (see GNUmakefile).
# session.c and tapfilter.c are portable C99: the Windows client builds
# them too.

CORE_SRCS +=	clientd/session.c clientd/tapfilter.c
