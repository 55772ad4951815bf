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

#include <sys/types.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <errno.h>
#include <event.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>
#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "control.h"
#include "../../softlanctl/ctlrender.h"
#include "imsg.h"
#include "log.h"
#include "priv.h"

/*
 * The control socket: the server (control.c) runs in the test process
 * under libevent on a socket made by priv_control_socket in a temporary
 * directory; clients are plain blocking sockets, and every wait pumps the
 * event loop, bounded by WAIT_MS.
 */

#define WAIT_MS		5000
#define TEST_GID	4242

#define MODE_SYNC	0	/* reply inside the handler */
#define MODE_NONE	1	/* never reply */
#define MODE_KEEP	2	/* remember the conn, reply later */
#define MODE_ERROR	3	/* reply with an error */

struct server {
	char		 dir[64];
	char		 path[128];
	struct control	*ctl;
	struct event_base *base;
	int		 mode;
	const char	*json;		/* MODE_SYNC reply */
	int		 calls;
	uint32_t	 type;
	size_t		 len;
	int32_t		 level;
	const void	*data;
	struct ctl_conn	*kept;
	struct ctl_conn	*keptall[CONTROL_MAX_CLIENTS + 1];
	int		 nkept;
	int		 replyret;
};

struct reply {
	char		*json;
	size_t		 len;
	int		 chunks;
	size_t		 maxchunk;
	int		 end;
	int		 error;
	char		 errmsg[256];
	int		 eof;
};

static struct server	 srv;

static void
handler(struct ctl_conn *c, uint32_t type, const void *data, size_t len,
    void *arg)
{
	struct server	*s = arg;

	s->calls++;
	s->type = type;
	s->len = len;
	s->data = data;
	if (type == IMSG_CTL_LOG_VERBOSE && len == sizeof(int32_t))
		memcpy(&s->level, data, sizeof(s->level));
	switch (s->mode) {
	case MODE_SYNC:
		s->replyret = control_reply_json(c, s->json);
		break;
	case MODE_ERROR:
		s->replyret = control_reply_error(c, "no such room: x");
		break;
	case MODE_KEEP:
		s->kept = c;
		if (s->nkept < (int)nitems(s->keptall))
			s->keptall[s->nkept++] = c;
		break;
	}
}

static void
server_start(void)
{
	char	 err[PRIV_ERRLEN];
	int	 fd;

	memset(&srv, 0, sizeof(srv));
	srv.base = event_init();
	cr_assert_not_null(srv.base);
	(void)strlcpy(srv.dir, "/tmp/softlan-ctl.XXXXXX", sizeof(srv.dir));
	cr_assert_not_null(mkdtemp(srv.dir));
	(void)snprintf(srv.path, sizeof(srv.path), "%s/test.sock", srv.dir);
	fd = priv_control_socket(srv.path, TEST_GID, err, sizeof(err));
	cr_assert_geq(fd, 0, "priv_control_socket: %s", err);
	srv.ctl = control_init(fd, handler, &srv);
	cr_assert_not_null(srv.ctl);
	srv.json = "{\"ok\":true}";
}

static void
server_stop(void)
{
	control_free(srv.ctl);
	srv.ctl = NULL;
	(void)unlink(srv.path);
	(void)rmdir(srv.dir);
	event_base_free(srv.base);
}

static void
pump(void)
{
	(void)event_loop(EVLOOP_NONBLOCK);
}

static long long
now_ms(void)
{
	struct timespec	 ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

/* Pump until the control has n clients. */
static void
wait_clients(size_t n)
{
	long long	 end = now_ms() + WAIT_MS;

	while (control_clients(srv.ctl) != n && now_ms() < end) {
		pump();
		usleep(1000);
	}
	cr_assert_eq(control_clients(srv.ctl), n, "%zu clients, expected %zu",
	    control_clients(srv.ctl), n);
}

static int
client_connect(void)
{
	struct sockaddr_un	 sun;
	struct timeval		 tv = { WAIT_MS / 1000, 0 };
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, srv.path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	/* Bounds connect (full backlog) and write. */
	cr_assert_eq(setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv,
	    sizeof(tv)), 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0,
	    "connect: %s", strerror(errno));
	return (fd);
}

/* Write a raw message: header (len as given) and payload. */
static void
client_raw(int fd, uint32_t type, uint32_t hdrlen, const void *data,
    size_t len)
{
	struct imsg_hdr	 hdr;
	unsigned char	 buf[256];

	cr_assert_leq(sizeof(hdr) + len, sizeof(buf));
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = hdrlen;
	hdr.pid = getpid();
	memcpy(buf, &hdr, sizeof(hdr));
	if (len > 0)
		memcpy(buf + sizeof(hdr), data, len);
	cr_assert_eq(write(fd, buf, sizeof(hdr) + len),
	    (ssize_t)(sizeof(hdr) + len));
}

static void
client_send(int fd, uint32_t type, const void *data, size_t len)
{
	client_raw(fd, type, IMSG_HEADER_SIZE + len, data, len);
}

/*
 * Pump and read until END, ERROR or EOF; after each read that brought
 * something, pump for pause_ms before the next (a slow reader).
 */
