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
 * evloop.h on Windows: a WaitForMultipleObjects() loop.  See evloop.h
 * for the rules; the shape of one pass (evloop_loop_once()):
 *
 *	1. run the timers due now (moved to a run list first, so a
 *	   callback that adds or activates a timer runs it at the next
 *	   pass, never in a loop inside this one);
 *	2. wait on the sockets' event objects, at most until the first
 *	   deadline (rounded up to a millisecond: never early);
 *	3. run the read callback of one signalled socket, the first found
 *	   from a rotating start, so a socket that is always readable can
 *	   starve neither the timers (step 1 comes first on every pass)
 *	   nor the other sockets.
 */

#include <sys/queue.h>

#include <winsock2.h>
#include <windows.h>

#include <stdint.h>
#include <string.h>

#include "clock.h"
#include "evloop.h"

#define EVLOOP_Q_NONE	0
#define EVLOOP_Q_TIMERS	1
#define EVLOOP_Q_RUN	2

static struct evloop	 evloop_def;
static int		 evloop_def_init;

static struct evloop	*loop_of(struct evloop *);
static void		 timer_unlink(struct evloop_timer *);
static void		 timer_insert(struct evloop_timer *, uint64_t);
static int		 run_timers(struct evloop *);
static int		 wait_ios(struct evloop *, DWORD);

void
evloop_init(struct evloop *loop)
{
	memset(loop, 0, sizeof(*loop));
	TAILQ_INIT(&loop->timers);
	TAILQ_INIT(&loop->run);
	TAILQ_INIT(&loop->ios);
}

struct evloop *
evloop_default(void)
{
	if (!evloop_def_init) {
		evloop_init(&evloop_def);
		evloop_def_init = 1;
	}
	return (&evloop_def);
}

static struct evloop *
loop_of(struct evloop *loop)
{
	return (loop != NULL ? loop : evloop_default());
}

void
evloop_timer_set(struct evloop_timer *t, struct evloop *loop,
    void (*cb)(void *), void *arg)
{
	memset(t, 0, sizeof(*t));
	t->loop = loop_of(loop);
	t->cb = cb;
	t->arg = arg;
	t->queue = EVLOOP_Q_NONE;
}

static void
timer_unlink(struct evloop_timer *t)
{
	if (t->queue == EVLOOP_Q_TIMERS)
		TAILQ_REMOVE(&t->loop->timers, t, entry);
	else if (t->queue == EVLOOP_Q_RUN)
		TAILQ_REMOVE(&t->loop->run, t, entry);
	t->queue = EVLOOP_Q_NONE;
}

/* Sorted by deadline; equal deadlines in the order added. */
static void
timer_insert(struct evloop_timer *t, uint64_t when)
{
	struct evloop_timer	*o;

	timer_unlink(t);
	t->when = when;
	TAILQ_FOREACH(o, &t->loop->timers, entry)
		if (o->when > when)
			break;
	if (o != NULL)
		TAILQ_INSERT_BEFORE(o, t, entry);
	else
		TAILQ_INSERT_TAIL(&t->loop->timers, t, entry);
	t->queue = EVLOOP_Q_TIMERS;
}

void
evloop_timer_add(struct evloop_timer *t, uint64_t ns)
{
	uint64_t	 now = clock_ns();

	timer_insert(t, ns > UINT64_MAX - now ? UINT64_MAX : now + ns);
}

void
evloop_timer_del(struct evloop_timer *t)
{
	timer_unlink(t);
}

void
evloop_timer_activate(struct evloop_timer *t)
{
	timer_insert(t, 0);
}

int
evloop_io_set(struct evloop_io *io, struct evloop *loop, SOCKET fd,
    void (*cb)(void *), void *arg)
{
	memset(io, 0, sizeof(*io));
	io->loop = loop_of(loop);
	io->fd = fd;
	io->cb = cb;
	io->arg = arg;
	io->h = WSA_INVALID_EVENT;
	return (0);
}

/* A handle, not a socket: the loop waits on h itself. */
int
evloop_handle_set(struct evloop_io *io, struct evloop *loop, HANDLE h,
    void (*cb)(void *), void *arg)
{
	memset(io, 0, sizeof(*io));
	io->loop = loop_of(loop);
	io->fd = INVALID_SOCKET;
	io->cb = cb;
	io->arg = arg;
	io->h = h;
	io->handle = 1;
	return (h == NULL || h == INVALID_HANDLE_VALUE ? -1 : 0);
}

/* Also makes the socket non-blocking (WSAEventSelect does). */
int
evloop_io_add(struct evloop_io *io)
{
	if (io->added)
		return (0);
	if (io->handle) {
		TAILQ_INSERT_TAIL(&io->loop->ios, io, entry);
		io->added = 1;
		return (0);
	}
	if (io->h == WSA_INVALID_EVENT &&
	    (io->h = WSACreateEvent()) == WSA_INVALID_EVENT)
		return (-1);
	if (WSAEventSelect(io->fd, io->h, FD_READ | FD_CLOSE) == SOCKET_ERROR)
		return (-1);
	TAILQ_INSERT_TAIL(&io->loop->ios, io, entry);
	io->added = 1;
	return (0);
}

