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
 * The worker: the client's core (clientd/clientcore.c, the code the Linux
 * child runs) on the adapter handle and the UDP socket the broker hands
 * over, in one event loop (common/evloop.h: WaitForMultipleObjects on the
 * pipe to the broker, the socket, the adapter's read and the control
 * pipe).  It has no privileges and no standard handles: its log lines go
 * to the broker (IMSG_LOG).  EOF on the pipe ends it (the broker is gone
 * or stopping it: the relay is told goodbye first); so does the job, if
 * the broker dies.
 *
 * The adapter, TAP-Windows6 or the tests' fake (a message-mode pipe),
 * gives one Ethernet frame per ReadFile and takes one per WriteFile.
 * One read is in flight at a time; writes go through WORKER_TAPW_SLOTS
 * buffers that stay put until their WriteFile completed (reaped in order
 * before each new write): with all of them in flight a frame is dropped
 * and counted (tap-write-full), as EAGAIN is on Linux.  A write that
 * fails after it was queued is counted in tap-write-errors.
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "broker.h"
#include "clientcore.h"
#include "control.h"
#include "evloop.h"
#include "log.h"

#define WORKER_FLUSH_MS		1000	/* at exit: the last log lines */
#define WORKER_FAULT_TYPE	4242	/* fault=unknown */
#define WORKER_TAP_ROUNDS	64	/* frames per adapter read event */
#define WORKER_TAPBUF		65536	/* a read never truncates a frame */
#define WORKER_TAPW_SLOTS	64	/* adapter writes in flight */
#define WORKER_FRAME_MAX	16384	/* a frame from the relay */
#define WORKER_TAP_RETRY_NS	(100 * 1000 * 1000ULL)

struct tapw_slot {
	OVERLAPPED	 ov;
	DWORD		 len;
	uint8_t		 buf[WORKER_FRAME_MAX];
};

struct worker {
	struct win_opts	 opts;
	struct imsgbuf	 ibuf;
	HANDLE		 pipe;
	DWORD		 broker;
	struct evloop	*loop;
	struct evloop_io ev_rd;		/* the pipe to the broker */
	struct evloop_io ev_wr;
	struct client_core core;
	int		 have_conf;
	int		 started;
	uint8_t		*ca;
	size_t		 calen;
	char		 control[sizeof(((struct win_pipename *)0)->name)];
	SOCKET		 udp;
	HANDLE		 tap;
	struct evloop_io ev_tap;
	struct evloop_timer tap_retry;
	OVERLAPPED	 tap_rov;
	int		 tap_rpending;
	uint8_t		 tapbuf[WORKER_TAPBUF];
	struct tapw_slot *slots;
	unsigned int	 whead;		/* next slot to use */
	unsigned int	 wcount;	/* in flight, oldest at whead-wcount */
	uint32_t	 pings;
	int		 up;		/* ibuf usable */
};

static struct worker	 worker_env;

static void	 worker_log_hook(int, const char *);
static void	 worker_atexit(void);
static void	 worker_probe(void);
static void	 worker_hello(struct worker *);
static void	 worker_flush(void *);
static void	 worker_read(void *);
static __dead void worker_gone(struct worker *);
static void	 worker_dispatch(struct worker *, struct imsg *);
static void	 worker_ping(struct worker *, struct imsg *);
static void	 worker_ca_append(struct worker *, struct imsg *);
static void	 worker_tap(struct worker *, struct imsg *);
static void	 worker_udp(struct worker *, struct imsg *);
static void	 worker_start(struct worker *);
static void	 worker_compose(struct worker *, uint32_t, const void *,
		    size_t);
static void	 tap_read(void *);
static void	 tap_retry(void *);
static void	 tap_pause(int, void *);
static int	 tap_gone(DWORD);
static void	 tapw_reap(struct worker *);
static enum client_tapw tap_write(const uint8_t *, size_t, void *);
static int	 worker_set_mtu(uint32_t, void *);
static void	 worker_exit(int, void *);
static void	 worker_ctl_other(struct ctl_conn *, uint32_t, const void *,
		    size_t, void *);

static const struct client_core_ops worker_core_ops = {
	.tap_write = tap_write,
	.set_mtu = worker_set_mtu,
	.exit = worker_exit,
	.ctl_other = worker_ctl_other,
	.tap_pause = tap_pause,
};

/*
 * clientd.exe -P worker <broker pid> <pipe handle> <broker's args...>:
 * the role arguments go, the rest is parsed as the broker parsed it.
 */