static void
client_reply_slow(int fd, struct reply *r, int pause_ms)
{
	struct imsgbuf	 ibuf;
	struct imsg	 imsg;
	struct pollfd	 pfd;
	long long	 end = now_ms() + WAIT_MS, until;
	ssize_t		 n;
	size_t		 len;
	int		 rr;

	memset(r, 0, sizeof(*r));
	cr_assert_eq(imsgbuf_init(&ibuf, fd), 0);
	while (!r->end && !r->error && !r->eof) {
		cr_assert_lt(now_ms(), end, "no reply in time");
		pump();
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		rr = imsgbuf_read(&ibuf);
		if (rr == 0 || (rr == -1 && errno == ECONNRESET)) {
			r->eof = 1;
			rr = 1;
		}
		cr_assert_eq(rr, 1, "read: %s", strerror(errno));
		for (until = now_ms() + pause_ms; now_ms() < until; ) {
			pump();
			usleep(1000);
		}
		while ((n = imsg_get(&ibuf, &imsg)) > 0) {
			len = imsg_get_len(&imsg);
			switch (imsg_get_type(&imsg)) {
			case IMSG_CTL_JSON:
				r->json = realloc(r->json, r->len + len + 1);
				cr_assert_not_null(r->json);
				cr_assert_eq(imsg_get_buf(&imsg,
				    r->json + r->len, len), 0);
				r->len += len;
				r->json[r->len] = '\0';
				r->chunks++;
				if (len > r->maxchunk)
					r->maxchunk = len;
				break;
			case IMSG_CTL_END:
				cr_assert_eq(len, 0);
				r->end = 1;
				break;
			case IMSG_CTL_ERROR:
				cr_assert_eq(imsg_get_strbuf(&imsg, r->errmsg,
				    sizeof(r->errmsg)), 0);
				r->error = 1;
				break;
			default:
				cr_assert_fail("reply type %u",
				    imsg_get_type(&imsg));
			}
			imsg_free(&imsg);
		}
		cr_assert_neq(n, -1);
	}
	imsgbuf_clear(&ibuf);
}

static void
client_reply(int fd, struct reply *r)
{
	client_reply_slow(fd, r, 0);
}

/*
 * The server must close this client (what, for the messages): EOF (or
 * reset) within WAIT_MS.
 */
static void
client_closed_as(int fd, const char *what)
{
	struct pollfd	 pfd;
	long long	 end = now_ms() + WAIT_MS;
	char		 buf[4096];
	ssize_t		 n;

	for (;;) {
		cr_assert_lt(now_ms(), end, "%s not closed in time", what);
		pump();
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		if (poll(&pfd, 1, 1) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == 0 || (n == -1 && errno == ECONNRESET))
			break;
		cr_assert_gt(n, 0, "%s: read: %s", what, strerror(errno));
	}
	close(fd);
}

static void
client_closed(int fd)
{
	client_closed_as(fd, "client");
}

/* Another client still gets its answer. */
static void
client_works(int fd)
{
	struct reply	 r;

	client_send(fd, IMSG_CTL_SHOW_STATUS, NULL, 0);
	client_reply(fd, &r);
	cr_assert(r.end, "good client got no END");
	cr_assert_str_eq(r.json, srv.json);
	free(r.json);
}

/* Pump the event loop for ms milliseconds. */
static void
pump_ms(int ms)
{
	long long	 end = now_ms() + ms;

	while (now_ms() < end) {
		pump();
		usleep(1000);
	}
}

/* Send bytes without SIGPIPE; the server may have closed already. */
static ssize_t
client_bytes(int fd, const void *p, size_t len)
{
	return (send(fd, p, len, MSG_NOSIGNAL));
}

/* The first half of a SHOW_STATUS header, or with end the rest. */
static void
client_half(int fd, int end)
{
	struct imsg_hdr	 hdr;
	const size_t	 half = sizeof(hdr) / 2;

	memset(&hdr, 0, sizeof(hdr));
	hdr.type = IMSG_CTL_SHOW_STATUS;
	hdr.len = IMSG_HEADER_SIZE;
	hdr.pid = getpid();
	if (!end)
		cr_assert_eq(client_bytes(fd, &hdr, half), (ssize_t)half);
	else
		cr_assert_eq(client_bytes(fd, (char *)&hdr + half,
		    sizeof(hdr) - half), (ssize_t)(sizeof(hdr) - half));
}

/* The server has not closed this client (no EOF, nothing to read). */
static void
client_open(int fd)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = POLLIN;
	pfd.revents = 0;
	cr_assert_eq(poll(&pfd, 1, 0), 0, "client closed (revents %#x)",
	    pfd.revents);
}

/* The value of the row named name of control_json_counters(). */
static uint64_t
counter(const char *name)
{
	cJSON		*a, *e, *n, *v;
	uint64_t	 val = UINT64_MAX;

	a = cJSON_CreateArray();
	cr_assert_not_null(a);
	control_json_counters(a, srv.ctl);
	cJSON_ArrayForEach(e, a) {
		n = cJSON_GetObjectItem(e, "counter");
		v = cJSON_GetObjectItem(e, "value");
		cr_assert(cJSON_IsString(n) && cJSON_IsNumber(v));
		if (strcmp(n->valuestring, name) == 0)
			val = (uint64_t)v->valuedouble;
	}
	cJSON_Delete(a);
	cr_assert_neq(val, UINT64_MAX, "no counter %s", name);
	return (val);
}

static int	 nsummary;

static void
summary_hook(int pri, const char *line)
{
	(void)pri;
	if (strstr(line, "clients closed so far") != NULL)
		nsummary++;
}

TestSuite(control, .init = server_start, .fini = server_stop);

