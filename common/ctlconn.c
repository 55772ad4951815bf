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

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "compat.h"
#include "control.h"
#include "ctlconn.h"
#include "log.h"

/*
 * The control protocol (control.h) over any transport (ctlconn.h says
 * how a server uses it).
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
 * handed to the transport; a client with CONTROL_MAX_PENDING pending
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
 *
 * The reply helpers that need no connection (control_reply_cjson and the
 * control_json_* builders) are in ctljson.c.
 */

#define CONTROL_OUTQ_MAX	(4 * 1024 * 1024)
#define CONTROL_OUTQ_MSGS	(CONTROL_OUTQ_MAX / MAX_IMSGSIZE)
#define CONTROL_CHUNK		(MAX_IMSGSIZE - IMSG_HEADER_SIZE)
#define CONTROL_NOTE_MS		60000	/* summary at most once a minute */

static struct ctl_conn *ctlconn_idlest(struct control *);
static void	ctlconn_note(struct control *);
static void	ctlconn_timer(struct ctl_conn *, int);
static void	ctlconn_release(struct ctl_conn *);
static void	ctlconn_sent(struct ctl_conn *);
static int	ctlconn_request(struct ctl_conn *, struct imsg *);
static int	ctlconn_answer(struct ctl_conn *);
static void	ctlconn_queued(struct ctl_conn *);
static int	ctlconn_compose(struct ctl_conn *, uint32_t, const void *,
		    size_t);

/* Set up the protocol's part of a server of at most maxconns clients. */
void
ctlconn_init(struct control *ctl, const struct ctl_ops *ops,
    size_t maxconns, control_handler_t handler, void *arg)
{
	memset(ctl, 0, sizeof(*ctl));
	ctl->ops = ops;
	ctl->maxconns = maxconns;
	ctl->handler = handler;
	ctl->arg = arg;
	ctl->idle_ms = CONTROL_IDLE_MS;
	ctl->partial_ms = CONTROL_PARTIAL_MS;
	TAILQ_INIT(&ctl->conns);
	TAILQ_INIT(&ctl->closed);
}

