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
 * ctlserv: the control pipe's test program for regress/win/wine-ctl.sh.
 *
 * ctlserv [-v] [-i idle-ms] [-p partial-ms] [-t seconds] [-w defer-ms] pipe
 *	Serve the pipe with clientd/win/control_win.c on the evloop, as the
 *	worker does, for t seconds (60).  show status: a small object with
 *	a counter list; show counters: the control's counters and
 *	CTLSERV_NBIG more rows, a reply of about 140 KB (more than the
 *	pipe's buffer, several IMSG_CTL_JSON chunks); show peers: an error
 *	reply; show rooms: answered defer-ms (5000) later, from a timer;
 *	log verbose and reload: small objects.  -i and -p set the control's
 *	timeouts, -v logs its debug lines.  Prints "ctlserv: serving PIPE"
 *	once the pipe exists.
 *
 * ctlserv -T test [-n count] [-t seconds] pipe
 *	A raw client.  Tests that send something the server must refuse,
 *	then expect to be disconnected within t seconds (10; exit 0 if so):
 *	unknown (an unknown request type), size (show status with a
 *	payload), level (log verbose 9), oversize (a header claiming
 *	1 MiB), garbage (a line of HTTP), idle (nothing at all), partial
 *	(half a header), unread (show counters, its reply never read:
 *	the pipe is only looked at).  hold and hold-rooms: open count
 *	connections (16)
 *	and keep them t seconds, hold-rooms sending show rooms on each
 *	(a reply owed to every one); then say how many the server closed.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <winsock2.h>
#include <windows.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <cJSON.h>

#include "clock.h"
#include "compat.h"
#include "control.h"
#include "evloop.h"
#include "imsg.h"
#include "log.h"
#include "wiremsg.h"

#define CTLSERV_NBIG		3000
#define CTLSERV_MAXCONN		64
#define CTLSERV_CONNECT_MS	5000

struct defer {
	struct evloop_timer	 t;
	struct ctl_conn		*c;
};

static struct control	*ctl;
static const char	*pipename;
static unsigned int	 defer_ms = 5000;

static __dead void	 usage(void);
static void		 imsg_log(const char *);
static void		 handler(struct ctl_conn *, uint32_t, const void *,
			    size_t, void *);
static cJSON		*show_status(void);
static cJSON		*show_counters(void);
static void		 rooms_later(void *);
static void		 lifetime(void *);
static int		 serve(int, unsigned int, unsigned int, int);
static HANDLE		 client_open(void);
static int		 client_send(HANDLE, const void *, size_t);
static int		 client_dropped(HANDLE, int, DWORD *);
static int		 client_gone(HANDLE, int, DWORD *);
static int		 client_bad(const char *, int);
static int		 client_hold(const char *, int, int);

static __dead void
usage(void)
{
	fprintf(stderr, "usage: ctlserv [-v] [-i idle-ms] [-p partial-ms] "
	    "[-t seconds] [-w defer-ms] pipe\n"
	    "       ctlserv -T test [-n count] [-t seconds] pipe\n");
	exit(1);
}

static void
imsg_log(const char *line)
{
	log_warnx("%s", line);
}

static cJSON *
show_status(void)
{
	struct wiremsg_counter	 cs[3];
	cJSON			*o, *l, *a;

	memset(cs, 0, sizeof(cs));
	(void)strlcpy(cs[0].name, "frames-in", sizeof(cs[0].name));
	cs[0].value = 1234567;
	(void)strlcpy(cs[1].name, "frames-out", sizeof(cs[1].name));
	cs[1].value = 7654321;
	(void)strlcpy(cs[2].name, "drops-mtu", sizeof(cs[2].name));
	cs[2].value = 0;
	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	cJSON_AddStringToObject(o, "daemon", "ctlserv");
	cJSON_AddStringToObject(o, "version", "0.1");
	cJSON_AddStringToObject(o, "pipe", pipename);
	cJSON_AddBoolToObject(o, "ready", 1);
	control_json_num(o, "clients", control_clients(ctl));
	l = cJSON_AddObjectToObject(o, "listen");
	cJSON_AddStringToObject(l, "addr", "198.18.0.1");
	control_json_num(l, "port", 4433);
	a = cJSON_AddArrayToObject(o, "counters");
	control_json_counter_list(a, cs, nitems(cs));
	return (o);
}

static cJSON *
show_counters(void)
{
	cJSON	*o, *a;
	char	 name[32];
	int	 i;

	if ((o = cJSON_CreateObject()) == NULL)
		return (NULL);
	control_json_num(o, "clients", control_clients(ctl));
	a = cJSON_AddArrayToObject(o, "counters");
	control_json_counters(a, ctl);
	for (i = 1; i <= CTLSERV_NBIG; i++) {
		(void)snprintf(name, sizeof(name), "test-counter-%04d", i);
		control_json_counter(a, name, (uint64_t)i * 1000003ULL);
	}
	return (o);
}

/* show rooms, answered later: the ctl_conn outlives its client. */
static void
rooms_later(void *arg)
{
	struct defer	*d = arg;
	cJSON		*o, *a, *r;

	o = cJSON_CreateObject();
	a = cJSON_AddArrayToObject(o, "rooms");
	r = cJSON_CreateObject();
	cJSON_AddStringToObject(r, "name", "lobby");
	control_json_num(r, "members", 3);
	cJSON_AddItemToArray(a, r);
	if (control_reply_cjson(d->c, o) == -1)
		log_debug("show rooms: the client is gone");
	free(d);
}

static void
handler(struct ctl_conn *c, uint32_t type, const void *data, size_t len,
    void *arg)
{
	struct defer	*d;
	cJSON		*o;
	int32_t		 level;

	(void)arg;
	switch (type) {
	case IMSG_CTL_SHOW_STATUS:
		control_reply_cjson(c, show_status());
		break;
	case IMSG_CTL_SHOW_COUNTERS:
		control_reply_cjson(c, show_counters());
		break;
	case IMSG_CTL_SHOW_PEERS:
		control_reply_error(c, "no peers: this is a test server");
		break;
	case IMSG_CTL_SHOW_ROOMS:
		if ((d = calloc(1, sizeof(*d))) == NULL) {
			control_reply_error(c, "out of memory");
			break;
		}
		d->c = c;
		evloop_timer_set(&d->t, NULL, rooms_later, d);
		evloop_timer_add(&d->t, (uint64_t)defer_ms * 1000000ULL);
		break;
	case IMSG_CTL_LOG_VERBOSE:
		/* Checked by the control: exactly an int32_t, 0..3. */
		if (len != sizeof(level)) {
			control_reply_error(c, "log: bad request size");
			break;
		}
		memcpy(&level, data, sizeof(level));
		o = cJSON_CreateObject();
		control_json_num(o, "log_level", (uint64_t)level);
		control_reply_cjson(c, o);
		break;
	case IMSG_CTL_RELOAD:
		o = cJSON_CreateObject();
		cJSON_AddBoolToObject(o, "reloaded", 1);
		control_reply_cjson(c, o);
		break;
	default:
		control_reply_error(c, "unknown request");
		break;
	}
}

static void
lifetime(void *arg)
{
	(void)arg;
	evloop_exit(NULL);
}

static int
serve(int secs, unsigned int idle_ms, unsigned int partial_ms, int verbose)
{
	struct evloop_timer	 end;
	wchar_t			 wname[256];

	log_setverbose(verbose ? 2 : 1);
	imsg_set_warn(imsg_log);
	if (MultiByteToWideChar(CP_UTF8, 0, pipename, -1, wname,
	    nitems(wname)) == 0)
		fatalx("pipe name too long");
	if ((ctl = control_init_pipe(NULL, wname, handler, NULL)) == NULL)
		fatal("control_init_pipe %s", pipename);
	control_set_timeouts(ctl, idle_ms, partial_ms);
	evloop_timer_set(&end, NULL, lifetime, NULL);
	evloop_timer_add(&end, (uint64_t)secs * 1000000000ULL);
	printf("ctlserv: serving %s\n", pipename);
	fflush(stdout);
	if (evloop_dispatch(NULL) == -1)
		fatalx("evloop_dispatch failed");
	log_info("%zu clients at the end", control_clients(ctl));
	control_free(ctl);
	printf("ctlserv: done\n");
	fflush(stdout);
	return (0);
}

/* Connect, waiting for a free instance at most CTLSERV_CONNECT_MS. */
static HANDLE
client_open(void)
{
	HANDLE		 h;
	uint64_t	 until = clock_ms() + CTLSERV_CONNECT_MS;

	for (;;) {
		h = CreateFileA(pipename, GENERIC_READ | FILE_WRITE_DATA, 0,
		    NULL, OPEN_EXISTING, FILE_FLAG_OVERLAPPED, NULL);
		if (h != INVALID_HANDLE_VALUE)
			return (h);
		if (GetLastError() != ERROR_PIPE_BUSY || clock_ms() >= until) {
			log_warnx("ctlserv: open %s: error %lu", pipename,
			    (unsigned long)GetLastError());
			return (INVALID_HANDLE_VALUE);
		}
		(void)WaitNamedPipeA(pipename, 500);
	}
}

static int
client_send(HANDLE h, const void *buf, size_t len)
{
	OVERLAPPED	 ov;
	DWORD		 n;
	int		 ok;

	memset(&ov, 0, sizeof(ov));
	if ((ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		return (-1);
	ok = WriteFile(h, buf, (DWORD)len, NULL, &ov) ||
	    GetLastError() == ERROR_IO_PENDING;
	if (ok && WaitForSingleObject(ov.hEvent, 5000) != WAIT_OBJECT_0) {
		(void)CancelIoEx(h, &ov);
		(void)WaitForSingleObject(ov.hEvent, 2000);
		ok = 0;
	}
	if (ok)
		ok = GetOverlappedResult(h, &ov, &n, FALSE) && n == len;
	CloseHandle(ov.hEvent);
	return (ok ? 0 : -1);
}

/*
 * Read until the server closes the pipe (1, ms: how long it took), data
 * comes (0) or secs pass (-1).  With secs 0 only look, do not wait.
 */
static int
client_dropped(HANDLE h, int secs, DWORD *ms)
{
	OVERLAPPED	 ov;
	unsigned char	 buf[4096];
	uint64_t	 start = clock_ms();
	DWORD		 n, e, avail;
	int		 r;

	if (secs == 0) {
		if (PeekNamedPipe(h, NULL, 0, NULL, &avail, NULL))
			return (0);
		e = GetLastError();
		return (e == ERROR_BROKEN_PIPE ||
		    e == ERROR_PIPE_NOT_CONNECTED || e == ERROR_NO_DATA);
	}
	memset(&ov, 0, sizeof(ov));
	if ((ov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) == NULL)
		return (-1);
	if (!ReadFile(h, buf, sizeof(buf), NULL, &ov) &&
	    GetLastError() != ERROR_IO_PENDING) {
		e = GetLastError();
		r = e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ?
		    1 : -1;
	} else if (WaitForSingleObject(ov.hEvent, (DWORD)secs * 1000) !=
	    WAIT_OBJECT_0) {
		(void)CancelIoEx(h, &ov);
		(void)WaitForSingleObject(ov.hEvent, 2000);
		r = -1;
	} else if (GetOverlappedResult(h, &ov, &n, FALSE))
		r = 0;
	else {
		e = GetLastError();
		r = e == ERROR_BROKEN_PIPE || e == ERROR_PIPE_NOT_CONNECTED ?
		    1 : -1;
	}
	CloseHandle(ov.hEvent);
	*ms = (DWORD)(clock_ms() - start);
	return (r);
}

/*
 * Without reading: 1 once the server closed the pipe (ms: how long it
 * took), -1 if it did not within secs.
 */
static int
client_gone(HANDLE h, int secs, DWORD *ms)
{
	uint64_t	 start = clock_ms();

	for (;;) {
		*ms = (DWORD)(clock_ms() - start);
		if (client_dropped(h, 0, ms) == 1)
			return (1);
		if (*ms >= (DWORD)secs * 1000)
			return (-1);
		Sleep(50);
	}
}

/* One connection, something the server must refuse; 0 if it drops us. */
static int
client_bad(const char *test, int secs)
{
	struct imsg_hdr	 hdr;
	unsigned char	 msg[64];
	const char	*http = "GET /status HTTP/1.0\r\n\r\n";
	size_t		 len = 0;
	int32_t		 level = 9;
	HANDLE		 h;
	DWORD		 ms = 0;
	int		 r;

	memset(&hdr, 0, sizeof(hdr));
	hdr.len = sizeof(hdr);
	hdr.pid = (uint32_t)GetCurrentProcessId();
	if (strcmp(test, "unknown") == 0)
		hdr.type = 4242;
	else if (strcmp(test, "size") == 0) {
		hdr.type = IMSG_CTL_SHOW_STATUS;
		hdr.len += sizeof(level);
	} else if (strcmp(test, "level") == 0) {
		hdr.type = IMSG_CTL_LOG_VERBOSE;
		hdr.len += sizeof(level);
	} else if (strcmp(test, "unread") == 0)
		hdr.type = IMSG_CTL_SHOW_COUNTERS;
	else if (strcmp(test, "oversize") == 0) {
		hdr.type = IMSG_CTL_SHOW_STATUS;
		hdr.len = 1024 * 1024;
	} else if (strcmp(test, "garbage") == 0 || strcmp(test, "idle") == 0 ||
	    strcmp(test, "partial") == 0)
		;
	else
		usage();
	if (strcmp(test, "garbage") == 0) {
		len = strlen(http);
		memcpy(msg, http, len);
	} else if (strcmp(test, "partial") == 0) {
		hdr.type = IMSG_CTL_SHOW_STATUS;
		memcpy(msg, &hdr, sizeof(hdr));
		len = sizeof(hdr) / 2;
	} else if (strcmp(test, "idle") != 0) {
		memcpy(msg, &hdr, sizeof(hdr));
		len = sizeof(hdr);
		if (hdr.len > sizeof(hdr) && hdr.len < sizeof(msg)) {
			memcpy(msg + len, &level, sizeof(level));
			len += sizeof(level);
		}
	}

	if ((h = client_open()) == INVALID_HANDLE_VALUE)
		return (1);
	if (len > 0 && client_send(h, msg, len) == -1) {
		printf("ctlserv: %s: could not send %zu bytes\n", test, len);
		CloseHandle(h);
		return (1);
	}
	if (strcmp(test, "unread") == 0)
		r = client_gone(h, secs, &ms);
	else
		r = client_dropped(h, secs, &ms);
	CloseHandle(h);
	switch (r) {
	case 1:
		printf("ctlserv: %s: sent %zu bytes, dropped after %lu ms\n",
		    test, len, (unsigned long)ms);
		return (0);
	case 0:
		printf("ctlserv: %s: sent %zu bytes, got a reply\n", test,
		    len);
		return (1);
	default:
		printf("ctlserv: %s: sent %zu bytes, not dropped within %d "
		    "s\n", test, len, secs);
		return (1);
	}
}

/* Hold count connections secs seconds (with rooms: each owed a reply). */
static int
client_hold(const char *test, int count, int secs)
{
	struct imsg_hdr	 hdr;
	HANDLE		 hs[CTLSERV_MAXCONN];
	DWORD		 ms;
	int		 i, n, dropped = 0, rooms;

	rooms = strcmp(test, "hold-rooms") == 0;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = IMSG_CTL_SHOW_ROOMS;
	hdr.len = sizeof(hdr);
	hdr.pid = (uint32_t)GetCurrentProcessId();
	for (n = 0; n < count; n++) {
		if ((hs[n] = client_open()) == INVALID_HANDLE_VALUE)
			break;
		if (rooms && client_send(hs[n], &hdr, sizeof(hdr)) == -1) {
			CloseHandle(hs[n]);
			break;
		}
	}
	printf("ctlserv: %s: holding %d connections\n", test, n);
	fflush(stdout);
	Sleep((DWORD)secs * 1000);
	for (i = 0; i < n; i++) {
		if (client_dropped(hs[i], 0, &ms) == 1)
			dropped++;
		CloseHandle(hs[i]);
	}
	printf("ctlserv: %s: %d of %d closed by the server\n", test, dropped,
	    n);
	return (n == count ? 0 : 1);
}

int
main(int argc, char *argv[])
{
	const char	*errstr, *test = NULL;
	unsigned int	 idle_ms = 0, partial_ms = 0;
	int		 ch, secs = -1, count = CONTROL_MAX_CLIENTS_WIN;
	int		 verbose = 0;

	log_init(1, LOG_DAEMON);
	while ((ch = getopt(argc, argv, "i:n:p:T:t:vw:")) != -1) {
		switch (ch) {
		case 'i':
			idle_ms = strtonum(optarg, 1, 600000, &errstr);
			if (errstr != NULL)
				fatalx("idle-ms %s: %s", optarg, errstr);
			break;
		case 'n':
			count = strtonum(optarg, 1, CTLSERV_MAXCONN, &errstr);
			if (errstr != NULL)
				fatalx("count %s: %s", optarg, errstr);
			break;
		case 'p':
			partial_ms = strtonum(optarg, 1, 600000, &errstr);
			if (errstr != NULL)
				fatalx("partial-ms %s: %s", optarg, errstr);
			break;
		case 'T':
			test = optarg;
			break;
		case 't':
			secs = strtonum(optarg, 1, 3600, &errstr);
			if (errstr != NULL)
				fatalx("seconds %s: %s", optarg, errstr);
			break;
		case 'v':
			verbose = 1;
			break;
		case 'w':
			defer_ms = strtonum(optarg, 1, 600000, &errstr);
			if (errstr != NULL)
				fatalx("defer-ms %s: %s", optarg, errstr);
			break;
		default:
			usage();
		}
	}
	argc -= optind;
	argv += optind;
	if (argc != 1)
		usage();
	pipename = argv[0];
	if (test == NULL)
		return (serve(secs > 0 ? secs : 60, idle_ms, partial_ms,
		    verbose));
	if (strncmp(test, "hold", 4) == 0)
		return (client_hold(test, count, secs > 0 ? secs : 10));
	return (client_bad(test, secs > 0 ? secs : 10));
}