Test(control, request_reaches_handler)
{
	struct reply	 r;
	int32_t		 level = 2;
	int		 fd;

	fd = client_connect();
	client_send(fd, IMSG_CTL_LOG_VERBOSE, &level, sizeof(level));
	client_reply(fd, &r);
	cr_assert_eq(srv.calls, 1);
	cr_assert_eq(srv.type, IMSG_CTL_LOG_VERBOSE);
	cr_assert_eq(srv.len, sizeof(int32_t));
	cr_assert_eq(srv.level, 2);
	cr_assert(r.end);
	cr_assert_eq(r.chunks, 1);
	cr_assert_str_eq(r.json, "{\"ok\":true}");
	free(r.json);

	client_send(fd, IMSG_CTL_SHOW_PEERS, NULL, 0);
	client_reply(fd, &r);
	cr_assert_eq(srv.calls, 2);
	cr_assert_eq(srv.type, IMSG_CTL_SHOW_PEERS);
	cr_assert_eq(srv.len, 0);
	cr_assert_null(srv.data);
	cr_assert(r.end);
	free(r.json);
	close(fd);
	wait_clients(0);
}

Test(control, large_reply_in_chunks)
{
	struct reply	 r;
	char		*big;
	size_t		 n = 150 * 1024, i;
	int		 fd;

	big = malloc(n + 1);
	cr_assert_not_null(big);
	big[0] = '"';
	for (i = 1; i < n - 1; i++)
		big[i] = 'a' + i % 26;
	big[n - 1] = '"';
	big[n] = '\0';
	srv.json = big;
	fd = client_connect();
	client_send(fd, IMSG_CTL_SHOW_ROOMS, NULL, 0);
	client_reply(fd, &r);
	cr_assert(r.end);
	cr_assert_eq(r.len, n);
	cr_assert_eq(memcmp(r.json, big, n), 0);
	cr_assert_gt(r.chunks, 1);
	cr_assert_leq(r.maxchunk, MAX_IMSGSIZE - IMSG_HEADER_SIZE);
	cr_assert_eq(r.chunks, (int)((n + MAX_IMSGSIZE - IMSG_HEADER_SIZE - 1) /
	    (MAX_IMSGSIZE - IMSG_HEADER_SIZE)));
	free(r.json);
	close(fd);
	wait_clients(0);
	free(big);
}

Test(control, error_reply)
{
	struct reply	 r;
	int		 fd;

	srv.mode = MODE_ERROR;
	fd = client_connect();
	client_send(fd, IMSG_CTL_RELOAD, NULL, 0);
	client_reply(fd, &r);
	cr_assert(r.error);
	cr_assert_not(r.end);
	cr_assert_str_eq(r.errmsg, "no such room: x");
	cr_assert_eq(srv.replyret, 0);
	close(fd);
}

Test(control, reply_too_large_is_an_error)
{
	struct reply	 r;
	char		*big;
	size_t		 n = 5 * 1024 * 1024;
	int		 fd;

	big = malloc(n + 1);
	cr_assert_not_null(big);
	memset(big, ' ', n);
	big[n] = '\0';
	srv.json = big;
	fd = client_connect();
	client_send(fd, IMSG_CTL_SHOW_PEERS, NULL, 0);
	client_reply(fd, &r);
	cr_assert(r.error);
	cr_assert_eq(r.chunks, 0);
	cr_assert(strstr(r.errmsg, "too large") != NULL, "%s", r.errmsg);
	cr_assert_eq(srv.replyret, -1);
	close(fd);
	free(big);
}

/*
 * A bad request: its client is closed, unanswered; the good one keeps
 * working.  A row per request; Criterion copies the rows into the
 * process that runs them, so the payload is in the row.
 */
struct bad_request {
	char		 name[40];
	uint32_t	 type;
	uint32_t	 hdrlen;
	union {
		uint16_t	 u16;
		int32_t		 i32;
	}		 data;
	size_t		 len;
};

static struct bad_request bad_requests[] = {
	{ "unknown type", IMSG_CTL_JSON, IMSG_HEADER_SIZE, { 0 }, 0 },
	{ "unknown type 9999", 9999, IMSG_HEADER_SIZE, { 0 }, 0 },
	{ "wrong size", IMSG_CTL_LOG_VERBOSE, IMSG_HEADER_SIZE +
	    sizeof(uint16_t), { .u16 = 1 }, sizeof(uint16_t) },
	{ "payload on an empty request", IMSG_CTL_SHOW_STATUS,
	    IMSG_HEADER_SIZE + sizeof(int32_t), { .i32 = 1 },
	    sizeof(int32_t) },
	{ "bad level", IMSG_CTL_LOG_VERBOSE, IMSG_HEADER_SIZE +
	    sizeof(int32_t), { .i32 = 7 }, sizeof(int32_t) },
	{ "negative level", IMSG_CTL_LOG_VERBOSE, IMSG_HEADER_SIZE +
	    sizeof(int32_t), { .i32 = -1 }, sizeof(int32_t) },
	{ "oversize header", IMSG_CTL_SHOW_STATUS, 1024 * 1024, { 0 }, 0 },
};

ParameterizedTestParameters(control, bad_request_closes)
{
	return (cr_make_param_array(struct bad_request, bad_requests,
	    nitems(bad_requests)));
}

ParameterizedTest(const struct bad_request *b, control, bad_request_closes)
{
	int	 good, bad;

	good = client_connect();
	bad = client_connect();
	wait_clients(2);
	client_raw(bad, b->type, b->hdrlen, &b->data, b->len);
	client_closed_as(bad, b->name);
	wait_clients(1);
	cr_assert_eq(srv.calls, 0, "%s: handler called for a bad request",
	    b->name);
	client_works(good);
	cr_assert_eq(srv.calls, 1, "%s: good client not answered", b->name);
	close(good);
	wait_clients(0);
}