/*
 * Stops the io and releases its event object (add makes a new one); a
 * handle stays the caller's.
 */
void
evloop_io_del(struct evloop_io *io)
{
	if (io->handle) {
		if (io->added)
			TAILQ_REMOVE(&io->loop->ios, io, entry);
		io->added = 0;
		return;
	}
	if (io->added) {
		TAILQ_REMOVE(&io->loop->ios, io, entry);
		io->added = 0;
		(void)WSAEventSelect(io->fd, NULL, 0);
	}
	if (io->h != WSA_INVALID_EVENT) {
		(void)WSACloseEvent(io->h);
		io->h = WSA_INVALID_EVENT;
	}
}

/* The timers due now, each once; 1 when any ran. */
static int
run_timers(struct evloop *loop)
{
	struct evloop_timer	*t;
	uint64_t		 now = clock_ns();
	int			 ran = 0;

	while ((t = TAILQ_FIRST(&loop->timers)) != NULL && t->when <= now) {
		TAILQ_REMOVE(&loop->timers, t, entry);
		TAILQ_INSERT_TAIL(&loop->run, t, entry);
		t->queue = EVLOOP_Q_RUN;
	}
	/* A callback may del or re-add any timer of the run list. */
	while ((t = TAILQ_FIRST(&loop->run)) != NULL) {
		TAILQ_REMOVE(&loop->run, t, entry);
		t->queue = EVLOOP_Q_NONE;
		t->cb(t->arg);
		ran = 1;
		if (loop->exit)
			break;
	}
	return (ran);
}

/* Wait up to ms for a socket; run one.  0 ran or timed out, -1 error. */
static int
wait_ios(struct evloop *loop, DWORD ms)
{
	HANDLE			 hs[MAXIMUM_WAIT_OBJECTS];
	struct evloop_io	*ios[MAXIMUM_WAIT_OBJECTS], *io;
	WSANETWORKEVENTS	 ne;
	DWORD			 n = 0, i, start, r;

	TAILQ_FOREACH(io, &loop->ios, entry) {
		if (n == MAXIMUM_WAIT_OBJECTS)
			return (-1);
		ios[n++] = io;
	}
	if (n == 0) {
		if (ms != INFINITE)
			Sleep(ms);
		return (0);
	}
	/* Rotate: WaitForMultipleObjects reports the lowest index. */
	start = loop->rot++ % n;
	for (i = 0; i < n; i++) {
		io = ios[(start + i) % n];
		hs[i] = io->h;
	}
	r = WaitForMultipleObjects(n, hs, FALSE, ms);
	if (r == WAIT_TIMEOUT)
		return (0);
	if (r >= WAIT_OBJECT_0 + n)
		return (-1);
	io = ios[(start + (r - WAIT_OBJECT_0)) % n];
	/*
	 * Resets the event.  The callback runs even when no FD_READ is
	 * recorded: a datagram may have come in between the callback's
	 * last recvfrom and this reset, and only another recvfrom (which
	 * the callback does until WSAEWOULDBLOCK) re-arms FD_READ.
	 */
	if (!io->handle &&
	    WSAEnumNetworkEvents(io->fd, io->h, &ne) == SOCKET_ERROR)
		return (-1);
	io->cb(io->arg);
	return (0);
}

/* One pass; wait at most max ns more than the first timer allows. */
int
evloop_loop_once(struct evloop *loop, uint64_t max)
{
	struct evloop_timer	*t;
	uint64_t		 now, d;
	DWORD			 ms;

	loop = loop_of(loop);
	if (run_timers(loop) && loop->exit)
		return (0);
	if (!TAILQ_EMPTY(&loop->run))
		return (0);
	d = max;
	if ((t = TAILQ_FIRST(&loop->timers)) != NULL) {
		now = clock_ns();
		if (t->when <= now)
			d = 0;
		else if (t->when - now < d)
			d = t->when - now;
	}
	if (d == UINT64_MAX)
		ms = INFINITE;
	else if (d / 1000000 >= INFINITE - 1)
		ms = INFINITE - 1;
	else
		ms = (DWORD)((d + 999999) / 1000000);	/* never early */
	return (wait_ios(loop, ms));
}

/* Until evloop_exit() or nothing is left to wait for. */
int
evloop_dispatch(struct evloop *loop)
{
	loop = loop_of(loop);
	loop->exit = 0;
	while (!loop->exit) {
		if (TAILQ_EMPTY(&loop->timers) && TAILQ_EMPTY(&loop->ios))
			return (1);
		if (evloop_loop_once(loop, UINT64_MAX) == -1)
			return (-1);
	}
	loop->exit = 0;
	return (0);
}

void
evloop_exit(struct evloop *loop)
{
	loop_of(loop)->exit = 1;
}
