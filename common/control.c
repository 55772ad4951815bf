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
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "compat.h"
#include "control.h"
#include "ctlconn.h"
#include "imsg.h"
#include "log.h"

/*
 * The server side of the control socket, run by the sandboxed network
 * child on the listening fd its parent made (no file is opened here).
 * Only the transport is here: accepting a client, its fd under
 * libevent (input always, output while queued) and its timer; the
 * protocol, the timeouts and the eviction are ctlconn.c's, shared with
 * the Windows pipe's server (clientd/win/control_win.c).
 */

struct ctlsock {
	struct control		 ctl;		/* first: ctlconn.h */
	int			 fd;
	struct event		 ev;
	struct event		 pause;
	int			 paused;
};

struct ctlsock_conn {
	struct ctl_conn		 c;		/* first: ctlconn.h */
	int			 fd;
	struct event		 ev;
	short			 events;	/* what ev is armed for */
	struct event		 tmo;
};

static void	control_accept(int, short, void *);
static void	control_resume(int, short, void *);
static void	control_dispatch(int, short, void *);
static void	control_timeout(int, short, void *);
static int	control_output(struct ctl_conn *, int);
static int	control_timer(struct ctl_conn *, unsigned int);
static void	control_close(struct ctl_conn *);

static const struct ctl_ops control_ops = {
	.output = control_output,
	.timer = control_timer,
	.close = control_close
};

/*
 * Serve the listening socket fd (non-blocking), which the control now
 * owns.  Returns NULL with errno set on failure (fd is then not closed).
 */
struct control *
control_init(int fd, control_handler_t handler, void *arg)
{
	struct ctlsock	*cs;

	if (fd < 0 || handler == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	if ((cs = calloc(1, sizeof(*cs))) == NULL)
		return (NULL);
	ctlconn_init(&cs->ctl, &control_ops, CONTROL_MAX_CLIENTS, handler,
	    arg);
	cs->fd = fd;
	event_set(&cs->ev, fd, EV_READ | EV_PERSIST, control_accept, cs);
	if (event_add(&cs->ev, NULL) == -1) {
		free(cs);
		return (NULL);
	}
	evtimer_set(&cs->pause, control_resume, cs);
	return (&cs->ctl);
}

/* Close every client and the listening socket. */
void
control_free(struct control *ctl)
{
	struct ctlsock	*cs = (struct ctlsock *)ctl;

	if (ctl == NULL)
		return;
	ctlconn_free(ctl, "control socket closed");
	if (cs->paused)
		evtimer_del(&cs->pause);
	else
		event_del(&cs->ev);
	close(cs->fd);
	free(cs);
}

static void
control_accept(int fd, short events, void *arg)
{
	struct ctlsock		*cs = arg;
	struct ctlsock_conn	*sc;
	struct timeval		 tv = { 1, 0 };
	int			 s;

	(void)events;
	if ((s = accept4(fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC)) == -1) {
		if (errno == EMFILE || errno == ENFILE) {
			/* Out of fds: the socket would stay readable. */
			log_warn("control: accept (pausing for a second)");
			event_del(&cs->ev);
			evtimer_add(&cs->pause, &tv);
			cs->paused = 1;
		} else if (errno != EAGAIN && errno != EWOULDBLOCK &&
		    errno != EINTR && errno != ECONNABORTED)
			log_warn("control: accept");
		return;
	}
	if (ctlconn_room(&cs->ctl) == -1) {
		close(s);
		return;
	}
	if ((sc = calloc(1, sizeof(*sc))) == NULL) {
		log_warn("control: %s", __func__);
		close(s);
		return;
	}
	if (imsgbuf_init(&sc->c.ibuf, s) == -1) {
		log_warn("control: %s", __func__);
		free(sc);
		close(s);
		return;
	}
	sc->fd = s;
	evtimer_set(&sc->tmo, control_timeout, &sc->c);
	ctlconn_add(&cs->ctl, &sc->c);
}

static void
control_resume(int fd, short events, void *arg)
{
	struct ctlsock	*cs = arg;

	(void)fd;
	(void)events;
	cs->paused = 0;
	if (event_add(&cs->ev, NULL) == -1)
		log_warn("control: event_add");
}

/* Watch for input always, for output if on. */
static int
control_output(struct ctl_conn *c, int on)
{
	struct ctlsock_conn	*sc = (struct ctlsock_conn *)c;
	short			 want = EV_READ;

	if (on)
		want |= EV_WRITE;
	if (want == sc->events)
		return (0);
	if (sc->events != 0)
		event_del(&sc->ev);
	sc->events = 0;
	event_set(&sc->ev, sc->fd, want | EV_PERSIST, control_dispatch, c);
	if (event_add(&sc->ev, NULL) == -1) {
		ctlconn_close(c, "event_add: %s", strerror(errno));
		return (-1);
	}
	sc->events = want;
	return (0);
}

static int
control_timer(struct ctl_conn *c, unsigned int ms)
{
	struct ctlsock_conn	*sc = (struct ctlsock_conn *)c;
	struct timeval		 tv;

	if (ms == 0) {
		evtimer_del(&sc->tmo);
		return (0);
	}
	tv.tv_sec = ms / 1000;
	tv.tv_usec = (ms % 1000) * 1000;
	if (evtimer_add(&sc->tmo, &tv) == -1) {
		ctlconn_close(c, "evtimer_add: %s", strerror(errno));
		return (-1);
	}
	return (0);
}

static void
control_timeout(int fd, short events, void *arg)
{
	(void)fd;
	(void)events;
	ctlconn_timeout(arg);
}

/* Off the loop and close the socket. */
static void
control_close(struct ctl_conn *c)
{
	struct ctlsock_conn	*sc = (struct ctlsock_conn *)c;

	if (sc->events != 0)
		event_del(&sc->ev);
	sc->events = 0;
	imsgbuf_clear(&c->ibuf);
	close(sc->fd);
	sc->fd = -1;
}

static void
control_dispatch(int fd, short events, void *arg)
{
	struct ctl_conn	*c = arg;

	(void)fd;
	if ((events & EV_WRITE) && ctlconn_write(c) == -1)
		return;
	if ((events & EV_READ) && ctlconn_read(c) == -1)
		return;
	ctlconn_arm(c, (events & EV_WRITE) != 0);
}