Test(control, fd_closes)
{
	struct imsgbuf	 ibuf;
	int		 good, bad, p[2];

	good = client_connect();
	bad = client_connect();
	wait_clients(2);
	cr_assert_eq(pipe(p), 0);
	cr_assert_eq(imsgbuf_init(&ibuf, bad), 0);
	imsgbuf_allow_fdpass(&ibuf);
	cr_assert_eq(imsg_compose(&ibuf, IMSG_CTL_SHOW_STATUS, 0, 0, p[0],
	    NULL, 0), 1);
	cr_assert_eq(imsgbuf_flush(&ibuf), 0);
	imsgbuf_clear(&ibuf);
	client_closed(bad);
	wait_clients(1);
	cr_assert_eq(srv.calls, 0, "handler called for a request with an fd");
	/* The passed fd was closed by the server: the pipe has no reader. */
	cr_assert_eq(fcntl(p[0], F_GETFD), -1);
	client_works(good);
	close(p[1]);
	close(good);
}

static void
pipelined(int mode)
{
	unsigned char	 buf[5 * IMSG_HEADER_SIZE];
	struct imsg_hdr	 hdr;
	int		 good, bad, i;

	good = client_connect();
	bad = client_connect();
	wait_clients(2);
	srv.mode = mode;
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = IMSG_CTL_SHOW_COUNTERS;
	hdr.len = IMSG_HEADER_SIZE;
	for (i = 0; i < 5; i++)
		memcpy(buf + i * IMSG_HEADER_SIZE, &hdr, sizeof(hdr));
	cr_assert_eq(write(bad, buf, sizeof(buf)), (ssize_t)sizeof(buf));
	client_closed(bad);
	wait_clients(1);
	cr_assert_eq(srv.calls, CONTROL_MAX_PENDING);
	srv.mode = MODE_SYNC;
	client_works(good);
	close(good);
	wait_clients(0);
}

Test(control, pipelined_unanswered_closes)
{
	pipelined(MODE_NONE);
}

Test(control, pipelined_unread_closes)
{
	pipelined(MODE_SYNC);
}

Test(control, requests_in_turn_are_fine)
{
	int	 fd, i;

	fd = client_connect();
	for (i = 0; i < 3 * CONTROL_MAX_PENDING; i++)
		client_works(fd);
	cr_assert_eq(srv.calls, 3 * CONTROL_MAX_PENDING);
	wait_clients(1);
	close(fd);
	wait_clients(0);
}

Test(control, late_reply)
{
	struct reply	 r;
	long long	 end = now_ms() + WAIT_MS;
	int		 fd;

	srv.mode = MODE_KEEP;
	fd = client_connect();
	client_send(fd, IMSG_CTL_SHOW_STATUS, NULL, 0);
	while (srv.kept == NULL && now_ms() < end)
		pump();
	cr_assert_not_null(srv.kept);
	cr_assert_eq(control_reply_json(srv.kept, "{\"late\":1}"), 0);
	client_reply(fd, &r);
	cr_assert(r.end);
	cr_assert_str_eq(r.json, "{\"late\":1}");
	free(r.json);
	close(fd);
	wait_clients(0);
}

Test(control, reply_after_client_left)
{
	long long	 end = now_ms() + WAIT_MS;
	int		 fd;

	srv.mode = MODE_KEEP;
	fd = client_connect();
	client_send(fd, IMSG_CTL_SHOW_STATUS, NULL, 0);
	while (srv.kept == NULL && now_ms() < end)
		pump();
	cr_assert_not_null(srv.kept);
	close(fd);
	wait_clients(0);
	/* Still valid: the reply is dropped, and the conn freed now. */
	cr_assert_eq(control_reply_json(srv.kept, "{}"), -1);
	srv.mode = MODE_SYNC;
	fd = client_connect();
	client_works(fd);
	close(fd);
}

/*
 * A full table of idle clients: a new one takes the place of the client
 * idle the longest, at once; the others are untouched.
 */
Test(control, full_evicts_longest_idle)
{
	int	 fds[CONTROL_MAX_CLIENTS], extra, i;

	/* One by one: the listen backlog is smaller than the limit. */
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = client_connect();
		wait_clients(i + 1);
	}
	/* fds[0] was just active: fds[1] is now idle the longest. */
	pump_ms(5);
	client_works(fds[0]);
	extra = client_connect();
	client_works(extra);
	client_closed(fds[1]);
	cr_assert_eq(control_clients(srv.ctl), CONTROL_MAX_CLIENTS);
	cr_assert_eq(control_stats(srv.ctl)->evicted, 1);
	cr_assert_eq(control_stats(srv.ctl)->refused, 0);
	cr_assert_eq(counter("control-evicted"), 1);
	client_works(fds[0]);
	for (i = 2; i < CONTROL_MAX_CLIENTS; i++)
		client_open(fds[i]);
	close(extra);
	close(fds[0]);
	for (i = 2; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
	wait_clients(0);
}

/*
 * The lockout of issue 10: the limit's worth of idle clients, and one
 * more holding half an imsg header.  With the default timeouts (far
 * longer than this test may take), a new client is still answered at
 * once; the half request, completed later, is answered too.
 */
Test(control, idle_and_partial_cannot_lock_out)
{
	struct reply	 r;
	long long	 start;
	int		 fds[CONTROL_MAX_CLIENTS], half, extra, i;

	cr_assert_geq(CONTROL_PARTIAL_MS, 1000);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = client_connect();
		wait_clients(i + 1);
	}
	half = client_connect();
	client_half(half, 0);
	client_closed(fds[0]);
	wait_clients(CONTROL_MAX_CLIENTS);
	pump_ms(5);

	start = now_ms();
	extra = client_connect();
	client_works(extra);
	cr_assert_lt(now_ms() - start, CONTROL_PARTIAL_MS / 2,
	    "answered after %lld ms", now_ms() - start);
	client_closed(fds[1]);
	cr_assert_eq(control_stats(srv.ctl)->evicted, 2);
	cr_assert_eq(control_stats(srv.ctl)->idle, 0);
	cr_assert_eq(control_stats(srv.ctl)->partial, 0);
	cr_assert_eq(control_stats(srv.ctl)->refused, 0);
	cr_assert_eq(srv.calls, 1);

	/* The half request was not evicted: the idle ones went first. */
	client_half(half, 1);
	client_reply(half, &r);
	cr_assert(r.end);
	cr_assert_str_eq(r.json, srv.json);
	free(r.json);
	close(half);
	close(extra);
	for (i = 2; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
	wait_clients(0);
}

