/*
 * Copyright (c) 2026 The softlan authors
 *
 * Permission to use, copy, modify, and distribute this software for any
 * purpose with or without fee is hereby granted, provided that the above
 * copyright notice and this permission notice appear in all copies.
 *
 * THE SOFTWARE IS PROVIDED "AS IS" AND THE AUTHOR DISCLAIMS ALL WARRANTIES
 * WITH REGARD TO THIS SOFTWARE INCLUDING ALL IMPLIED WARRANTIES OF
 * MERCHANTABILITY AND FITNESS. IN NO EVENT SHALL THE AUTHOR BE LIABLE FOR
 * ANY SPECIAL, DIRECT, INDIRECT, OR CONSEQUENTIAL DAMAGES OR ANY DAMAGES
 * WHATSOEVER RESULTING FROM LOSS OF USE, DATA OR PROFITS, WHETHER IN AN
 * ACTION OF CONTRACT, NEGLIGENCE OR OTHER TORTIOUS ACTION, ARISING OUT OF
 * OR IN CONNECTION WITH THE USE OR PERFORMANCE OF THIS SOFTWARE.
 */

/*
 * testd: a daemon on the privsep framework whose only job is to let
 * regress/privsep/run.sh probe that framework.  The flags after -d and -v
 * choose what the sandboxed child does; see usage().
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/wait.h>

#include <arpa/inet.h>

#include <err.h>
#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "ether.h"
#include "log.h"
#include "priv.h"
#include "proc.h"
#include "sandbox.h"
#include "privsep.h"

#define TESTD_USER		"_softlantest"
#define TESTD_MAGIC		0x736c7470U
#define TESTD_SEND_MS		100
#define TESTD_SEND_MAX		100	/* 10 s of frames, then quiet */
#define TESTD_BOGUS_TYPE	999

enum testd_imsg_type {
	IMSG_TESTD_HELLO = IMSG_PROC_FIRST,	/* both ways */
	IMSG_TESTD_OPEN_PACKET,
	IMSG_TESTD_PACKET_FD,
	IMSG_TESTD_OPEN_TAP,
	IMSG_TESTD_TAP_FD
};

struct testd_hello {
	uint32_t		 magic;
};

/* The child names the object (unit 0), never an interface. */
struct testd_open {
	uint32_t		 unit;
};

struct testd_packet_fd {
	int32_t			 ifindex;
	uint32_t		 mtu;
	struct ether_mac	 hwaddr;
};

struct testd {
	const char		*action;	/* -t */
	const char		*bad;		/* -r */
	const char		*ifname;	/* -p */
	const char		*tapname;	/* -T */

	/* child: the frame exchange on the passed fd */
	int			 fd;
	const char		*fdkind;
	struct ether_mac	 src;
	struct event		 ev_read;
	struct event		 ev_timer;
	int			 sent;
	int			 received;
};

static const struct ether_mac testd_tap_mac = {
	{ 0x02, 0x53, 0x4c, 0x54, 0x00, 0x01 }
};
static const struct ether_mac testd_tap_src = {
	{ 0x02, 0x53, 0x4c, 0x54, 0x00, 0x02 }
};

static const int testd_syscalls[] = {
	SANDBOX_END
};

static __dead void usage(void);
static void	 testd_reload(struct proc *);
static void	 testd_hello(struct proc *, struct imsg *);
static void	 testd_open_packet(struct proc *, struct imsg *);
static void	 testd_open_tap(struct proc *, struct imsg *);
static void	 testd_child_run(struct proc *);
static void	 testd_child_dispatch(struct proc *, struct imsg *);
static void	 testd_action(struct proc *, const char *);
static void	 testd_frames_start(struct proc *, int, const char *,
		    const struct ether_mac *);
static void	 testd_frame_send(int, short, void *);
static void	 testd_frame_read(int, short, void *);

static const struct proc_req testd_reqs[] = {
	{ IMSG_TESTD_HELLO, "IMSG_TESTD_HELLO",
	    sizeof(struct testd_hello), PROC_ONCE, testd_hello },
	{ IMSG_TESTD_OPEN_PACKET, "IMSG_TESTD_OPEN_PACKET",
	    sizeof(struct testd_open), PROC_ONCE, testd_open_packet },
	{ IMSG_TESTD_OPEN_TAP, "IMSG_TESTD_OPEN_TAP",
	    sizeof(struct testd_open), PROC_ONCE, testd_open_tap },
};