void
worker_main(int argc, char *argv[])
{
	struct worker	*w = &worker_env;
	const char	*errstr;
	WSADATA		 wsa;
	long long	 v;
	int		 err;

	if (argc < 5 || strcmp(argv[2], BROKER_ROLE_WORKER) != 0)
		exit(2);
	w->broker = strtonum(argv[3], 1, UINT32_MAX, &errstr);
	if (errstr != NULL)
		exit(2);
	v = strtonum(argv[4], 1, UINT32_MAX, &errstr);
	if (errstr != NULL)
		exit(2);
	w->pipe = (HANDLE)(uintptr_t)v;
	argv[4] = argv[0];
	if (broker_opts(&w->opts, argc - 4, argv + 4) == -1)
		exit(2);
	w->udp = INVALID_SOCKET;
	w->tap = INVALID_HANDLE_VALUE;

	log_init(w->opts.debug, LOG_DAEMON);
	log_setverbose(w->opts.verbose);
	log_procinit("worker");
	imsg_set_warn(win_imsg_warn);

	/* Nobody hears these two: no standard handles, no pipe yet. */
	if (pipe_check_server(w->pipe, w->broker) == -1)
		exit(1);
	if (imsgbuf_init_handle(&w->ibuf, w->pipe) == -1)
		exit(1);
	w->up = 1;
	log_sethook(worker_log_hook);
	if (atexit(worker_atexit) != 0)
		fatalx("atexit");

	if ((err = WSAStartup(MAKEWORD(2, 2), &wsa)) != 0)
		fatalx("WSAStartup: %s", win_strerror(err));
	w->loop = evloop_default();
	w->core.platform = "windows";
	w->core.ops = &worker_core_ops;
	w->core.arg = w;
	if (evloop_handle_set(&w->ev_rd, w->loop,
	    imsgbuf_read_event(&w->ibuf), worker_read, w) == -1 ||
	    evloop_handle_set(&w->ev_wr, w->loop,
	    imsgbuf_write_event(&w->ibuf), worker_flush, w) == -1 ||
	    evloop_io_add(&w->ev_rd) == -1 || evloop_io_add(&w->ev_wr) == -1)
		fatalx("the pipe to the broker: no events");
	evloop_timer_set(&w->tap_retry, w->loop, tap_retry, w);
	worker_hello(w);
	if (evloop_dispatch(w->loop) == -1)
		fatalx("event loop: %s", win_strerror(GetLastError()));
	fatalx("event loop: nothing left to wait for");
}

/* Every log line of the worker goes to the broker as IMSG_LOG. */
static void
worker_log_hook(int pri, const char *line)
{
	struct worker	*w = &worker_env;
	struct win_log	 lg;
	struct ibuf	*buf;
	size_t		 len;

	if (!w->up)
		return;
	len = strnlen(line, BROKER_LOG_MAX - 1);
	lg.pri = pri;
	if ((buf = imsg_create(&w->ibuf, IMSG_LOG, 0, 0,
	    sizeof(lg) + len + 1)) == NULL)
		return;
	if (imsg_add(buf, &lg, sizeof(lg)) == -1 ||
	    imsg_add(buf, line, len) == -1 ||
	    imsg_add(buf, "", 1) == -1)
		return;
	imsg_close(&w->ibuf, buf);
	if (w->loop != NULL)
		worker_flush(w);
}

/* exit() and fatal(): the queued lines still reach the broker. */
static void
worker_atexit(void)
{
	struct worker	*w = &worker_env;
	DWORD		 start = GetTickCount();

	if (!w->up)
		return;
	while (imsgbuf_queuelen(&w->ibuf) > 0 &&
	    GetTickCount() - start < WORKER_FLUSH_MS) {
		if (imsgbuf_write(&w->ibuf) == -1)
			break;
		if (imsgbuf_queuelen(&w->ibuf) > 0)
			(void)WaitForSingleObject(imsgbuf_write_event(&w->ibuf),
			    100);
	}
}

static void
worker_compose(struct worker *w, uint32_t type, const void *data,
    size_t len)
{
	if (imsg_compose(&w->ibuf, type, 0, 0, -1, data, len) == -1)
		fatal("imsg_compose %u", type);
	worker_flush(w);
}

