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
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/time.h>

#include <errno.h>
#include <event.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cJSON.h>

#include "compat.h"
#include "control.h"
#include "imsg.h"
#include "log.h"
#include "wiremsg.h"

/*
 * The server side of the control socket, run by the sandboxed network
 * child on the listening fd its parent made (no file is opened here).
 *
 * Lifetime of a ctl_conn: every valid request is handed to the handler
 * and must get exactly one reply (control_reply_json or
 * control_reply_error), either before the handler returns or later.  The
 * ctl_conn stays valid until that reply is made, even if the client went
 * away or was disconnected meanwhile: the reply is then dropped and the
 * call returns -1.  Once a closed connection has no unanswered request
 * left (and no handler is running for it) it is freed.  control_free()
 * frees every connection; no ctl_conn may be used after it.
 *
 * A request is pending from its arrival until its whole reply has been
 * handed to the kernel; a client with CONTROL_MAX_PENDING pending
 * requests that sends another one is disconnected.  The replies queued
 * for one client are bounded by CONTROL_OUTQ_MAX: a reply that would not
 * fit disconnects a client that has not read what came before, or becomes
 * an error reply if the queue was empty (the reply alone is too large).
 * The queue is measured in messages of at most MAX_IMSGSIZE bytes.  A
 * client that closes its end is disconnected at once, and what it sent
 * last is not handed to the handler.
 *
 * Each client has one timer for what it is up to (control.h): idle (no
 * request owed, nothing queued, no partial request), partial (part of a
 * request read), unread (a reply queued) or none (a reply owed: the wait
 * is the daemon's, not the client's).  The timer starts over when that
 * state changes, and while a reply is queued also whenever some of it is
 * written, so a client reading a long reply is never cut off; a partial
 * request must be completed within partial_ms of its first byte.  A new
 * client may evict one that is idle or partial, which loses no work of
 * the daemon's, or one that has read nothing of its reply for partial_ms;
 * never one owed a reply, nor one reading.
 */

#define CONTROL_OUTQ_MAX	(4 * 1024 * 1024)
#define CONTROL_OUTQ_MSGS	(CONTROL_OUTQ_MAX / MAX_IMSGSIZE)
#define CONTROL_CHUNK		(MAX_IMSGSIZE - IMSG_HEADER_SIZE)
#define CONTROL_NOTE_MS		60000	/* summary at most once a minute */

#define CTL_T_NONE		0	/* a reply owed: no timeout */
#define CTL_T_IDLE		1
#define CTL_T_PARTIAL		2
#define CTL_T_UNREAD		3

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct control		*ctl;
	struct imsgbuf		 ibuf;
	struct event		 ev;
	short			 events;	/* what ev is armed for */
	struct event		 tmo;
	int			 tstate;	/* CTL_T_*, what tmo times */
	long long		 since;		/* ms: state began, or wrote */
	int			 fd;		/* -1 once closed */
	unsigned int		 id;
	unsigned int		 unanswered;	/* requests to reply */
	uint64_t		 nqueued;	/* messages queued so far */
	/* nqueued after each reply still (partly) queued, oldest first */
	uint64_t		 ends[CONTROL_MAX_PENDING];
	unsigned int		 nends;
	int			 inhandler;
};

TAILQ_HEAD(ctl_conns, ctl_conn);

struct control {
	int			 fd;
	struct event		 ev;
	struct event		 pause;
	int			 paused;
	control_handler_t	 handler;
	void			*arg;
	struct ctl_conns	 conns;		/* connected */
	struct ctl_conns	 closed;	/* closed, replies owed */
	size_t			 nconns;
	unsigned int		 nextid;
	unsigned int		 idle_ms;
	unsigned int		 partial_ms;
	struct control_stats	 stats;
	long long		 noted;		/* ms of the last summary */
	int			 hasnoted;
};