static const struct proc_parent testd_parent = {
	testd_reqs, nitems(testd_reqs), NULL, testd_reload, NULL
};

static struct proc_child testd_child = {
	"child", TESTD_USER, NULL, testd_syscalls, 0,
	NULL, testd_child_run, testd_child_dispatch
};

static const char *const testd_actions[] = {
	"none", "socket", "openat", "execve", "fork"
};

static const char *const testd_bads[] = {
	"malformed-size", "unknown-type", "twice", "forged-log"
};

extern char	*__progname;

static __dead void
usage(void)
{
	fprintf(stderr, "usage: %s [-dFv] [-C chroot] [-p ifname] "
	    "[-r malformed-size|unknown-type|twice|forged-log]\n"
	    "\t[-T tapname] [-t none|socket|openat|execve|fork] [-u user]\n",
	    __progname);
	exit(1);
}

static int
oneof(const char *s, const char *const *list, size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		if (strcmp(s, list[i]) == 0)
			return (1);
	return (0);
}

int
main(int argc, char *argv[])
{
	static struct testd	 env;
	char			 err[PRIV_ERRLEN];
	int			 ch, debug = 0, verbose = 0;

	proc_init(&argc, &argv);
	log_init(1, LOG_DAEMON);

	env.fd = -1;
	while ((ch = getopt(argc, argv, "C:dFp:r:T:t:u:v")) != -1) {
		switch (ch) {
		case 'C':
			testd_child.chroot = optarg;
			break;
		case 'd':
			debug = 1;
			break;
		case 'F':
			testd_child.flags |= PROC_NOFILTER;
			break;
		case 'p':
			env.ifname = optarg;
			break;
		case 'r':
			if (!oneof(optarg, testd_bads, nitems(testd_bads)))
				usage();
			env.bad = optarg;
			break;
		case 'T':
			env.tapname = optarg;
			break;
		case 't':
			if (!oneof(optarg, testd_actions,
			    nitems(testd_actions)))
				usage();
			env.action = optarg;
			break;
		case 'u':
			testd_child.user = optarg;
			break;
		case 'v':
			verbose++;
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	if (argc != 0)
		usage();

	log_init(debug, LOG_DAEMON);
	log_setverbose(verbose);

	if (!proc_ischild()) {
		if (env.ifname != NULL &&
		    priv_ifname_check(env.ifname, err, sizeof(err)) == -1)
			errx(1, "%s", err);
		if (env.tapname != NULL &&
		    priv_ifname_check(env.tapname, err, sizeof(err)) == -1)
			errx(1, "%s", err);
	}
	proc_main(&testd_child, &testd_parent, debug, &env);
}

/* Parent side: SIGHUP, and the requests (size and permit checked). */

static void
testd_reload(struct proc *p)
{
	log_info("reload hook called, child pid %d", (int)p->p_pid);
}

static void
testd_hello(struct proc *p, struct imsg *imsg)
{
	struct testd_hello	 h;

	if (imsg_get_data(imsg, &h, sizeof(h)) == -1)
		proc_fail(p, "IMSG_TESTD_HELLO: %s", strerror(errno));
	if (h.magic != TESTD_MAGIC)
		proc_fail(p, "child sent IMSG_TESTD_HELLO with bad magic "
		    "0x%08x", h.magic);
	log_info("child said hello");
	proc_compose(p, IMSG_TESTD_HELLO, -1, &h, sizeof(h));
}

static void
testd_open_packet(struct proc *p, struct imsg *imsg)
{
	struct testd		*env = p->p_arg;
	struct testd_open	 o;
	struct testd_packet_fd	 pf;
	struct priv_packet_info	 info;
	char			 err[PRIV_ERRLEN];
	int			 fd;

	if (imsg_get_data(imsg, &o, sizeof(o)) == -1)
		proc_fail(p, "IMSG_TESTD_OPEN_PACKET: %s", strerror(errno));
	if (o.unit != 0 || env->ifname == NULL)
		proc_fail(p, "child asked for packet socket %u: none "
		    "configured", o.unit);
	if ((fd = priv_packet_open(env->ifname, &info, err,
	    sizeof(err))) == -1)
		proc_fail(p, "packet socket: %s", err);
	log_info("packet socket on %s (ifindex %d, mtu %u, %s)",
	    env->ifname, info.ifindex, info.mtu, ether_mac_str(&info.hwaddr));

	memset(&pf, 0, sizeof(pf));
	pf.ifindex = info.ifindex;
	pf.mtu = info.mtu;
	pf.hwaddr = info.hwaddr;
	if (proc_compose(p, IMSG_TESTD_PACKET_FD, fd, &pf, sizeof(pf)) == -1)
		proc_fail(p, "%s: imsg_compose", __func__);
}

static void
testd_open_tap(struct proc *p, struct imsg *imsg)
{
	struct testd		*env = p->p_arg;
	struct testd_open	 o;
	char			 err[PRIV_ERRLEN];
	int			 fd;

	if (imsg_get_data(imsg, &o, sizeof(o)) == -1)
		proc_fail(p, "IMSG_TESTD_OPEN_TAP: %s", strerror(errno));
	if (o.unit != 0 || env->tapname == NULL)
		proc_fail(p, "child asked for TAP %u: none configured",
		    o.unit);
	if ((fd = priv_tap_open(env->tapname, &testd_tap_mac, 1500, err,
	    sizeof(err))) == -1)
		proc_fail(p, "TAP: %s", err);
	log_info("TAP %s open", env->tapname);
	if (proc_compose(p, IMSG_TESTD_TAP_FD, fd, NULL, 0) == -1)
		proc_fail(p, "%s: imsg_compose", __func__);
}

/* Child side: everything below runs chrooted, unprivileged, filtered. */

static void
testd_child_run(struct proc *p)
{
	struct testd		*env = p->p_arg;
	struct testd_hello	 h;
	struct testd_open	 o;
	struct {
		int32_t		 pri;
		char		 line[32];
	} forged;

	log_info("sandboxed, pid %d", (int)getpid());

	h.magic = TESTD_MAGIC;
	if (env->bad == NULL)
		proc_compose(p, IMSG_TESTD_HELLO, -1, &h, sizeof(h));
	else if (strcmp(env->bad, "malformed-size") == 0)
		proc_compose(p, IMSG_TESTD_HELLO, -1, &h, sizeof(h) - 2);
	else if (strcmp(env->bad, "unknown-type") == 0)
		proc_compose(p, TESTD_BOGUS_TYPE, -1, NULL, 0);
	else if (strcmp(env->bad, "twice") == 0) {
		proc_compose(p, IMSG_TESTD_HELLO, -1, &h, sizeof(h));
		proc_compose(p, IMSG_TESTD_HELLO, -1, &h, sizeof(h));
	} else if (strcmp(env->bad, "forged-log") == 0) {
		memset(&forged, 0, sizeof(forged));
		forged.pri = LOG_INFO;
		strlcpy(forged.line, "parent: forged line",
		    sizeof(forged.line));
		proc_compose(p, IMSG_LOG, -1, &forged,
		    sizeof(forged.pri) + strlen(forged.line) + 1);
	}

	memset(&o, 0, sizeof(o));
	if (env->ifname != NULL)
		proc_compose(p, IMSG_TESTD_OPEN_PACKET, -1, &o, sizeof(o));
	if (env->tapname != NULL)
		proc_compose(p, IMSG_TESTD_OPEN_TAP, -1, &o, sizeof(o));

	if (env->action != NULL && strcmp(env->action, "none") != 0)
		testd_action(p, env->action);
}

/* Try one thing the sandbox must forbid; with the filter it kills us. */
static void
testd_action(struct proc *p, const char *action)
{
	char	*const sh_argv[] = { "sh", "-c", "exit 0", NULL };
	pid_t	 pid;
	int	 fd;

	log_info("calling %s()", action);
	proc_flush(p);

	if (strcmp(action, "socket") == 0) {
		if ((fd = socket(AF_INET, SOCK_DGRAM, 0)) == -1)
			log_warn("socket");
		else
			log_info("socket() succeeded: fd %d", fd);
	} else if (strcmp(action, "openat") == 0) {
		if ((fd = openat(AT_FDCWD, "/", O_RDONLY | O_DIRECTORY)) == -1)
			log_warn("openat");
		else
			log_info("openat() succeeded: fd %d", fd);
	} else if (strcmp(action, "execve") == 0) {
		execve("/bin/sh", sh_argv, NULL);
		log_warn("execve");
	} else if (strcmp(action, "fork") == 0) {
		switch (pid = fork()) {
		case -1:
			log_warn("fork");
			break;
		case 0:
			_exit(0);
		default:
			log_info("fork() succeeded: pid %d", (int)pid);
			waitpid(pid, NULL, 0);
			break;
		}
	}
	log_info("still alive after %s()", action);
}

static void
testd_child_dispatch(struct proc *p, struct imsg *imsg)
{
	struct testd_packet_fd	 pf;
	int			 fd;

	switch (imsg_get_type(imsg)) {
	case IMSG_TESTD_HELLO:
		log_info("parent answered hello");
		break;
	case IMSG_TESTD_PACKET_FD:
		if (imsg_get_data(imsg, &pf, sizeof(pf)) == -1)
			fatal("IMSG_TESTD_PACKET_FD");
		if ((fd = imsg_get_fd(imsg)) == -1)
			fatalx("IMSG_TESTD_PACKET_FD without a descriptor");
		log_info("got packet socket: ifindex %d, mtu %u, %s",
		    pf.ifindex, pf.mtu, ether_mac_str(&pf.hwaddr));
		testd_frames_start(p, fd, "packet socket", &pf.hwaddr);
		break;
	case IMSG_TESTD_TAP_FD:
		if ((fd = imsg_get_fd(imsg)) == -1)
			fatalx("IMSG_TESTD_TAP_FD without a descriptor");
		log_info("got TAP fd");
		testd_frames_start(p, fd, "TAP", &testd_tap_src);
		break;
	default:
		fatalx("unexpected imsg type %u from parent",
		    imsg_get_type(imsg));
	}
}

static void
testd_frames_start(struct proc *p, int fd, const char *kind,
    const struct ether_mac *src)
{
	struct testd	*env = p->p_arg;

	if (env->fd != -1)
		fatalx("a second frame fd");
	env->fd = fd;
	env->fdkind = kind;
	env->src = *src;
	event_set(&env->ev_read, fd, EV_READ | EV_PERSIST, testd_frame_read,
	    env);
	event_add(&env->ev_read, NULL);
	evtimer_set(&env->ev_timer, testd_frame_send, env);
	testd_frame_send(-1, 0, env);
}

/* Broadcast one marked frame, every TESTD_SEND_MS, a bounded number. */
static void
testd_frame_send(int fd, short event, void *arg)
{
	struct testd	*env = arg;
	struct timeval	 tv = { 0, TESTD_SEND_MS * 1000 };
	uint8_t		 frame[PRIVSEP_FRAME_LEN];
	uint16_t	 type = htons(PRIVSEP_ETHERTYPE);

	(void)fd;
	(void)event;
	memset(frame, 0, sizeof(frame));
	memset(frame, 0xff, ETHER_ADDR_LEN);
	memcpy(frame + ETHER_ADDR_LEN, env->src.octet, ETHER_ADDR_LEN);
	memcpy(frame + 2 * ETHER_ADDR_LEN, &type, sizeof(type));
	memcpy(frame + ETHER_HDR_LEN, PRIVSEP_TO_PEER,
	    sizeof(PRIVSEP_TO_PEER));
	if (write(env->fd, frame, sizeof(frame)) == -1)
		log_warn("write to %s", env->fdkind);
	else if (env->sent++ == 0)
		log_info("sending frames on %s", env->fdkind);
	if (env->sent < TESTD_SEND_MAX)
		evtimer_add(&env->ev_timer, &tv);
}

static void
testd_frame_read(int fd, short event, void *arg)
{
	struct testd	*env = arg;
	uint8_t		 frame[2048];
	uint16_t	 type;
	ssize_t		 n;

	(void)event;
	for (;;) {
		if ((n = read(fd, frame, sizeof(frame))) == -1) {
			if (errno != EAGAIN && errno != EINTR)
				log_warn("read from %s", env->fdkind);
			return;
		}
		if ((size_t)n < ETHER_HDR_LEN + sizeof(PRIVSEP_TO_CHILD))
			continue;
		memcpy(&type, frame + 2 * ETHER_ADDR_LEN, sizeof(type));
		if (ntohs(type) != PRIVSEP_ETHERTYPE ||
		    memcmp(frame + ETHER_HDR_LEN, PRIVSEP_TO_CHILD,
		    sizeof(PRIVSEP_TO_CHILD)) != 0)
			continue;
		if (env->received++ == 0)
			log_info("received frame from peer on %s, %zd bytes",
			    env->fdkind, n);
	}
}