/* Start or finish the write in flight; the write event comes back. */
static void
worker_flush(void *arg)
{
	struct worker	*w = arg;

	if (imsgbuf_queuelen(&w->ibuf) == 0) {
		/* The event of a finished write: nothing more to send. */
		(void)ResetEvent(imsgbuf_write_event(&w->ibuf));
		return;
	}
	if (imsgbuf_write(&w->ibuf) == -1) {
		if (errno == EPIPE)
			worker_gone(w);
		w->up = 0;
		fatalx("write to the broker: %s",
		    win_strerror(GetLastError()));
	}
}

/* The broker closed the pipe: it stops us.  Goodbye to the relay. */
static __dead void
worker_gone(struct worker *w)
{
	w->up = 0;
	client_core_stop(&w->core, "clientd stopping");
	exit(0);
}

static void
worker_read(void *arg)
{
	struct worker	*w = arg;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	if ((r = imsgbuf_read(&w->ibuf)) == -1 && errno != EPIPE) {
		w->up = 0;
		fatalx("read from the broker: %s",
		    win_strerror(GetLastError()));
	}
	for (;;) {
		if ((n = imsg_get(&w->ibuf, &imsg)) == -1)
			fatal("imsg_get");
		if (n == 0)
			break;
		worker_dispatch(w, &imsg);
		imsg_free(&imsg);
	}
	if (r <= 0)
		worker_gone(w);
}

static void
worker_hello(struct worker *w)
{
	struct win_hello	 h;
	unsigned char		 big[sizeof(h) + 4];
	HANDLE			 tok;

	memset(&h, 0, sizeof(h));
	h.version = BROKER_VERSION;
	h.pid = GetCurrentProcessId();
	h.privileges = UINT32_MAX;
	h.admins = WIN_ADMINS_UNKNOWN;
	if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
		win_token_info(tok, &h);
		CloseHandle(tok);
	}
	log_debug("pid %lu, pipe handle %p, broker %lu",
	    (unsigned long)h.pid, w->pipe, (unsigned long)w->broker);

	if (strcmp(w->opts.fault, "badsize") == 0) {
		memset(big, 0, sizeof(big));
		memcpy(big, &h, sizeof(h));
		worker_compose(w, IMSG_HELLO, big, sizeof(big));
		return;
	}
	worker_compose(w, IMSG_HELLO, &h, sizeof(h));
	if (strcmp(w->opts.fault, "hang") == 0) {
		/* Deaf from now on: only the job can end it. */
		worker_atexit();
		for (;;)
			Sleep(INFINITE);
	}
	if (strcmp(w->opts.fault, "twice") == 0)
		worker_compose(w, IMSG_HELLO, &h, sizeof(h));
	else if (strcmp(w->opts.fault, "unknown") == 0)
		worker_compose(w, WORKER_FAULT_TYPE, NULL, 0);
	else if (strcmp(w->opts.fault, "badmtu") == 0) {
		uint32_t	 mtu = CLIENT_MTU_MAX + 1;

		worker_compose(w, IMSG_REQ_SET_MTU, &mtu, sizeof(mtu));
	}
}

/* From the broker, which is trusted; still, sizes are exact. */
static void
worker_dispatch(struct worker *w, struct imsg *imsg)
{
	struct client_reconf	*conf = &w->core.conf;
	struct win_pipename	 pn;
	struct client_relay	 r;
	struct client_mtu	 m;

	switch (imsg_get_type(imsg)) {
	case IMSG_PING:
		worker_ping(w, imsg);
		break;
	case IMSG_RECONF_CONF:
		if (w->started || w->have_conf)
			fatalx("IMSG_RECONF_CONF: a second one");
		if (imsg_get_data(imsg, conf, sizeof(*conf)) == -1)
			fatal("IMSG_RECONF_CONF");
		client_reconf_terminate(conf);
		w->have_conf = 1;
		break;
	case IMSG_RECONF_CA:
		worker_ca_append(w, imsg);
		break;
	case IMSG_CONTROL_PIPE:
		if (imsg_get_data(imsg, &pn, sizeof(pn)) == -1)
			fatal("IMSG_CONTROL_PIPE");
		pn.name[sizeof(pn.name) - 1] = '\0';
		(void)strlcpy(w->control, pn.name, sizeof(w->control));
		break;
	case IMSG_TAP_HANDLE:
		worker_tap(w, imsg);
		break;
	case IMSG_UDP_SOCKET:
		worker_udp(w, imsg);
		break;
	case IMSG_RECONF_END:
		if (w->started)
			fatalx("IMSG_RECONF_END: started already");
		worker_start(w);
		break;
	case IMSG_RELAY_ADDR:
		if (imsg_get_data(imsg, &r, sizeof(r)) == -1)
			fatal("IMSG_RELAY_ADDR");
		if (w->started)
			(void)client_core_relay_addr(&w->core, &r);
		break;
	case IMSG_MTU_DONE:
		if (imsg_get_data(imsg, &m, sizeof(m)) == -1)
			fatal("IMSG_MTU_DONE");
		client_core_mtu_done(&w->core, m.mtu, m.ok);
		break;
	default:
		fatalx("unexpected imsg type %u from the broker",
		    imsg_get_type(imsg));
	}
}