/*
 * Clients waiting for a reply the daemon owes are never evicted nor
 * timed out: with all of them busy, a new client is refused, and the
 * late replies still arrive.
 */
Test(control, busy_clients_stay)
{
	struct reply	 r;
	long long	 end;
	int		 fds[CONTROL_MAX_CLIENTS], extra, i;

	srv.mode = MODE_KEEP;
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = client_connect();
		wait_clients(i + 1);
		client_send(fds[i], IMSG_CTL_SHOW_STATUS, NULL, 0);
		end = now_ms() + WAIT_MS;
		while (srv.nkept != i + 1 && now_ms() < end)
			pump();
		cr_assert_eq(srv.nkept, i + 1);
	}
	/* Owed a reply, they have no timeout, however short. */
	control_set_timeouts(srv.ctl, 100, 100);
	extra = client_connect();
	client_closed(extra);
	pump_ms(400);
	cr_assert_eq(control_clients(srv.ctl), CONTROL_MAX_CLIENTS);
	cr_assert_eq(control_stats(srv.ctl)->refused, 1);
	cr_assert_eq(control_stats(srv.ctl)->evicted, 0);
	cr_assert_eq(control_stats(srv.ctl)->idle, 0);
	cr_assert_eq(counter("control-refused-busy"), 1);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		cr_assert_eq(control_reply_json(srv.keptall[i],
		    "{\"late\":1}"), 0);
		client_reply(fds[i], &r);
		cr_assert(r.end);
		cr_assert_str_eq(r.json, "{\"late\":1}");
		free(r.json);
	}
	/* Answered, they are idle: now the timeout applies. */
	wait_clients(0);
	cr_assert_eq(control_stats(srv.ctl)->idle, CONTROL_MAX_CLIENTS);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
}

/*
 * Clients that asked for a reply larger than the socket buffer and read
 * none of it: while that is recent, they are busy and a new client is
 * refused; once they have read nothing for partial_ms, a new client takes
 * the place of the one stalled the longest.
 */
Test(control, stalled_readers_give_way)
{
	char		*big;
	size_t		 n = 600 * 1024;
	long long	 t0, end;
	int		 fds[CONTROL_MAX_CLIENTS], extra, i;

	big = malloc(n + 1);
	cr_assert_not_null(big);
	memset(big, ' ', n);
	big[n] = '\0';
	srv.json = big;
	control_set_timeouts(srv.ctl, 10000, 1500);
	for (i = 0; i < CONTROL_MAX_CLIENTS; i++) {
		fds[i] = client_connect();
		wait_clients(i + 1);
		client_send(fds[i], IMSG_CTL_SHOW_PEERS, NULL, 0);
	}
	end = now_ms() + WAIT_MS;
	while (srv.calls != CONTROL_MAX_CLIENTS && now_ms() < end)
		pump();
	cr_assert_eq(srv.calls, CONTROL_MAX_CLIENTS);
	pump_ms(20);
	t0 = now_ms();
	extra = client_connect();
	client_closed(extra);
	cr_assert_lt(now_ms() - t0, 1000, "too slow to test the refusal");
	cr_assert_eq(control_stats(srv.ctl)->refused, 1);
	cr_assert_eq(control_stats(srv.ctl)->evicted, 0);

	pump_ms(1600);
	extra = client_connect();
	client_works(extra);
	cr_assert_eq(control_stats(srv.ctl)->evicted, 1);
	cr_assert_eq(control_stats(srv.ctl)->refused, 1);
	cr_assert_eq(control_stats(srv.ctl)->stalled, 0);
	client_closed(fds[0]);
	/* Only that one: the others still wait, their replies unread. */
	cr_assert_eq(control_clients(srv.ctl), CONTROL_MAX_CLIENTS);
	close(extra);
	for (i = 1; i < CONTROL_MAX_CLIENTS; i++)
		close(fds[i]);
	wait_clients(0);
	free(big);
}

/*
 * An idle client is closed after the idle timeout, counted, and summed
 * up in the log once (not once per client); a client that keeps making
 * requests is not.
 */
Test(control, idle_client_times_out)
{
	long long	 start, took;
	int		 fd, fd2, active, i;

	log_sethook(summary_hook);
	nsummary = 0;
	control_set_timeouts(srv.ctl, 300, 100);
	start = now_ms();
	fd = client_connect();
	wait_clients(1);
	client_closed(fd);
	took = now_ms() - start;
	cr_assert_geq(took, 290, "closed after %lld ms", took);
	cr_assert_lt(took, WAIT_MS);
	cr_assert_eq(control_stats(srv.ctl)->idle, 1);
	cr_assert_eq(counter("control-timeout-idle"), 1);
	cr_assert_eq(nsummary, 1);

	fd2 = client_connect();
	active = client_connect();
	wait_clients(2);
	for (i = 0; i < 8; i++) {
		client_works(active);
		pump_ms(100);
	}
	/* 800 ms on: fd2 went long ago, active is still there. */
	wait_clients(1);
	client_closed(fd2);
	client_open(active);
	client_works(active);
	cr_assert_eq(control_stats(srv.ctl)->idle, 2);
	cr_assert_eq(nsummary, 1, "%d summaries", nsummary);
	close(active);
	wait_clients(0);
	log_sethook(NULL);
}

