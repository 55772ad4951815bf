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
 * evloop.h over libevent: each call is the libevent call the uplink made
 * before, with a trampoline to the (void *) callback.
 */

#include <sys/types.h>
#include <sys/time.h>

#include <event.h>
#include <stdint.h>

#include "evloop.h"

#define EVLOOP_NSEC	1000000000ULL

static void	 timer_cb(int, short, void *);
static void	 io_cb(int, short, void *);

static void
timer_cb(int fd, short event, void *arg)
{
	struct evloop_timer	*t = arg;

	(void)fd;
	(void)event;
	t->cb(t->arg);
}

static void
io_cb(int fd, short event, void *arg)
{
	struct evloop_io	*io = arg;

	(void)fd;
	(void)event;
	io->cb(io->arg);
}

void
evloop_timer_set(struct evloop_timer *t, struct evloop *base,
    void (*cb)(void *), void *arg)
{
	t->cb = cb;
	t->arg = arg;
	evtimer_set(&t->ev, timer_cb, t);
	if (base != NULL)
		event_base_set(base, &t->ev);
}

/* Never early: a microsecond more, as libevent rounds down. */
void
evloop_timer_add(struct evloop_timer *t, uint64_t ns)
{
	struct timeval	 tv;

	tv.tv_sec = (time_t)(ns / EVLOOP_NSEC);
	tv.tv_usec = (suseconds_t)((ns % EVLOOP_NSEC) / 1000 + 1);
	evtimer_add(&t->ev, &tv);
}

void
evloop_timer_del(struct evloop_timer *t)
{
	evtimer_del(&t->ev);
}

void
evloop_timer_activate(struct evloop_timer *t)
{
	event_active(&t->ev, EV_TIMEOUT, 1);
}

int
evloop_io_set(struct evloop_io *io, struct evloop *base, int fd,
    void (*cb)(void *), void *arg)
{
	io->cb = cb;
	io->arg = arg;
	io->fd = fd;
	event_set(&io->ev, fd, EV_READ | EV_PERSIST, io_cb, io);
	if (base != NULL && event_base_set(base, &io->ev) == -1)
		return (-1);
	return (0);
}

int
evloop_io_add(struct evloop_io *io)
{
	return (event_add(&io->ev, NULL));
}

void
evloop_io_del(struct evloop_io *io)
{
	event_del(&io->ev);
}