static void	control_accept(int, short, void *);
static void	control_resume(int, short, void *);
static void	control_dispatch(int, short, void *);
static void	control_arm(struct ctl_conn *, int);
static void	control_timer(struct ctl_conn *, int);
static void	control_timeout(int, short, void *);
static struct ctl_conn *control_idlest(struct control *);
static void	control_note(struct control *);
static long long control_now(void);
static void	control_close(struct ctl_conn *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	control_release(struct ctl_conn *);
static void	control_sent(struct ctl_conn *);
static int	control_request(struct ctl_conn *, struct imsg *);
static int	control_answer(struct ctl_conn *);
static void	control_queued(struct ctl_conn *);
static int	control_compose(struct ctl_conn *, uint32_t, const void *,
		    size_t);

/*
 * Serve the listening socket fd (non-blocking), which the control now
 * owns.  Returns NULL with errno set on failure (fd is then not closed).
 */
struct control *
control_init(int fd, control_handler_t handler, void *arg)
{
	struct control	*ctl;

	if (fd < 0 || handler == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return (NULL);
	ctl->fd = fd;
	ctl->handler = handler;
	ctl->arg = arg;
	ctl->idle_ms = CONTROL_IDLE_MS;
	ctl->partial_ms = CONTROL_PARTIAL_MS;
	TAILQ_INIT(&ctl->conns);
	TAILQ_INIT(&ctl->closed);
	event_set(&ctl->ev, fd, EV_READ | EV_PERSIST, control_accept, ctl);
	if (event_add(&ctl->ev, NULL) == -1) {
		free(ctl);
		return (NULL);
	}
	evtimer_set(&ctl->pause, control_resume, ctl);
	return (ctl);
}

/* Close every client and the listening socket. */
void
control_free(struct control *ctl)
{
	struct ctl_conn	*c;

	if (ctl == NULL)
		return;
	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		control_close(c, "control socket closed");
	while ((c = TAILQ_FIRST(&ctl->closed)) != NULL) {
		TAILQ_REMOVE(&ctl->closed, c, entry);
		free(c);
	}
	if (ctl->paused)
		evtimer_del(&ctl->pause);
	else
		event_del(&ctl->ev);
	close(ctl->fd);
	free(ctl);
}

size_t
control_clients(const struct control *ctl)
{
	return (ctl->nconns);
}

/*
 * Set the idle and partial-request timeouts in milliseconds (0: the
 * default); timers started from now on use them.  For tests.
 */
void
control_set_timeouts(struct control *ctl, unsigned int idle_ms,
    unsigned int partial_ms)
{
	ctl->idle_ms = idle_ms > 0 ? idle_ms : CONTROL_IDLE_MS;
	ctl->partial_ms = partial_ms > 0 ? partial_ms : CONTROL_PARTIAL_MS;
}

const struct control_stats *
control_stats(const struct control *ctl)
{
	return (&ctl->stats);
}

/* The control's own rows for a "counters" table a (ctl may be NULL). */
void
control_json_counters(cJSON *a, const struct control *ctl)
{
	struct control_stats	 none;
	const struct control_stats *st = &none;

	memset(&none, 0, sizeof(none));
	if (ctl != NULL)
		st = &ctl->stats;
	control_json_counter(a, "control-refused-busy", st->refused);
	control_json_counter(a, "control-evicted", st->evicted);
	control_json_counter(a, "control-timeout-idle", st->idle);
	control_json_counter(a, "control-timeout-partial", st->partial);
	control_json_counter(a, "control-timeout-unread", st->stalled);
}

static long long
control_now(void)
{
	struct timespec	 ts;

	if (clock_gettime(CLOCK_MONOTONIC, &ts) == -1)
		fatal("control: clock_gettime");
	return (ts.tv_sec * 1000LL + ts.tv_nsec / 1000000);
}

/* Each close is logged at debug level; a summary at most once a minute. */
static void
control_note(struct control *ctl)
{
	const struct control_stats	*st = &ctl->stats;
	long long			 now = control_now();

	if (ctl->hasnoted && now - ctl->noted < CONTROL_NOTE_MS)
		return;
	ctl->hasnoted = 1;
	ctl->noted = now;
	log_info("control: clients closed so far: %llu idle, %llu with a "
	    "partial request, %llu not reading, %llu evicted for a new "
	    "client; %llu refused",
	    (unsigned long long)st->idle, (unsigned long long)st->partial,
	    (unsigned long long)st->stalled, (unsigned long long)st->evicted,
	    (unsigned long long)st->refused);
}

static void
control_accept(int fd, short events, void *arg)
{
	struct control	*ctl = arg;
	struct ctl_conn	*c;
	struct timeval	 tv = { 1, 0 };
	int		 s;

	(void)events;
	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of fds: the socket would stay readable. */
			log_warn("control: accept (pausing for a second)");
			event_del(&ctl->ev);
			evtimer_add(&ctl->pause, &tv);
			ctl->paused = 1;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (ctl->nconns >= CONTROL_MAX_CLIENTS) {
		if ((c = control_idlest(ctl)) == NULL) {
			ctl->stats.refused++;
			log_debug("control: %d clients, all busy: connection "
			    "refused", CONTROL_MAX_CLIENTS);
			control_note(ctl);
			close(s);
			return;
		}
		ctl->stats.evicted++;
		control_close(c, "evicted for a new client after %lld ms %s",
		    control_now() - c->since, c->tstate == CTL_T_IDLE ? "idle" :
		    c->tstate == CTL_T_PARTIAL ? "with a partial request" :
		    "not reading its reply");
		control_note(ctl);
	}
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		log_warn("control: %s", __func__);
		close(s);
		return;
	}
	if (imsgbuf_init(&c->ibuf, s) == -1) {
		log_warn("control: %s", __func__);
		free(c);
		close(s);
		return;
	}
	c->ctl = ctl;
	c->fd = s;
	c->id = ++ctl->nextid;
	evtimer_set(&c->tmo, control_timeout, c);
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->nconns++;
	log_debug("control: client %u connected", c->id);
	control_arm(c, 0);
}

/*
 * The client to make room for a new one: of those idle, with a partial
 * request, or not reading their reply for partial_ms (softlanctl reads
 * at once), the one doing so the longest.  NULL if there is none.
 */
static struct ctl_conn *
control_idlest(struct control *ctl)
{
	struct ctl_conn	*c, *best = NULL;
	long long	 now = control_now();

	TAILQ_FOREACH(c, &ctl->conns, entry) {
		if (c->inhandler)
			continue;
		switch (c->tstate) {
		case CTL_T_IDLE:
		case CTL_T_PARTIAL:
			break;
		case CTL_T_UNREAD:
			if (now - c->since >= ctl->partial_ms)
				break;
			continue;
		default:
			continue;
		}
		if (best == NULL || c->since < best->since)
			best = c;
	}
	return (best);
}

static void
control_resume(int fd, short events, void *arg)
{
	struct control	*ctl = arg;

	(void)fd;
	(void)events;
	ctl->paused = 0;
	if (event_add(&ctl->ev, NULL) == -1)
		log_warn("control: event_add");
}

/*
 * Watch for what is needed now: always input, output while queued; and
 * time the client.  written: some of its output went out just now.
 */
static void
control_arm(struct ctl_conn *c, int written)
{
	short	 want = EV_READ;

	if (c->fd == -1)
		return;
	if (imsgbuf_queuelen(&c->ibuf) > 0)
		want |= EV_WRITE;
	if (want != c->events) {
		if (c->events != 0)
			event_del(&c->ev);
		c->events = 0;
		event_set(&c->ev, c->fd, want | EV_PERSIST, control_dispatch,
		    c);
		if (event_add(&c->ev, NULL) == -1) {
			control_close(c, "event_add: %s", strerror(errno));
			return;
		}
		c->events = want;
	}
	control_timer(c, written);
}

/* (Re)start the timer for what the client is up to now. */
static void
control_timer(struct ctl_conn *c, int written)
{
	struct timeval	 tv;
	unsigned int	 ms;
	int		 want;

	if (c->unanswered > 0)
		want = CTL_T_NONE;
	else if (imsgbuf_queuelen(&c->ibuf) > 0)
		want = CTL_T_UNREAD;
	else if (imsgbuf_read_partial(&c->ibuf))
		want = CTL_T_PARTIAL;
	else
		want = CTL_T_IDLE;
	if (want == c->tstate && !(want == CTL_T_UNREAD && written))
		return;
	if (c->tstate != CTL_T_NONE)
		evtimer_del(&c->tmo);
	c->tstate = want;
	c->since = control_now();
	if (want == CTL_T_NONE)
		return;
	ms = want == CTL_T_PARTIAL ? c->ctl->partial_ms : c->ctl->idle_ms;
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(&c->tmo, &tv) == -1) {
		c->tstate = CTL_T_NONE;
		control_close(c, "evtimer_add: %s", strerror(errno));
	}
}

