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

#ifndef SOFTLAN_EVLOOP_H
#define SOFTLAN_EVLOOP_H

/*
 * The little of an event loop that the uplink needs, so that uplink.c is
 * one file for Linux and Windows: a read event on a UDP socket, one-shot
 * timers, and "run this timer's callback soon" (activate).
 *
 * Linux (evloop_event.c): a thin layer over libevent.  The loop is
 * libevent's struct event_base (hence the define below: callers hand
 * their base as they always did; NULL is the default base of
 * event_init()), and the loop runs in event_dispatch() & co.
 *
 * Windows (clientd/win/evloop_win.c): a WaitForMultipleObjects() loop.
 * A socket's readiness is an event object (WSAEventSelect, FD_READ);
 * timers are a list sorted by deadline, which gives the wait's timeout.
 * Due timers run on every pass, before the wait, so a handle that is
 * always signalled cannot starve them; the handles are offered in a
 * rotating order, so one busy socket cannot starve another.  NULL is a
 * default loop of the process (evloop_default()).  Windows also waits on
 * plain handles (evloop_handle_set(): an overlapped read's event, a
 * process): the callback runs while the handle is signalled, and must
 * reset it (post the next ReadFile, ResetEvent) or del the io.
 *
 * Rules, the same on both:
 *	- a callback runs from the loop, never from add/del/activate;
 *	- a timer is one-shot: add on a pending timer moves its deadline;
 *	  activate runs it at the next pass (and leaves it not pending);
 *	- timeouts are in nanoseconds, never run early (rounded up to the
 *	  loop's resolution: a microsecond on Linux, a millisecond on
 *	  Windows);
 *	- set() prepares, and may be called again only when not pending;
 *	  del() is harmless on a timer or io that is not pending.
 */

#include <stdint.h>

#ifdef _WIN32
#include <sys/queue.h>
#include <winsock2.h>

#define EVLOOP_SOCKET	SOCKET
#else
#include <event.h>

#define EVLOOP_SOCKET	int
/* Over libevent a loop is a base. */
#define evloop		event_base
#endif

struct evloop;

struct evloop_timer {
	void			 (*cb)(void *);
	void			*arg;
#ifdef _WIN32
	struct evloop		*loop;
	TAILQ_ENTRY(evloop_timer) entry;
	uint64_t		 when;		/* clock_ns() */
	int			 queue;		/* EVLOOP_Q_* */
#else
	struct event		 ev;
#endif
};

struct evloop_io {
	void			 (*cb)(void *);
	void			*arg;
	EVLOOP_SOCKET		 fd;
#ifdef _WIN32
	struct evloop		*loop;
	TAILQ_ENTRY(evloop_io)	 entry;
	WSAEVENT		 h;
	int			 added;
	int			 handle;	/* h is the caller's */
#else
	struct event		 ev;
#endif
};

/* evloop_event.c, clientd/win/evloop_win.c */
void	 evloop_timer_set(struct evloop_timer *, struct evloop *,
	    void (*)(void *), void *);
void	 evloop_timer_add(struct evloop_timer *, uint64_t);
void	 evloop_timer_del(struct evloop_timer *);
void	 evloop_timer_activate(struct evloop_timer *);
int	 evloop_io_set(struct evloop_io *, struct evloop *, EVLOOP_SOCKET,
	    void (*)(void *), void *);
int	 evloop_io_add(struct evloop_io *);
void	 evloop_io_del(struct evloop_io *);

#ifdef _WIN32
TAILQ_HEAD(evloop_timers, evloop_timer);
TAILQ_HEAD(evloop_ios, evloop_io);

struct evloop {
	struct evloop_timers	 timers;	/* pending, by deadline */
	struct evloop_timers	 run;		/* due in this pass */
	struct evloop_ios	 ios;
	unsigned int		 rot;		/* fairness among handles */
	int			 exit;
};

/* clientd/win/evloop_win.c */
struct evloop	*evloop_default(void);
int		 evloop_handle_set(struct evloop_io *, struct evloop *,
		    HANDLE, void (*)(void *), void *);
void		 evloop_init(struct evloop *);
int		 evloop_dispatch(struct evloop *);
int		 evloop_loop_once(struct evloop *, uint64_t);
void		 evloop_exit(struct evloop *);
#endif

#endif /* SOFTLAN_EVLOOP_H */
