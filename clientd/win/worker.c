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
 * The worker: a SKELETON.  It checks the pipe it inherited, says hello,
 * answers the broker's pings, writes one line through the TAP handle it
 * is given (a file for now) and sends one datagram through the UDP socket
 * it is given.  No QUIC, no TAP frames yet.  Its log lines go to the
 * broker (IMSG_LOG); it has no standard handles.  EOF on the pipe ends
 * it (the broker is gone or stopping it); so does the job, if the broker
 * dies.
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
#include "log.h"

#define WORKER_FLUSH_MS		1000	/* at exit: the last log lines */
#define WORKER_WRITE_MS		5000	/* a write through the TAP handle */
#define WORKER_FAULT_TYPE	4242	/* fault=unknown */

struct worker {
	struct win_opts	 opts;
	struct imsgbuf	 ibuf;
	HANDLE		 pipe;
	DWORD		 broker;
	SOCKET		 udp;
	uint32_t	 pings;
	int		 up;		/* ibuf usable */
};

static struct worker	 worker_env;

static void	 worker_log_hook(int, const char *);
static void	 worker_atexit(void);
static void	 worker_probe(void);
static void	 worker_hello(struct worker *);
static __dead void worker_loop(struct worker *);
static void	 worker_dispatch(struct worker *, struct imsg *);
static void	 worker_ping(struct worker *, struct imsg *);
static void	 worker_tap(struct worker *, struct imsg *);
static void	 worker_udp(struct worker *, struct imsg *);
static void	 worker_relay(struct worker *, struct imsg *);
static void	 worker_compose(struct worker *, uint32_t, const void *,
		    size_t);

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
	worker_hello(w);
	worker_loop(w);
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
}

static void
worker_loop(struct worker *w)
{
	struct imsg	 imsg;
	HANDLE		 hs[2];
	ssize_t		 n;
	int		 r;

	hs[0] = imsgbuf_read_event(&w->ibuf);
	hs[1] = imsgbuf_write_event(&w->ibuf);
	for (;;) {
		if (imsgbuf_queuelen(&w->ibuf) > 0 &&
		    imsgbuf_write(&w->ibuf) == -1) {
			if (errno == EPIPE)
				exit(0);	/* the broker is gone */
			fatalx("write to the broker: %s",
			    win_strerror(GetLastError()));
		}
		if (WaitForMultipleObjects(nitems(hs), hs, FALSE, INFINITE) ==
		    WAIT_FAILED)
			fatalx("WaitForMultipleObjects: %s",
			    win_strerror(GetLastError()));
		if ((r = imsgbuf_read(&w->ibuf)) == -1 && errno != EPIPE)
			fatalx("read from the broker: %s",
			    win_strerror(GetLastError()));
		for (;;) {
			if ((n = imsg_get(&w->ibuf, &imsg)) == -1)
				fatal("imsg_get");
			if (n == 0)
				break;
			worker_dispatch(w, &imsg);
			imsg_free(&imsg);
		}
		if (r <= 0)
			exit(0);	/* EOF: the broker stops us */
	}
}