static void
control_timeout(int fd, short events, void *arg)
{
	struct ctl_conn	*c = arg;
	struct control	*ctl = c->ctl;
	long long	 ms;

	(void)fd;
	(void)events;
	ms = control_now() - c->since;
	switch (c->tstate) {
	case CTL_T_IDLE:
		ctl->stats.idle++;
		control_close(c, "idle for %lld ms", ms);
		break;
	case CTL_T_PARTIAL:
		ctl->stats.partial++;
		control_close(c, "request incomplete after %lld ms", ms);
		break;
	case CTL_T_UNREAD:
		ctl->stats.stalled++;
		control_close(c, "reply unread for %lld ms", ms);
		break;
	default:
		return;
	}
	control_note(ctl);
}

/*
 * Disconnect the client.  The ctl_conn itself lives on while a handler
 * runs for it or a request of it is unanswered; otherwise it is freed
 * here, so callers must not touch it afterwards.
 */
static void
control_close(struct ctl_conn *c, const char *fmt, ...)
{
	struct control	*ctl = c->ctl;
	char		 reason[256];
	va_list		 ap;

	if (c->fd == -1)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_debug("control: client %u closed: %s", c->id, reason);

	if (c->events != 0)
		event_del(&c->ev);
	c->events = 0;
	if (c->tstate != CTL_T_NONE)
		evtimer_del(&c->tmo);
	c->tstate = CTL_T_NONE;
	imsgbuf_clear(&c->ibuf);
	close(c->fd);
	c->fd = -1;
	TAILQ_REMOVE(&ctl->conns, c, entry);
	ctl->nconns--;
	TAILQ_INSERT_TAIL(&ctl->closed, c, entry);
	control_release(c);
}