/*
 * A partial request is closed partial_ms after its first byte, however
 * slowly the rest trickles in.
 */
Test(control, partial_request_times_out)
{
	long long	 start, took;
	unsigned char	 b = 0;
	int		 fd, i;

	control_set_timeouts(srv.ctl, 10000, 300);
	fd = client_connect();
	wait_clients(1);
	start = now_ms();
	/* A byte every 80 ms: the whole header would take 1.2 s. */
	for (i = 0; i < (int)IMSG_HEADER_SIZE - 1; i++) {
		if (control_clients(srv.ctl) == 0 ||
		    client_bytes(fd, &b, 1) != 1)
			break;
		pump_ms(80);
	}
	client_closed(fd);
	took = now_ms() - start;
	cr_assert_geq(took, 290, "closed after %lld ms", took);
	cr_assert_lt(took, 1000, "closed after %lld ms: the deadline moved",
	    took);
	cr_assert_eq(control_stats(srv.ctl)->partial, 1);
	cr_assert_eq(control_stats(srv.ctl)->idle, 0);
	cr_assert_eq(counter("control-timeout-partial"), 1);
	cr_assert_eq(srv.calls, 0);
}

/*
 * A reply read slowly, for longer than the idle timeout, is not cut off:
 * every write that goes out starts the timeout over.  A reply nobody
 * reads is.
 */
Test(control, slow_reader_kept_stalled_reader_closed)
{
	struct reply	 r;
	char		*big;
	size_t		 n = 3 * 1024 * 1024, i;
	long long	 start, took;
	int		 fd;

	big = malloc(n + 1);
	cr_assert_not_null(big);
	big[0] = '"';
	for (i = 1; i < n - 1; i++)
		big[i] = 'a' + i % 26;
	big[n - 1] = '"';
	big[n] = '\0';
	srv.json = big;
	/*
	 * Reads 50 ms apart against a 1 s timeout: twenty times the margin,
	 * so a loaded machine that delays one read does not cut it off,
	 * while the whole reply takes longer than the timeout.
	 */
	control_set_timeouts(srv.ctl, 1000, 1000);

	fd = client_connect();
	start = now_ms();
	client_send(fd, IMSG_CTL_SHOW_PEERS, NULL, 0);
	client_reply_slow(fd, &r, 50);
	took = now_ms() - start;
	cr_assert(r.end, "slow reader cut off after %lld ms", took);
	cr_assert_eq(r.len, n);
	cr_assert_gt(took, 1000, "read in %lld ms: not slow enough", took);
	cr_assert_eq(control_stats(srv.ctl)->stalled, 0);
	free(r.json);
	close(fd);
	wait_clients(0);

	fd = client_connect();
	start = now_ms();
	client_send(fd, IMSG_CTL_SHOW_PEERS, NULL, 0);
	wait_clients(1);
	wait_clients(0);
	took = now_ms() - start;
	cr_assert_geq(took, 990, "closed after %lld ms", took);
	cr_assert_eq(control_stats(srv.ctl)->stalled, 1);
	cr_assert_eq(counter("control-timeout-unread"), 1);
	close(fd);
	free(big);
}

Test(control, counters_without_control)
{
	cJSON	*a;

	a = cJSON_CreateArray();
	control_json_counters(a, NULL);
	cr_assert_eq(cJSON_GetArraySize(a), 5);
	cJSON_Delete(a);
}