/* From the broker, which is trusted; still, sizes are exact. */
static void
worker_dispatch(struct worker *w, struct imsg *imsg)
{
	int32_t	 status = 0;

	switch (imsg_get_type(imsg)) {
	case IMSG_PING:
		worker_ping(w, imsg);
		break;
	case IMSG_TAP_HANDLE:
		worker_tap(w, imsg);
		break;
	case IMSG_UDP_SOCKET:
		worker_udp(w, imsg);
		break;
	case IMSG_RELAY_ADDR:
		worker_relay(w, imsg);
		break;
	case IMSG_RECONF_END:
		log_info("ready: %u pings answered", w->pings);
		if (w->opts.probe)
			worker_probe();
		if (w->opts.exit)
			worker_compose(w, IMSG_REQ_EXIT, &status,
			    sizeof(status));
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

/*
 * The TAP handle (a file for now): write one line through it, at the end
 * of the file, overlapped as the adapter's frames will be.
 */
static void
worker_tap(struct worker *w, struct imsg *imsg)
{
	struct win_handle	 wh;
	OVERLAPPED		 ov;
	HANDLE			 h;
	char			 line[128];
	DWORD			 n;
	int			 len;

	if (imsg_get_data(imsg, &wh, sizeof(wh)) == -1)
		fatal("IMSG_TAP_HANDLE");
	if ((h = pipe_handle_take(wh.value)) == INVALID_HANDLE_VALUE)
		fatalx("tap handle 0x%llx: %s", (unsigned long long)wh.value,
		    win_strerror(GetLastError()));
	if (h == w->pipe)
		fatalx("tap handle 0x%llx is the pipe",
		    (unsigned long long)wh.value);
	len = snprintf(line, sizeof(line), "softlan worker %lu: wrote "
	    "through handle 0x%llx\n", (unsigned long)GetCurrentProcessId(),
	    (unsigned long long)wh.value);
	if (len < 0 || (size_t)len >= sizeof(line))
		fatalx("%s: line too long", __func__);

	memset(&ov, 0, sizeof(ov));
	ov.Offset = ov.OffsetHigh = 0xffffffff;	/* the end of the file */
	if ((ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		fatalx("CreateEvent: %s", win_strerror(GetLastError()));
	if (!WriteFile(h, line, len, NULL, &ov) &&
	    GetLastError() != ERROR_IO_PENDING)
		fatalx("tap handle: WriteFile: %s",
		    win_strerror(GetLastError()));
	if (WaitForSingleObject(ov.hEvent, WORKER_WRITE_MS) != WAIT_OBJECT_0) {
		(void)CancelIoEx(h, &ov);
		(void)GetOverlappedResult(h, &ov, &n, TRUE);
		fatalx("tap handle: write timed out");
	}
	if (!GetOverlappedResult(h, &ov, &n, FALSE))
		fatalx("tap handle: write: %s", win_strerror(GetLastError()));
	CloseHandle(ov.hEvent);
	CloseHandle(h);
	log_info("tap stand-in: wrote %lu bytes through handle 0x%llx",
	    (unsigned long)n, (unsigned long long)wh.value);
}

static void
worker_udp(struct worker *w, struct imsg *imsg)
{
	WSAPROTOCOL_INFOW	 info;

	if (imsg_get_data(imsg, &info, sizeof(info)) == -1)
		fatal("IMSG_UDP_SOCKET");
	if (w->udp != INVALID_SOCKET)
		fatalx("a second udp socket");
	w->udp = pipe_socket_take(&info, SOCK_DGRAM, IPPROTO_UDP);
	if (w->udp == INVALID_SOCKET)
		fatalx("udp socket: %s", win_strerror(GetLastError()));
	log_debug("udp socket from the broker");
}

/* Until there is an uplink: one datagram to the relay says it works. */
static void
worker_relay(struct worker *w, struct imsg *imsg)
{
	struct win_relay	 r;
	char			 msg[64], host[NI_MAXHOST], serv[NI_MAXSERV];
	int			 len, n;

	if (imsg_get_data(imsg, &r, sizeof(r)) == -1)
		fatal("IMSG_RELAY_ADDR");
	if (!((r.ss.ss_family == AF_INET &&
	    r.sslen == sizeof(struct sockaddr_in)) ||
	    (r.ss.ss_family == AF_INET6 &&
	    r.sslen == sizeof(struct sockaddr_in6))))
		fatalx("IMSG_RELAY_ADDR: bad address");
	if (w->udp == INVALID_SOCKET)
		fatalx("IMSG_RELAY_ADDR before IMSG_UDP_SOCKET");
	if (getnameinfo((struct sockaddr *)&r.ss, r.sslen, host, sizeof(host),
	    serv, sizeof(serv), NI_NUMERICHOST | NI_NUMERICSERV) != 0) {
		(void)strlcpy(host, "?", sizeof(host));
		(void)strlcpy(serv, "?", sizeof(serv));
	}
	len = snprintf(msg, sizeof(msg), "softlan worker %lu\n",
	    (unsigned long)GetCurrentProcessId());
	n = sendto(w->udp, msg, len, 0, (struct sockaddr *)&r.ss, r.sslen);
	if (n == SOCKET_ERROR)
		fatalx("udp: sendto %s: %s", host,
		    win_strerror(WSAGetLastError()));
	log_info("udp: sent %d bytes to %s port %s", n, host, serv);
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