/* Free a closed connection nobody can refer to any more. */
static void
control_release(struct ctl_conn *c)
{
	if (c->fd != -1 || c->inhandler || c->unanswered > 0)
		return;
	TAILQ_REMOVE(&c->ctl->closed, c, entry);
	free(c);
}

/* Some output went out: forget the replies that were sent in full. */
static void
control_sent(struct ctl_conn *c)
{
	uint64_t	 sent;
	unsigned int	 i, n;

	sent = c->nqueued - imsgbuf_queuelen(&c->ibuf);
	for (n = 0; n < c->nends && c->ends[n] <= sent; n++)
		;
	for (i = n; i < c->nends; i++)
		c->ends[i - n] = c->ends[i];
	c->nends -= n;
}

static void
control_dispatch(int fd, short events, void *arg)
{
	struct ctl_conn	*c = arg;
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	(void)fd;
	if (events & EV_WRITE) {
		if (imsgbuf_write(&c->ibuf) == -1) {
			control_close(c, "write: %s", strerror(errno));
			return;
		}
		control_sent(c);
	}
	if (events & EV_READ) {
		if ((r = imsgbuf_read(&c->ibuf)) == -1) {
			if (errno == ERANGE)
				control_close(c, "oversize message");
			else
				control_close(c, "read: %s", strerror(errno));
			return;
		}
		if (r == 0) {
			/* Whatever it sent last can no longer be answered. */
			control_close(c, "connection closed by the client");
			return;
		}
		for (;;) {
			if ((n = imsg_get(&c->ibuf, &imsg)) == -1) {
				control_close(c, "imsg_get: %s",
				    strerror(errno));
				return;
			}
			if (n == 0)
				break;
			c->inhandler = 1;
			r = control_request(c, &imsg);
			c->inhandler = 0;
			imsg_free(&imsg);
			if (r == -1 || c->fd == -1) {
				/* Closed, maybe by a failed reply. */
				control_release(c);
				return;
			}
		}
	}
	control_arm(c, (events & EV_WRITE) != 0);
}