static void
worker_ping(struct worker *w, struct imsg *imsg)
{
	struct win_ping	 p;
	size_t		 i;

	if (imsg_get_data(imsg, &p, sizeof(p)) == -1)
		fatal("IMSG_PING");
	if (p.sum != win_ping_sum(&p))
		fatalx("IMSG_PING %u: bad sum", p.seq);
	for (i = 0; i < sizeof(p.data); i++)
		p.data[i] ^= 0xa5;
	p.sum = win_ping_sum(&p);
	worker_compose(w, IMSG_PONG, &p, sizeof(p));
	w->pings++;
}

static void
worker_ca_append(struct worker *w, struct imsg *imsg)
{
	size_t	 len = imsg_get_len(imsg);
	uint8_t	*p;

	if (w->started || len == 0 || len > CLIENT_CA_MAX - w->calen)
		fatalx("IMSG_RECONF_CA: %zu bytes after %zu, at most %d",
		    len, w->calen, CLIENT_CA_MAX);
	if ((p = realloc(w->ca, w->calen + len)) == NULL)
		fatal("IMSG_RECONF_CA");
	w->ca = p;
	if (imsg_get_data(imsg, w->ca + w->calen, len) == -1)
		fatal("IMSG_RECONF_CA");
	w->calen += len;
}

/* The adapter: TAP-Windows6, or the tests' fake, opened by the broker. */
static void
worker_tap(struct worker *w, struct imsg *imsg)
{
	struct win_handle	 wh;
	HANDLE			 h;

	if (imsg_get_data(imsg, &wh, sizeof(wh)) == -1)
		fatal("IMSG_TAP_HANDLE");
	if (w->tap != INVALID_HANDLE_VALUE)
		fatalx("IMSG_TAP_HANDLE: a second one");
	if ((h = pipe_handle_take(wh.value)) == INVALID_HANDLE_VALUE)
		fatalx("tap handle 0x%llx: %s", (unsigned long long)wh.value,
		    win_strerror(GetLastError()));
	if (h == w->pipe)
		fatalx("tap handle 0x%llx is the pipe",
		    (unsigned long long)wh.value);
	w->tap = h;
	log_debug("adapter handle 0x%llx from the broker",
	    (unsigned long long)wh.value);
}

static void
worker_udp(struct worker *w, struct imsg *imsg)
{
	WSAPROTOCOL_INFOW	 info;

	if (imsg_get_data(imsg, &info, sizeof(info)) == -1)
		fatal("IMSG_UDP_SOCKET");
	if (w->udp != INVALID_SOCKET)
		fatalx("IMSG_UDP_SOCKET: a second one");
	w->udp = pipe_socket_take(&info, SOCK_DGRAM, IPPROTO_UDP);
	if (w->udp == INVALID_SOCKET)
		fatalx("udp socket: %s", win_strerror(GetLastError()));
	log_debug("udp socket from the broker");
}

