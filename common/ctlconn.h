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


#ifndef SOFTLAN_CTLCONN_H
#define SOFTLAN_CTLCONN_H

#include <sys/types.h>
#include <sys/queue.h>

#include <stddef.h>
#include <stdint.h>

#include "compat.h"
#include "control.h"
/* Relative: the Windows worker's flags have no -Iimsg. */
#include "../imsg/imsg.h"

/*
 * The control protocol of control.h apart from its transport: the
 * requests, the replies, the timers and the eviction, shared by the
 * control socket's server on Linux (control.c) and the control pipe's
 * on Windows (clientd/win/control_win.c).
 *
 * A server's own state begins with a struct control, and each of its
 * connections' with a struct ctl_conn (so a pointer to either is one to
 * the server's own structure).  The server accepts a client, makes its
 * imsgbuf, and hands it over with ctlconn_add(); it tells ctlconn_read()
 * when input may be ready, ctlconn_write() when the output may move on,
 * ctlconn_timeout() when the connection's timer fired.  ctlconn.c in
 * turn asks the server, through struct ctl_ops, to watch for output or
 * not, to start or stop the timer, and to end the transport.  It frees a
 * connection (free(3): allocate it with calloc) once it is closed and no
 * reply is owed for it.
 */

#define CTL_T_NONE		0	/* a reply owed: no timeout */
#define CTL_T_IDLE		1	/* nothing owed, queued or partial */
#define CTL_T_PARTIAL		2	/* part of a request read */
#define CTL_T_UNREAD		3	/* a reply queued */

struct ctl_ops {
	/* Watch for output or not; -1: failed, closed (maybe freed). */
	int	(*output)(struct ctl_conn *, int);
	/* Start the timer for ms, or stop it (0); -1 as above. */
	int	(*timer)(struct ctl_conn *, unsigned int);
	/* A reply was queued (NULL: output() is enough). */
	void	(*queued)(struct ctl_conn *);
	/* Off the loop, imsgbuf_clear(), end the transport. */
	void	(*close)(struct ctl_conn *);
};

struct ctl_conn {
	TAILQ_ENTRY(ctl_conn)	 entry;
	struct control		*ctl;
	struct imsgbuf		 ibuf;
	int			 connected;	/* 0 once closed */
	int			 tstate;	/* CTL_T_*, what it times */
	uint64_t		 since;		/* ms: state began, or wrote */
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
	const struct ctl_ops	*ops;
	size_t			 maxconns;
	control_handler_t	 handler;
	void			*arg;
	struct ctl_conns	 conns;		/* connected */
	struct ctl_conns	 closed;	/* closed, replies owed */
	size_t			 nconns;
	unsigned int		 nextid;
	unsigned int		 idle_ms;
	unsigned int		 partial_ms;
	struct control_stats	 stats;
	uint64_t		 noted;		/* ms of the last summary */
	int			 hasnoted;
};

/* ctlconn.c */
void	 ctlconn_init(struct control *, const struct ctl_ops *, size_t,
	    control_handler_t, void *);
void	 ctlconn_free(struct control *, const char *);
int	 ctlconn_room(struct control *);
void	 ctlconn_add(struct control *, struct ctl_conn *);
int	 ctlconn_read(struct ctl_conn *);
int	 ctlconn_write(struct ctl_conn *);
void	 ctlconn_arm(struct ctl_conn *, int);
void	 ctlconn_timeout(struct ctl_conn *);
void	 ctlconn_close(struct ctl_conn *, const char *, ...)
	    __printflike(2, 3);

#endif /* SOFTLAN_CTLCONN_H */