/* Validate one request and hand it to the handler; -1: client closed. */
static int
control_request(struct ctl_conn *c, struct imsg *imsg)
{
	struct control	*ctl = c->ctl;
	struct imsg_hdr	 raw;
	uint32_t	 type;
	size_t		 len;
	int32_t		 level;

	/* imsg_get strips the fd mark: look at the header as it came. */
	ibuf_rewind(imsg->buf);
	if (ibuf_get(imsg->buf, &raw, sizeof(raw)) == -1) {
		control_close(c, "short message");
		return (-1);
	}
	if (raw.len & IMSG_FD_MARK) {
		control_close(c, "message type %u carries an fd",
		    imsg_get_type(imsg));
		return (-1);
	}

	type = imsg_get_type(imsg);
	len = imsg_get_len(imsg);
	switch (type) {
	case IMSG_CTL_SHOW_STATUS:
	case IMSG_CTL_SHOW_ROOMS:
	case IMSG_CTL_SHOW_PEERS:
	case IMSG_CTL_SHOW_COUNTERS:
	case IMSG_CTL_RELOAD:
		if (len != 0) {
			control_close(c, "request type %u: payload %zu bytes, "
			    "expected 0", type, len);
			return (-1);
		}
		break;
	case IMSG_CTL_LOG_VERBOSE:
		if (len != sizeof(level)) {
			control_close(c, "request type %u: payload %zu bytes, "
			    "expected %zu", type, len, sizeof(level));
			return (-1);
		}
		memcpy(&level, imsg->data, sizeof(level));
		if (level < 0 || level > 3) {
			control_close(c, "request type %u: log level %d, "
			    "expected 0..3", type, level);
			return (-1);
		}
		break;
	default:
		control_close(c, "unknown request type %u", type);
		return (-1);
	}
	if (c->unanswered + c->nends >= CONTROL_MAX_PENDING) {
		control_close(c, "more than %d requests pending",
		    CONTROL_MAX_PENDING);
		return (-1);
	}
	c->unanswered++;
	ctl->handler(c, type, len > 0 ? imsg->data : NULL, len, ctl->arg);
	return (0);
}

/*
 * Account for one reply.  0: go on and queue it; -1: drop it (the client
 * is gone, or there was no request to answer).
 */
static int
control_answer(struct ctl_conn *c)
{
	if (c->unanswered == 0) {
		log_warnx("control: client %u: reply without a request",
		    c->id);
		errno = EINVAL;
		return (-1);
	}
	c->unanswered--;
	if (c->fd == -1) {
		control_release(c);
		errno = EPIPE;
		return (-1);
	}
	return (0);
}