static void
worker_start(struct worker *w)
{
	wchar_t		 name[sizeof(w->control)];
	char		 err[256];
	unsigned int	 i;
	int32_t		 status = 0;

	if (!w->have_conf || w->tap == INVALID_HANDLE_VALUE ||
	    w->udp == INVALID_SOCKET || w->calen == 0)
		fatalx("incomplete configuration from the broker");
	if ((w->slots = calloc(WORKER_TAPW_SLOTS, sizeof(*w->slots))) == NULL)
		fatal("%s", __func__);
	for (i = 0; i < WORKER_TAPW_SLOTS; i++)
		if ((w->slots[i].ov.hEvent = CreateEventW(NULL, TRUE, FALSE,
		    NULL)) == NULL)
			fatalx("CreateEvent: %s", win_strerror(GetLastError()));
	if ((w->tap_rov.hEvent = CreateEventW(NULL, TRUE, TRUE, NULL)) ==
	    NULL)
		fatalx("CreateEvent: %s", win_strerror(GetLastError()));
	if (evloop_handle_set(&w->ev_tap, w->loop, w->tap_rov.hEvent,
	    tap_read, w) == -1 || evloop_io_add(&w->ev_tap) == -1)
		fatalx("adapter: no read event");

	if (w->control[0] != '\0') {
		if (MultiByteToWideChar(CP_UTF8, MB_ERR_INVALID_CHARS,
		    w->control, -1, name, nitems(name)) == 0 ||
		    (w->core.ctl = control_init_pipe(w->loop, name,
		    client_control, &w->core)) == NULL)
			log_warnx("control pipe %s not served", w->control);
	}
	w->started = 1;
	if (client_core_start(&w->core, w->loop, w->udp, w->ca, w->calen,
	    err, sizeof(err)) == -1)
		fatalx("%s", err);
	w->udp = INVALID_SOCKET;	/* the uplink owns it */
	freezero(w->ca, w->calen);
	w->ca = NULL;
	w->calen = 0;
	log_info("ready: %u pings answered", w->pings);
	if (w->opts.probe)
		worker_probe();
	if (w->opts.exit)
		worker_compose(w, IMSG_REQ_EXIT, &status, sizeof(status));
}

/* The adapter is gone (unplugged, driver stopped, the fake's end closed). */
static int
tap_gone(DWORD err)
{
	switch (err) {
	case ERROR_BROKEN_PIPE:
	case ERROR_PIPE_NOT_CONNECTED:
	case ERROR_NO_DATA:
	case ERROR_DEVICE_NOT_CONNECTED:
	case ERROR_FILE_NOT_FOUND:
	case ERROR_INVALID_HANDLE:
	case ERROR_GEN_FAILURE:
		return (1);
	default:
		return (0);
	}
}

/*
 * Adapter -> relay.  One ReadFile in flight; each completed one is a
 * frame for the core.  After WORKER_TAP_ROUNDS frames the event is left
 * set with no read posted, so the loop comes back after the others had
 * their turn.  An error other than "gone" is counted and reading waits
 * WORKER_TAP_RETRY_NS (no spinning on a broken adapter).
 */
static void
tap_read(void *arg)
{
	struct worker	*w = arg;
	DWORD		 n, err;
	int		 i;

	for (i = 0; i < WORKER_TAP_ROUNDS; i++) {
		if (!w->tap_rpending) {
			if (!ReadFile(w->tap, w->tapbuf, sizeof(w->tapbuf),
			    NULL, &w->tap_rov) &&
			    (err = GetLastError()) != ERROR_IO_PENDING)
				goto fail;
			w->tap_rpending = 1;
		}
		if (!GetOverlappedResult(w->tap, &w->tap_rov, &n, FALSE)) {
			if ((err = GetLastError()) == ERROR_IO_INCOMPLETE)
				return;
			w->tap_rpending = 0;
			goto fail;
		}
		w->tap_rpending = 0;
		client_core_tap_frame(&w->core, w->tapbuf, n);
		if (w->core.tap_paused)
			return;
	}
	return;
 fail:
	if (tap_gone(err))
		fatalx("adapter %s: %s", w->core.conf.tap, win_strerror(err));
	w->core.c.tap_read_errors++;
	log_debug("adapter %s: read: %s", w->core.conf.tap,
	    win_strerror(err));
	evloop_io_del(&w->ev_tap);
	evloop_timer_add(&w->tap_retry, WORKER_TAP_RETRY_NS);
}

/*
 * Back-pressure from the uplink.  No read is posted while paused; set
 * the event again on resuming, as tap_retry() does, to read at once.
 */
static void
tap_pause(int paused, void *arg)
{
	struct worker	*w = arg;

	if (paused) {
		evloop_io_del(&w->ev_tap);
		return;
	}
	if (!w->tap_rpending)
		(void)SetEvent(w->tap_rov.hEvent);
	if (evloop_io_add(&w->ev_tap) == -1)
		fatalx("adapter: no read event");
}

static void
tap_retry(void *arg)
{
	struct worker	*w = arg;

	(void)SetEvent(w->tap_rov.hEvent);
	if (evloop_io_add(&w->ev_tap) == -1)
		fatalx("adapter: no read event");
}