/* Close every client, for reason, and free every connection. */
void
ctlconn_free(struct control *ctl, const char *reason)
{
	struct ctl_conn	*c;

	while ((c = TAILQ_FIRST(&ctl->conns)) != NULL)
		ctlconn_close(c, "%s", reason);
	while ((c = TAILQ_FIRST(&ctl->closed)) != NULL) {
		TAILQ_REMOVE(&ctl->closed, c, entry);
		free(c);
	}
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

/* Each close is logged at debug level; a summary at most once a minute. */
static void
ctlconn_note(struct control *ctl)
{
	const struct control_stats	*st = &ctl->stats;
	uint64_t			 now = clock_ms();

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

/*
 * A client is connecting: if the server is full, make room by evicting
 * the idlest client.  -1: every client is busy, the new one is refused
 * (counted; the caller ends its transport).
 */
int
ctlconn_room(struct control *ctl)
{
	struct ctl_conn	*c;

	if (ctl->nconns < ctl->maxconns)
		return (0);
	if ((c = ctlconn_idlest(ctl)) == NULL) {
		ctl->stats.refused++;
		log_debug("control: %zu clients, all busy: connection "
		    "refused", ctl->maxconns);
		ctlconn_note(ctl);
		return (-1);
	}
	ctl->stats.evicted++;
	ctlconn_close(c, "evicted for a new client after %llu ms %s",
	    (unsigned long long)(clock_ms() - c->since),
	    c->tstate == CTL_T_IDLE ? "idle" :
	    c->tstate == CTL_T_PARTIAL ? "with a partial request" :
	    "not reading its reply");
	ctlconn_note(ctl);
	return (0);
}

/*
 * The client to make room for a new one: of those idle, with a partial
 * request, or not reading their reply for partial_ms (softlanctl reads
 * at once), the one doing so the longest.  NULL if there is none.
 */
static struct ctl_conn *
ctlconn_idlest(struct control *ctl)
{
	struct ctl_conn	*c, *best = NULL;
	uint64_t	 now = clock_ms();

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

/*
 * Take the new client c (zeroed but for its imsgbuf and the transport's
 * part, which are ready) and start timing it.
 */
void
ctlconn_add(struct control *ctl, struct ctl_conn *c)
{
	c->ctl = ctl;
	c->connected = 1;
	c->id = ++ctl->nextid;
	TAILQ_INSERT_TAIL(&ctl->conns, c, entry);
	ctl->nconns++;
	log_debug("control: client %u connected", c->id);
	ctlconn_arm(c, 0);
}

/*
 * Watch for what is needed now: always input, output while queued; and
 * time the client.  written: some of its output went out just now.
 */
void
ctlconn_arm(struct ctl_conn *c, int written)
{
	if (!c->connected)
		return;
	if (c->ctl->ops->output(c, imsgbuf_queuelen(&c->ibuf) > 0) == -1)
		return;
	ctlconn_timer(c, written);
}

/* (Re)start the timer for what the client is up to now. */
static void
ctlconn_timer(struct ctl_conn *c, int written)
{
	const struct ctl_ops	*ops = c->ctl->ops;
	unsigned int		 ms;
	int			 want;

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
		(void)ops->timer(c, 0);
	c->tstate = want;
	c->since = clock_ms();
	if (want == CTL_T_NONE)
		return;
	ms = want == CTL_T_PARTIAL ? c->ctl->partial_ms : c->ctl->idle_ms;
	(void)ops->timer(c, ms);
}

/* The client's timer fired: close it for what it timed. */
void
ctlconn_timeout(struct ctl_conn *c)
{
	struct control		*ctl = c->ctl;
	unsigned long long	 ms;

	ms = clock_ms() - c->since;
	switch (c->tstate) {
	case CTL_T_IDLE:
		ctl->stats.idle++;
		ctlconn_close(c, "idle for %llu ms", ms);
		break;
	case CTL_T_PARTIAL:
		ctl->stats.partial++;
		ctlconn_close(c, "request incomplete after %llu ms", ms);
		break;
	case CTL_T_UNREAD:
		ctl->stats.stalled++;
		ctlconn_close(c, "reply unread for %llu ms", ms);
		break;
	default:
		return;
	}
	ctlconn_note(ctl);
}

/*
 * Disconnect the client.  The ctl_conn itself lives on while a handler
 * runs for it or a request of it is unanswered; otherwise it is freed
 * here, so callers must not touch it afterwards.
 */
void
ctlconn_close(struct ctl_conn *c, const char *fmt, ...)
{
	struct control	*ctl = c->ctl;
	char		 reason[256];
	va_list		 ap;

	if (!c->connected)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	log_debug("control: client %u closed: %s", c->id, reason);

	if (c->tstate != CTL_T_NONE)
		(void)ctl->ops->timer(c, 0);
	c->tstate = CTL_T_NONE;
	ctl->ops->close(c);
	c->connected = 0;
	TAILQ_REMOVE(&ctl->conns, c, entry);
	ctl->nconns--;
	TAILQ_INSERT_TAIL(&ctl->closed, c, entry);
	ctlconn_release(c);
}

/* Free a closed connection nobody can refer to any more. */
static void
ctlconn_release(struct ctl_conn *c)
{
	if (c->connected || c->inhandler || c->unanswered > 0)
		return;
	TAILQ_REMOVE(&c->ctl->closed, c, entry);
	free(c);
}

/* Some output went out: forget the replies that were sent in full. */
static void
ctlconn_sent(struct ctl_conn *c)
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

/*
 * Move the output on (imsgbuf_write).  0, or -1: the client is closed
 * (maybe freed).
 */
int
ctlconn_write(struct ctl_conn *c)
{
	if (imsgbuf_write(&c->ibuf) == -1) {
		ctlconn_close(c, "write: %s", strerror(errno));
		return (-1);
	}
	ctlconn_sent(c);
	return (0);
}

/*
 * Read what came (imsgbuf_read) and hand each request to the handler.
 * 0, or -1: the client is closed (maybe freed).
 */
int
ctlconn_read(struct ctl_conn *c)
{
	struct imsg	 imsg;
	ssize_t		 n;
	int		 r;

	if ((r = imsgbuf_read(&c->ibuf)) == -1) {
		if (errno == ERANGE)
			ctlconn_close(c, "oversize message");
		else
			ctlconn_close(c, "read: %s", strerror(errno));
		return (-1);
	}
	if (r == 0) {
		/* Whatever it sent last can no longer be answered. */
		ctlconn_close(c, "connection closed by the client");
		return (-1);
	}
	for (;;) {
		if ((n = imsg_get(&c->ibuf, &imsg)) == -1) {
			ctlconn_close(c, "imsg_get: %s", strerror(errno));
			return (-1);
		}
		if (n == 0)
			break;
		c->inhandler = 1;
		r = ctlconn_request(c, &imsg);
		c->inhandler = 0;
		imsg_free(&imsg);
		if (r == -1 || !c->connected) {
			/* Closed, maybe by a failed reply. */
			ctlconn_release(c);
			return (-1);
		}
	}
	return (0);
}

/* Validate one request and hand it to the handler; -1: client closed. */
static int
ctlconn_request(struct ctl_conn *c, struct imsg *imsg)
{
	struct control	*ctl = c->ctl;
	struct imsg_hdr	 raw;
	uint32_t	 type;
	size_t		 len;
	int32_t		 level;

	/* imsg_get strips the fd mark: look at the header as it came. */
	ibuf_rewind(imsg->buf);
	if (ibuf_get(imsg->buf, &raw, sizeof(raw)) == -1) {
		ctlconn_close(c, "short message");
		return (-1);
	}
	if (raw.len & IMSG_FD_MARK) {
		ctlconn_close(c, "message type %u carries an fd",
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
			ctlconn_close(c, "request type %u: payload %zu bytes, "
			    "expected 0", type, len);
			return (-1);
		}
		break;
	case IMSG_CTL_LOG_VERBOSE:
		if (len != sizeof(level)) {
			ctlconn_close(c, "request type %u: payload %zu bytes, "
			    "expected %zu", type, len, sizeof(level));
			return (-1);
		}
		memcpy(&level, imsg->data, sizeof(level));
		if (level < 0 || level > 3) {
			ctlconn_close(c, "request type %u: log level %d, "
			    "expected 0..3", type, (int)level);
			return (-1);
		}
		break;
	default:
		ctlconn_close(c, "unknown request type %u", type);
		return (-1);
	}
	if (c->unanswered + c->nends >= CONTROL_MAX_PENDING) {
		ctlconn_close(c, "more than %d requests pending",
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
ctlconn_answer(struct ctl_conn *c)
{
	if (c->unanswered == 0) {
		log_warnx("control: client %u: reply without a request",
		    c->id);
		errno = EINVAL;
		return (-1);
	}
	c->unanswered--;
	if (!c->connected) {
		ctlconn_release(c);
		errno = EPIPE;
		return (-1);
	}
	return (0);
}

/* The reply is queued: remember where it ends, start writing. */
static void
ctlconn_queued(struct ctl_conn *c)
{
	if (c->nends < nitems(c->ends))
		c->ends[c->nends++] = c->nqueued;
	if (c->ctl->ops->queued != NULL)
		c->ctl->ops->queued(c);
	ctlconn_arm(c, 0);
}

static int
ctlconn_compose(struct ctl_conn *c, uint32_t type, const void *data,
    size_t len)
{
	if (imsg_compose(&c->ibuf, type, 0, 0, -1, data, len) == -1) {
		ctlconn_close(c, "imsg_compose: %s", strerror(errno));
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

	if (ctlconn_answer(c) == -1)
		return (-1);
	len = strlen(json);
	nmsgs = (len + CONTROL_CHUNK - 1) / CONTROL_CHUNK + 1;
	if (imsgbuf_queuelen(&c->ibuf) + nmsgs > CONTROL_OUTQ_MSGS) {
		if (imsgbuf_queuelen(&c->ibuf) > 0) {
			ctlconn_close(c, "not reading its replies");
			return (-1);
		}
		log_warnx("control: client %u: reply of %zu bytes too large",
		    c->id, len);
		(void)snprintf(msg, sizeof(msg), "reply too large (%zu bytes)",
		    len);
		if (ctlconn_compose(c, IMSG_CTL_ERROR, msg,
		    strlen(msg) + 1) == -1)
			return (-1);
		ctlconn_queued(c);
		return (-1);
	}
	for (off = 0; off < len; off += n) {
		n = MINIMUM(len - off, CONTROL_CHUNK);
		if (ctlconn_compose(c, IMSG_CTL_JSON, json + off, n) == -1)
			return (-1);
	}
	if (ctlconn_compose(c, IMSG_CTL_END, NULL, 0) == -1)
		return (-1);
	ctlconn_queued(c);
	return (0);
}

/* Answer with an error message (cut to fit one message). */
int
control_reply_error(struct ctl_conn *c, const char *error)
{
	char	 msg[CONTROL_CHUNK];

	if (ctlconn_answer(c) == -1)
		return (-1);
	(void)strlcpy(msg, error, sizeof(msg));
	if (ctlconn_compose(c, IMSG_CTL_ERROR, msg, strlen(msg) + 1) == -1)
		return (-1);
	ctlconn_queued(c);
	return (0);
}