/* The reply is queued: remember where it ends, start writing. */
static void
control_queued(struct ctl_conn *c)
{
	if (c->nends < nitems(c->ends))
		c->ends[c->nends++] = c->nqueued;
	control_arm(c, 0);
}

static int
control_compose(struct ctl_conn *c, uint32_t type, const void *data,
    size_t len)
{
	if (imsg_compose(&c->ibuf, type, 0, 0, -1, data, len) == -1) {
		control_close(c, "imsg_compose: %s", strerror(errno));
		return (-1);
	}
	c->nqueued++;
	return (0);
}

/*
 * Answer with the JSON text: IMSG_CTL_JSON chunks, then IMSG_CTL_END.
 * Returns 0, or -1 if the client is gone (or was disconnected now).
 */
int
control_reply_json(struct ctl_conn *c, const char *json)
{
	size_t	 len, off, n, nmsgs;
	char	 msg[64];

	if (control_answer(c) == -1)
		return (-1);
	len = strlen(json);
	nmsgs = (len + CONTROL_CHUNK - 1) / CONTROL_CHUNK + 1;
	if (imsgbuf_queuelen(&c->ibuf) + nmsgs > CONTROL_OUTQ_MSGS) {
		if (imsgbuf_queuelen(&c->ibuf) > 0) {
			control_close(c, "not reading its replies");
			return (-1);
		}
		log_warnx("control: client %u: reply of %zu bytes too large",
		    c->id, len);
		(void)snprintf(msg, sizeof(msg), "reply too large (%zu bytes)",
		    len);
		if (control_compose(c, IMSG_CTL_ERROR, msg,
		    strlen(msg) + 1) == -1)
			return (-1);
		control_queued(c);
		return (-1);
	}
	for (off = 0; off < len; off += n) {
		n = MINIMUM(len - off, CONTROL_CHUNK);
		if (control_compose(c, IMSG_CTL_JSON, json + off, n) == -1)
			return (-1);
	}
	if (control_compose(c, IMSG_CTL_END, NULL, 0) == -1)
		return (-1);
	control_queued(c);
	return (0);
}

/* Answer with an error message (cut to fit one message). */
int
control_reply_error(struct ctl_conn *c, const char *error)
{
	char	 msg[CONTROL_CHUNK];

	if (control_answer(c) == -1)
		return (-1);
	(void)strlcpy(msg, error, sizeof(msg));
	if (control_compose(c, IMSG_CTL_ERROR, msg, strlen(msg) + 1) == -1)
		return (-1);
	control_queued(c);
	return (0);
}

/*
 * Answer with the object o (NULL: it could not be built), then free it;
 * "out of memory" if it cannot be serialised.
 */
int
control_reply_cjson(struct ctl_conn *c, cJSON *o)
{
	char	*s;
	int	 rv;

	if (o == NULL || (s = cJSON_PrintUnformatted(o)) == NULL) {
		cJSON_Delete(o);
		return (control_reply_error(c, "out of memory"));
	}
	rv = control_reply_json(c, s);
	cJSON_free(s);
	cJSON_Delete(o);
	return (rv);
}

/* A number member: counters are uint64_t, JSON numbers are doubles. */
void
control_json_num(cJSON *o, const char *name, uint64_t v)
{
	cJSON_AddNumberToObject(o, name, (double)v);
}

/* A row {"counter": name, "value": v} of the "counters" table a. */
void
control_json_counter(cJSON *a, const char *name, uint64_t v)
{
	cJSON	*e;

	e = cJSON_CreateObject();
	cJSON_AddStringToObject(e, "counter", name);
	control_json_num(e, "value", v);
	cJSON_AddItemToArray(a, e);
}

/* The n counters a *_counters_export() filled, onto array a. */
void
control_json_counter_list(cJSON *a, const struct wiremsg_counter *cs,
    size_t n)
{
	size_t	 i;

	for (i = 0; i < n; i++)
		control_json_counter(a, cs[i].name, cs[i].value);
}