Test(control, out_of_fds_pauses_accept)
{
	struct sockaddr_un	 sun;
	struct rlimit		 rl, low;
	long long		 start, end;
	int			 fd, next;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, srv.path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	cr_assert_geq(fd, 0);
	next = dup(0);
	cr_assert_geq(next, 0);
	close(next);
	/* No new fd from now on: accept fails with EMFILE. */
	cr_assert_eq(getrlimit(RLIMIT_NOFILE, &rl), 0);
	low = rl;
	low.rlim_cur = next;
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &low), 0);
	cr_assert_eq(connect(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	start = now_ms();
	while (now_ms() < start + 300) {
		pump();
		usleep(1000);
	}
	cr_assert_eq(control_clients(srv.ctl), 0);
	cr_assert_eq(setrlimit(RLIMIT_NOFILE, &rl), 0);
	/* Accepting resumes after the pause of a second. */
	end = now_ms() + WAIT_MS;
	while (control_clients(srv.ctl) == 0 && now_ms() < end) {
		pump();
		usleep(1000);
	}
	cr_assert_eq(control_clients(srv.ctl), 1);
	cr_assert_geq(now_ms() - start, 900, "accepted after %lld ms",
	    now_ms() - start);
	client_works(fd);
	close(fd);
}

/*
 * priv_control_socket
 */

static char	 sdir[64];

static void
sdir_make(void)
{
	(void)strlcpy(sdir, "/tmp/softlan-ctlsock.XXXXXX", sizeof(sdir));
	cr_assert_not_null(mkdtemp(sdir));
}

static void
sdir_remove(void)
{
	char	 cmd[128];

	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", sdir);
	(void)system(cmd);
}

TestSuite(ctlsock, .init = sdir_make, .fini = sdir_remove);

/* A socket bound at path; listening if live. */
static int
bound_socket(const char *path, int live)
{
	struct sockaddr_un	 sun;
	int			 fd;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	cr_assert_eq(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	if (live)
		cr_assert_eq(listen(fd, 1), 0);
	return (fd);
}

static int
accepts(const char *path)
{
	struct sockaddr_un	 sun;
	int			 fd, r;

	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	(void)strlcpy(sun.sun_path, path, sizeof(sun.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	cr_assert_geq(fd, 0);
	r = connect(fd, (struct sockaddr *)&sun, sizeof(sun));
	close(fd);
	return (r == 0);
}

Test(ctlsock, mode_owner_group)
{
	struct stat	 st;
	char		 path[128], err[PRIV_ERRLEN];
	int		 fd, fl;
	mode_t		 omask;

	(void)snprintf(path, sizeof(path), "%s/d.sock", sdir);
	omask = umask(0);		/* must not leak into the socket */
	fd = priv_control_socket(path, TEST_GID, err, sizeof(err));
	(void)umask(omask);
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert(S_ISSOCK(st.st_mode));
	cr_assert_eq(st.st_mode & 07777, 0660, "mode %o", st.st_mode & 07777);
	cr_assert_eq(st.st_uid, 0);
	cr_assert_eq(st.st_gid, TEST_GID);
	fl = fcntl(fd, F_GETFL);
	cr_assert(fl & O_NONBLOCK);
	cr_assert(fcntl(fd, F_GETFD) & FD_CLOEXEC);
	cr_assert(accepts(path));
	close(fd);
}

/*
 * Not root (relayd as its own user with CAP_NET_BIND_SERVICE): no chown,
 * the socket keeps the caller's uid and gid, mode 0660 all the same.
 * A forked child becomes nobody and makes the socket in a directory only
 * nobody can write; its exit status says what went wrong.
 */
#define NOBODY_ID	65534

static int
nonroot_child(const char *dir)
{
	struct stat	 st;
	char		 path[160], err[PRIV_ERRLEN];
	gid_t		 gid = NOBODY_ID;
	int		 fd;

	if (setgroups(1, &gid) == -1 ||
	    setresgid(NOBODY_ID, NOBODY_ID, NOBODY_ID) == -1 ||
	    setresuid(NOBODY_ID, NOBODY_ID, NOBODY_ID) == -1)
		return (10);
	if (geteuid() != NOBODY_ID)
		return (11);
	(void)snprintf(path, sizeof(path), "%s/d.sock", dir);
	if ((fd = priv_control_socket(path, TEST_GID, err,
	    sizeof(err))) == -1) {
		fprintf(stderr, "priv_control_socket as nobody: %s\n", err);
		return (12);
	}
	if (lstat(path, &st) == -1 || !S_ISSOCK(st.st_mode))
		return (13);
	if ((st.st_mode & 07777) != 0660)
		return (14);
	if (st.st_uid != NOBODY_ID || st.st_gid != NOBODY_ID)
		return (15);
	if (!accepts(path))
		return (16);
	close(fd);
	return (0);
}

Test(ctlsock, not_root_keeps_owner)
{
	struct stat	 st;
	char		 dir[128];
	pid_t		 pid;
	int		 status;

	cr_assert_eq(geteuid(), 0, "this test needs root to become nobody");
	(void)snprintf(dir, sizeof(dir), "%s/nobody", sdir);
	cr_assert_eq(chmod(sdir, 0711), 0);
	cr_assert_eq(mkdir(dir, 0700), 0);
	cr_assert_eq(chown(dir, NOBODY_ID, NOBODY_ID), 0);
	fflush(NULL);
	pid = fork();
	cr_assert_neq(pid, -1);
	if (pid == 0)
		_exit(nonroot_child(dir));
	cr_assert_eq(waitpid(pid, &status, 0), pid);
	cr_assert(WIFEXITED(status), "child died, status %#x", status);
	cr_assert_eq(WEXITSTATUS(status), 0, "child failed with %d (10: "
	    "setresuid, 12: priv_control_socket, 14: mode, 15: owner, 16: "
	    "not listening)", WEXITSTATUS(status));
	/* Seen from root too: nobody's socket, not root's. */
	(void)snprintf(dir, sizeof(dir), "%s/nobody/d.sock", sdir);
	cr_assert_eq(lstat(dir, &st), 0);
	cr_assert_eq(st.st_uid, NOBODY_ID);
	cr_assert_eq(st.st_gid, NOBODY_ID);
}

Test(ctlsock, stale_socket_replaced)
{
	struct stat	 st;
	char		 path[128], err[PRIV_ERRLEN];
	int		 old, fd;

	(void)snprintf(path, sizeof(path), "%s/d.sock", sdir);
	old = bound_socket(path, 0);
	close(old);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert_not(accepts(path));
	fd = priv_control_socket(path, TEST_GID, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	cr_assert_eq(lstat(path, &st), 0);
	cr_assert_eq(st.st_mode & 07777, 0660);
	cr_assert(accepts(path), "the new socket does not listen");
	close(fd);
}

Test(ctlsock, live_socket_refused)
{
	struct stat	 st1, st2;
	char		 path[128], err[PRIV_ERRLEN], want[256];
	int		 live, fd;

	(void)snprintf(path, sizeof(path), "%s/d.sock", sdir);
	live = bound_socket(path, 1);
	cr_assert_eq(lstat(path, &st1), 0);
	fd = priv_control_socket(path, TEST_GID, err, sizeof(err));
	cr_assert_eq(fd, -1);
	(void)snprintf(want, sizeof(want), "control socket %s: in use", path);
	cr_assert_str_eq(err, want);
	cr_assert_eq(lstat(path, &st2), 0);
	cr_assert_eq(st1.st_ino, st2.st_ino, "live socket was replaced");
	close(live);
}

Test(ctlsock, regular_file_refused)
{
	char	 path[128], err[PRIV_ERRLEN];
	int	 fd;

	(void)snprintf(path, sizeof(path), "%s/d.sock", sdir);
	fd = open(path, O_WRONLY | O_CREAT, 0600);
	cr_assert_geq(fd, 0);
	close(fd);
	cr_assert_eq(priv_control_socket(path, TEST_GID, err, sizeof(err)),
	    -1);
	cr_assert(strstr(err, "not a socket") != NULL, "%s", err);
	cr_assert_eq(access(path, F_OK), 0, "regular file removed");
}

Test(ctlsock, bad_paths_refused)
{
	char	 path[200], err[PRIV_ERRLEN];

	memset(path, 'x', sizeof(path) - 1);
	path[0] = '/';
	path[sizeof(path) - 1] = '\0';
	cr_assert_eq(priv_control_socket(path, TEST_GID, err, sizeof(err)),
	    -1);
	cr_assert(strstr(err, "too long") != NULL, "%s", err);
	cr_assert_eq(priv_control_socket("relative.sock", TEST_GID, err,
	    sizeof(err)), -1);
	cr_assert(strstr(err, "not an absolute path") != NULL, "%s", err);
	cr_assert_eq(access("relative.sock", F_OK), -1);
}

/*
 * ctl_render
 */

static char *
render(const char *json)
{
	cJSON	*obj;
	char	*text = NULL;
	size_t	 len = 0;
	FILE	*f;

	obj = cJSON_Parse(json);
	cr_assert_not_null(obj, "bad test JSON");
	f = open_memstream(&text, &len);
	cr_assert_not_null(f);
	cr_assert_eq(ctl_render(f, obj), 0);
	cr_assert_eq(fclose(f), 0);
	cJSON_Delete(obj);
	return (text);
}

Test(ctlrender, tables_and_values)
{
	char	*text;

	text = render("{"
	    "\"daemon\":\"relayd\",\"uptime\":3600,\"ready\":true,"
	    "\"listen\":{\"port\":4433,\"addr\":\"198.18.0.1\"},"
	    "\"rooms\":["
	    "{\"name\":\"lobby\",\"members\":3,\"frames_in\":1234567,"
	    "\"open\":true},"
	    "{\"name\":\"quake-night\",\"members\":12,\"open\":false},"
	    "{\"name\":\"x\",\"members\":0,\"frames_in\":0,\"open\":null,"
	    "\"extra\":1}],"
	    "\"load\":0.25,\"big\":1e15,\"peers\":[],\"tags\":[\"a\",2]}");
	cr_assert_str_eq(text,
	    "daemon: relayd\n"
	    "uptime: 3600\n"
	    "ready: yes\n"
	    "listen.port: 4433\n"
	    "listen.addr: 198.18.0.1\n"
	    "\n"
	    "rooms:\n"
	    "name         members  frames_in  open\n"
	    "lobby        3        1234567    yes\n"
	    "quake-night  12       -          no\n"
	    "x            0        0          -\n"
	    "\n"
	    "load: 0.25\n"
	    "big: 1000000000000000\n"
	    "peers: (none)\n"
	    "tags: a, 2\n");
	free(text);
}

Test(ctlrender, escapes_and_nesting)
{
	char	*text;

	text = render("{\"s\":{\"t\":{\"name\":\"a\\u001bb\"},"
	    "\"list\":[{\"k\":\"v\",\"o\":{\"x\":1}}]},\"neg\":-2.5,"
	    "\"e\":{}}");
	cr_assert_str_eq(text,
	    "s.t.name: a\\x1bb\n"
	    "\n"
	    "s.list:\n"
	    "k  o\n"
	    "v  {\"x\":1}\n"
	    "\n"
	    "neg: -2.5\n"
	    "e: -\n");
	free(text);
}

Test(ctlrender, not_an_object)
{
	cJSON	*arr;
	FILE	*f;

	arr = cJSON_Parse("[1,2]");
	cr_assert_not_null(arr);
	f = fopen("/dev/null", "w");
	cr_assert_not_null(f);
	cr_assert_eq(ctl_render(f, arr), -1);
	cr_assert_eq(errno, EINVAL);
	fclose(f);
	cJSON_Delete(arr);
}

/* The socket a daemon bound goes at its exit; another's never does. */
Test(ctlsock, removed_at_exit_only_if_ours)
{
	struct priv_ctlsock	 cs, none;
	struct stat		 st;
	char			 path[128], err[PRIV_ERRLEN];
	int			 fd, fd2;

	(void)snprintf(path, sizeof(path), "%s/x.sock", sdir);
	fd = priv_control_socket(path, TEST_GID, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	priv_control_remember(&cs, path);
	cr_assert(cs.set);
	cr_assert_eq(priv_control_remove(&cs), 1);
	cr_assert_eq(lstat(path, &st), -1);
	cr_assert_eq(priv_control_remove(&cs), 0, "removed twice");
	close(fd);

	/* A later instance bound the path: its socket stays. */
	fd = priv_control_socket(path, TEST_GID, err, sizeof(err));
	cr_assert_geq(fd, 0, "%s", err);
	priv_control_remember(&cs, path);
	cr_assert_eq(unlink(path), 0);
	fd2 = bound_socket(path, 1);
	cr_assert_eq(priv_control_remove(&cs), 0);
	cr_assert(accepts(path), "another daemon's socket was removed");
	close(fd2);
	close(fd);

	/* Never remembered (no such path): nothing happens. */
	priv_control_remember(&none, "/nonexistent/softlan.sock");
	cr_assert(!none.set);
	cr_assert_eq(priv_control_remove(&none), 0);
}