/* Free the slots whose writes completed, oldest first. */
static void
tapw_reap(struct worker *w)
{
	struct tapw_slot	*s;
	DWORD			 n, err;

	while (w->wcount > 0) {
		s = &w->slots[(w->whead + WORKER_TAPW_SLOTS - w->wcount) %
		    WORKER_TAPW_SLOTS];
		if (!GetOverlappedResult(w->tap, &s->ov, &n, FALSE)) {
			if ((err = GetLastError()) == ERROR_IO_INCOMPLETE)
				return;
			if (tap_gone(err))
				fatalx("adapter %s: %s", w->core.conf.tap,
				    win_strerror(err));
			w->core.c.tap_write_errors++;
			log_debug("adapter %s: write: %s", w->core.conf.tap,
			    win_strerror(err));
		} else if (n != s->len)
			w->core.c.tap_write_short++;
		w->wcount--;
	}
}

/* Relay -> adapter. */
static enum client_tapw
tap_write(const uint8_t *f, size_t len, void *arg)
{
	struct worker		*w = arg;
	struct tapw_slot	*s;
	DWORD			 err;

	tapw_reap(w);
	if (w->wcount == WORKER_TAPW_SLOTS)
		return (CLIENT_TAPW_FULL);
	if (len > WORKER_FRAME_MAX) {
		log_debug("adapter %s: frame of %zu bytes", w->core.conf.tap,
		    len);
		return (CLIENT_TAPW_ERROR);
	}
	s = &w->slots[w->whead];
	memcpy(s->buf, f, len);
	s->len = (DWORD)len;
	s->ov.Offset = s->ov.OffsetHigh = 0;
	if (!WriteFile(w->tap, s->buf, s->len, NULL, &s->ov) &&
	    (err = GetLastError()) != ERROR_IO_PENDING) {
		if (tap_gone(err))
			fatalx("adapter %s: %s", w->core.conf.tap,
			    win_strerror(err));
		log_debug("adapter %s: write: %s", w->core.conf.tap,
		    win_strerror(err));
		return (CLIENT_TAPW_ERROR);
	}
	w->whead = (w->whead + 1) % WORKER_TAPW_SLOTS;
	w->wcount++;
	return (CLIENT_TAPW_OK);
}

/* Asked of the broker; it answers IMSG_MTU_DONE. */
static int
worker_set_mtu(uint32_t mtu, void *arg)
{
	struct worker	*w = arg;

	worker_compose(w, IMSG_REQ_SET_MTU, &mtu, sizeof(mtu));
	return (0);
}

/* A reject a retry cannot fix: the broker ends us both. */
static void
worker_exit(int status, void *arg)
{
	struct worker	*w = arg;
	int32_t		 st = status;

	evloop_io_del(&w->ev_tap);
	worker_compose(w, IMSG_REQ_EXIT, &st, sizeof(st));
}

/* log verbose and reload, as daemon_ctl_common() answers them on Linux. */
static void
worker_ctl_other(struct ctl_conn *cc, uint32_t type, const void *data,
    size_t len, void *arg)
{
	struct worker	*w = arg;
	cJSON		*o;
	int32_t		 level;

	switch (type) {
	case IMSG_CTL_LOG_VERBOSE:
		if ((level = control_log_verbose(cc, data, len)) != -1)
			worker_compose(w, IMSG_REQ_VERBOSE, &level,
			    sizeof(level));
		break;
	case IMSG_CTL_RELOAD:
		worker_compose(w, IMSG_REQ_RELOAD, NULL, 0);
		if ((o = cJSON_CreateObject()) != NULL)
			cJSON_AddStringToObject(o, "reload", "requested");
		control_reply_cjson(cc, o);
		break;
	default:
		control_reply_error(cc, "unknown request");
		break;
	}
}

/*
 * -T probe: whether the job's process limit holds, said in the log (the
 * tests show it: Wine 8 accepts the limit and does not enforce it; it
 * does enforce kill-on-close).
 */
static void
worker_probe(void)
{
	STARTUPINFOW		 si;
	PROCESS_INFORMATION	 pi;
	wchar_t			 cmd[] = L"cmd.exe /c exit 0";

	memset(&si, 0, sizeof(si));
	si.cb = sizeof(si);
	if (CreateProcessW(NULL, cmd, NULL, NULL, FALSE, CREATE_NO_WINDOW,
	    NULL, NULL, &si, &pi)) {
		log_warnx("probe: the job let the worker start a process");
		(void)WaitForSingleObject(pi.hProcess, 5000);
		CloseHandle(pi.hThread);
		CloseHandle(pi.hProcess);
	} else
		log_info("probe: the job refuses a new process: %s",
		    win_strerror(GetLastError()));
}
