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
 * The control channel on Windows: the protocol of control.h (imsg
 * requests, IMSG_CTL_JSON chunks and IMSG_CTL_END or IMSG_CTL_ERROR
 * replies) over a named pipe, served on the worker's event loop
 * (common/evloop.h, clientd/win/evloop_win.c) instead of a UNIX socket
 * under libevent.  The requests, the replies, the timeouts and the
 * eviction are common/ctlconn.c's, shared with the Linux server
 * (common/control.c); only the transport is here:
 *
 *	- The pipe: byte mode, overlapped, PIPE_REJECT_REMOTE_CLIENTS.  One
 *	  instance always waits in an overlapped ConnectNamedPipe (its event
 *	  on the loop); once a client connects, that instance becomes the
 *	  client's connection and a new one waits.  The first instance is
 *	  made with FILE_FLAG_FIRST_PIPE_INSTANCE: if another process
 *	  already holds the name, control_init_pipe() fails rather than
 *	  share it.  If no instance can be made later on (out of
 *	  resources), a timer tries again every CONTROL_RETRY_MS.
 *	- Its security descriptor (control_sd()): SYSTEM, Administrators
 *	  and the process's own user full access; Interactive Users read
 *	  and write, but not FILE_CREATE_PIPE_INSTANCE (FILE_APPEND_DATA on
 *	  a pipe), so a player can query the client but cannot add an
 *	  instance of the pipe and pose as the server.  Wine does not
 *	  enforce DACLs on pipes: under Wine anyone may connect, and the
 *	  test (regress/win/wine-ctl.sh) checks the protocol only.
 *	- A client's messages go through imsg-win.c (imsgbuf_init_handle()):
 *	  its read event is on the loop while it is connected, its write
 *	  event only while something is queued.  A reply is written from
 *	  the loop (a zero timer, kick), never from control_reply_*().
 *	- At most CONTROL_MAX_CLIENTS_WIN clients (control.h): with two
 *	  handles each and the waiting instance's event, the control never
 *	  holds more than 33 of the 64 handles of the worker's
 *	  WaitForMultipleObjects().  The 17th client evicts the one idle
 *	  the longest, or is refused (connected, then disconnected at once)
 *	  if every client is owed or reading a reply; both are counted.
 *	  Clients beyond the one the waiting instance takes find the pipe
 *	  busy (ERROR_PIPE_BUSY) and wait in WaitNamedPipe, as the clients
 *	  in a socket's backlog wait on Linux.
 */

#include <sys/types.h>
#include <sys/queue.h>

#include <winsock2.h>
#include <windows.h>
#include <sddl.h>

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "compat.h"
#include "control.h"
#include "ctlconn.h"
#include "evloop.h"
/* A relative path: win.mk's flags have no -Iimsg (pipe.mk adds one). */
#include "../../imsg/imsg.h"
#include "log.h"

#define CONTROL_RETRY_MS	1000	/* no instance could be made */
#define CONTROL_CANCEL_MS	2000	/* a cancelled ConnectNamedPipe */
#define CONTROL_PIPE_BUFSIZE	65536
#define CONTROL_NODATA_TRIES	4	/* clients that came and went at once */

/*
 * SYSTEM, Administrators, the process's own user (%ls: it must be able
 * to make the next instances) full access; Interactive Users
 * FILE_GENERIC_READ | FILE_WRITE_DATA | FILE_WRITE_ATTRIBUTES |
 * FILE_WRITE_EA: read and write, without FILE_CREATE_PIPE_INSTANCE.
 */
#define CONTROL_SDDL_HEAD	L"D:P(A;;GA;;;SY)(A;;GA;;;BA)"
#define CONTROL_SDDL_OWN	L"(A;;GA;;;%ls)"
#define CONTROL_SDDL_TAIL	L"(A;;0x12019b;;;IU)"

struct ctlpipe {
	struct control		 ctl;		/* first: ctlconn.h */
	struct evloop		*loop;
	wchar_t			*name;
	char			 cname[256];	/* the name, for logs */
	PSECURITY_DESCRIPTOR	 sd;
	HANDLE			 listen;	/* the waiting instance */
	OVERLAPPED		 lov;		/* its ConnectNamedPipe */
	int			 lconnected;	/* ERROR_PIPE_CONNECTED */
	struct evloop_io	 lio;		/* lov.hEvent */
	struct evloop_timer	 retry;
};

struct ctlpipe_conn {
	struct ctl_conn		 c;		/* first: ctlconn.h */
	HANDLE			 h;		/* INVALID once closed */
	struct evloop_io	 rio;		/* the read event */
	struct evloop_io	 wio;		/* the write event, */
	int			 wadded;	/* while output is queued */
	struct evloop_timer	 kick;		/* write from the loop */
	struct evloop_timer	 tmo;
};

static PSECURITY_DESCRIPTOR control_sd(void);
static int	control_listen(struct ctlpipe *, int);
static void	control_retry(void *);
static void	control_accept(void *);
static void	control_take(struct ctlpipe *, HANDLE);
static void	control_read(void *);
static void	control_wrote(void *);
static void	control_kick(void *);
static void	control_write(struct ctl_conn *, int);
static void	control_timeout(void *);
static int	control_output(struct ctl_conn *, int);
static int	control_timer(struct ctl_conn *, unsigned int);
static void	control_queued(struct ctl_conn *);
static void	control_close(struct ctl_conn *);

static const struct ctl_ops control_ops = {
	.output = control_output,
	.timer = control_timer,
	.queued = control_queued,
	.close = control_close
};

/*
 * Serve the pipe name (CONTROL_PIPE_W for the client) on loop (NULL: the
 * default loop).  Returns NULL on failure, with the reason logged and
 * errno set: EINVAL, ENOMEM, EADDRINUSE (another process holds the
 * name), EACCES, or EIO.
 */
struct control *
control_init_pipe(struct evloop *loop, const wchar_t *name,
    control_handler_t handler, void *arg)
{
	struct ctlpipe	*ctl;
	DWORD		 err;

	if (name == NULL || handler == NULL ||
	    wcsncmp(name, L"\\\\.\\pipe\\", 9) != 0) {
		errno = EINVAL;
		return (NULL);
	}
	if ((ctl = calloc(1, sizeof(*ctl))) == NULL)
		return (NULL);
	if ((ctl->name = _wcsdup(name)) == NULL) {
		free(ctl);
		errno = ENOMEM;
		return (NULL);
	}
	if (WideCharToMultiByte(CP_UTF8, 0, name, -1, ctl->cname,
	    sizeof(ctl->cname), NULL, NULL) == 0)
		(void)strlcpy(ctl->cname, "(name too long)",
		    sizeof(ctl->cname));
	ctlconn_init(&ctl->ctl, &control_ops, CONTROL_MAX_CLIENTS_WIN,
	    handler, arg);
	ctl->loop = loop;
	ctl->listen = INVALID_HANDLE_VALUE;
	evloop_timer_set(&ctl->retry, loop, control_retry, ctl);
	if ((ctl->sd = control_sd()) == NULL) {
		free(ctl->name);
		free(ctl);
		errno = EIO;
		return (NULL);
	}
	/* Manual-reset, as ConnectNamedPipe wants. */
	if ((ctl->lov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL)) ==
	    NULL ||
	    evloop_handle_set(&ctl->lio, loop, ctl->lov.hEvent,
	    control_accept, ctl) == -1) {
		log_warnx("control: CreateEvent: %s",
		    win_strerror(GetLastError()));
		if (ctl->lov.hEvent != NULL)
			CloseHandle(ctl->lov.hEvent);
		LocalFree(ctl->sd);
		free(ctl->name);
		free(ctl);
		errno = ENOMEM;
		return (NULL);
	}
	if (control_listen(ctl, 1) == -1) {
		err = GetLastError();
		CloseHandle(ctl->lov.hEvent);
		LocalFree(ctl->sd);
		free(ctl->name);
		free(ctl);
		switch (err) {
		case ERROR_ACCESS_DENIED:
		case ERROR_PIPE_BUSY:
			/* FILE_FLAG_FIRST_PIPE_INSTANCE: the name is taken. */
			errno = EADDRINUSE;
			break;
		case ERROR_NOT_ENOUGH_MEMORY:
		case ERROR_OUTOFMEMORY:
			errno = ENOMEM;
			break;
		default:
			errno = EIO;
			break;
		}
		return (NULL);
	}
	log_debug("control: serving pipe %s", ctl->cname);
	return (&ctl->ctl);
}

/*
 * Close every client and the waiting instance.  The pipe goes away with
 * the last handle of it.
 */
void
control_free(struct control *cctl)
{
	struct ctlpipe	*ctl = (struct ctlpipe *)cctl;
	DWORD		 n;

	if (ctl == NULL)
		return;
	ctlconn_free(&ctl->ctl, "control pipe closed");
	evloop_timer_del(&ctl->retry);
	evloop_io_del(&ctl->lio);
	if (ctl->listen != INVALID_HANDLE_VALUE) {
		if (!ctl->lconnected) {
			(void)CancelIoEx(ctl->listen, &ctl->lov);
			if (WaitForSingleObject(ctl->lov.hEvent,
			    CONTROL_CANCEL_MS) != WAIT_OBJECT_0) {
				/* The system may still write into lov. */
				log_warnx("control: pipe %s: ConnectNamedPipe "
				    "not cancelled, its memory kept",
				    ctl->cname);
				CloseHandle(ctl->listen);
				return;
			}
			(void)GetOverlappedResult(ctl->listen, &ctl->lov, &n,
			    FALSE);
		}
		(void)DisconnectNamedPipe(ctl->listen);
		CloseHandle(ctl->listen);
	}
	CloseHandle(ctl->lov.hEvent);
	LocalFree(ctl->sd);
	free(ctl->name);
	free(ctl);
}

/*
 * The pipe's security descriptor (LocalFree it), or NULL.  The own
 * user's ACE is left out if the token cannot be read: then only SYSTEM
 * and Administrators can make the later instances.
 */
static PSECURITY_DESCRIPTOR
control_sd(void)
{
	PSECURITY_DESCRIPTOR	 sd = NULL;
	HANDLE			 tok;
	union {
		TOKEN_USER	 tu;
		unsigned char	 buf[256];
	}			 u;
	DWORD			 n;
	wchar_t			 sddl[512], *sid = NULL;
	int			 len;

	if (OpenProcessToken(GetCurrentProcess(), TOKEN_QUERY, &tok)) {
		if (!GetTokenInformation(tok, TokenUser, &u, sizeof(u), &n) ||
		    !ConvertSidToStringSidW(u.tu.User.Sid, &sid))
			sid = NULL;
		CloseHandle(tok);
	}
	if (sid == NULL)
		log_debug("control: own user unknown (%s): not in the pipe's "
		    "DACL", win_strerror(GetLastError()));
	if (sid != NULL)
		len = swprintf(sddl, nitems(sddl), CONTROL_SDDL_HEAD
		    CONTROL_SDDL_OWN CONTROL_SDDL_TAIL, sid);
	else
		len = swprintf(sddl, nitems(sddl), CONTROL_SDDL_HEAD
		    CONTROL_SDDL_TAIL);
	if (sid != NULL)
		LocalFree(sid);
	if (len < 0 || (size_t)len >= nitems(sddl)) {
		log_warnx("control: %s: security descriptor too long",
		    __func__);
		return (NULL);
	}
	if (!ConvertStringSecurityDescriptorToSecurityDescriptorW(sddl,
	    SDDL_REVISION_1, &sd, NULL)) {
		log_warnx("control: ConvertStringSecurityDescriptorToSecurity"
		    "DescriptorW: %s", win_strerror(GetLastError()));
		return (NULL);
	}
	return (sd);
}

/*
 * Make the instance that waits for the next client (first: the first
 * one, which must create the pipe).  -1: none could be made, logged,
 * GetLastError() says why.
 */
static int
control_listen(struct ctlpipe *ctl, int first)
{
	SECURITY_ATTRIBUTES	 sa;
	HANDLE			 h, ev = ctl->lov.hEvent;
	DWORD			 err = 0;
	int			 i;

	memset(&sa, 0, sizeof(sa));
	sa.nLength = sizeof(sa);
	sa.lpSecurityDescriptor = ctl->sd;
	sa.bInheritHandle = FALSE;
	h = CreateNamedPipeW(ctl->name, PIPE_ACCESS_DUPLEX |
	    FILE_FLAG_OVERLAPPED | (first ? FILE_FLAG_FIRST_PIPE_INSTANCE : 0),
	    PIPE_TYPE_BYTE | PIPE_READMODE_BYTE | PIPE_WAIT |
	    PIPE_REJECT_REMOTE_CLIENTS, PIPE_UNLIMITED_INSTANCES,
	    CONTROL_PIPE_BUFSIZE, CONTROL_PIPE_BUFSIZE, 0, &sa);
	if (h == INVALID_HANDLE_VALUE) {
		err = GetLastError();
		if (first && err == ERROR_ACCESS_DENIED)
			log_warnx("control: pipe %s exists already: another "
			    "process holds it", ctl->cname);
		else
			log_warnx("control: pipe %s: CreateNamedPipe: %s",
			    ctl->cname, win_strerror(err));
		SetLastError(err);
		return (-1);
	}
	ctl->lconnected = 0;
	for (i = 0; i < CONTROL_NODATA_TRIES; i++) {
		memset(&ctl->lov, 0, sizeof(ctl->lov));
		ctl->lov.hEvent = ev;
		(void)ResetEvent(ev);
		if (ConnectNamedPipe(h, &ctl->lov))
			break;		/* connected: the event is set */
		err = GetLastError();
		if (err == ERROR_IO_PENDING)
			break;
		if (err == ERROR_PIPE_CONNECTED) {
			/* Between Create and Connect: no event from it. */
			ctl->lconnected = 1;
			(void)SetEvent(ev);
			break;
		}
		if (err != ERROR_NO_DATA)
			break;
		/* A client came and went: wait for the next one. */
		(void)DisconnectNamedPipe(h);
	}
	if (i == CONTROL_NODATA_TRIES || (err != 0 &&
	    err != ERROR_IO_PENDING && err != ERROR_PIPE_CONNECTED)) {
		log_warnx("control: pipe %s: ConnectNamedPipe: %s",
		    ctl->cname, win_strerror(err));
		CloseHandle(h);
		SetLastError(err);
		return (-1);
	}
	ctl->listen = h;
	if (evloop_io_add(&ctl->lio) == -1) {
		log_warnx("control: pipe %s: evloop_io_add failed",
		    ctl->cname);
		(void)CancelIoEx(h, &ctl->lov);
		(void)WaitForSingleObject(ev, CONTROL_CANCEL_MS);
		CloseHandle(h);
		ctl->listen = INVALID_HANDLE_VALUE;
		SetLastError(ERROR_NOT_ENOUGH_MEMORY);
		return (-1);
	}
	return (0);
}

static void
control_retry(void *arg)
{
	struct ctlpipe	*ctl = arg;

	if (ctl->listen != INVALID_HANDLE_VALUE)
		return;
	/* With no client left, nothing of the pipe is ours any more. */
	if (control_listen(ctl, ctl->ctl.nconns == 0) == -1)
		evloop_timer_add(&ctl->retry, CONTROL_RETRY_MS * 1000000ULL);
}

/* The waiting instance's ConnectNamedPipe is over. */
static void
control_accept(void *arg)
{
	struct ctlpipe	*ctl = arg;
	HANDLE		 h = ctl->listen;
	DWORD		 n, err = 0;
	int		 ok;

	if (h == INVALID_HANDLE_VALUE) {
		evloop_io_del(&ctl->lio);
		return;
	}
	ok = ctl->lconnected;
	if (!ok && !(ok = GetOverlappedResult(h, &ctl->lov, &n, FALSE))) {
		if ((err = GetLastError()) == ERROR_IO_INCOMPLETE)
			return;		/* cannot be: the event is set */
	}
	evloop_io_del(&ctl->lio);
	ctl->listen = INVALID_HANDLE_VALUE;
	ctl->lconnected = 0;
	/* The next one first: h keeps the pipe ours meanwhile. */
	if (control_listen(ctl, 0) == -1)
		evloop_timer_add(&ctl->retry, CONTROL_RETRY_MS * 1000000ULL);
	if (!ok) {
		log_debug("control: a client left before it was accepted: %s",
		    win_strerror(err));
		(void)DisconnectNamedPipe(h);
		CloseHandle(h);
		return;
	}
	control_take(ctl, h);
}

/* A client connected on h: make room for it, or refuse it. */
static void
control_take(struct ctlpipe *ctl, HANDLE h)
{
	struct ctlpipe_conn	*pc;

	if (ctlconn_room(&ctl->ctl) == -1) {
		(void)DisconnectNamedPipe(h);
		CloseHandle(h);
		return;
	}
	if ((pc = calloc(1, sizeof(*pc))) == NULL) {
		log_warn("control: %s", __func__);
		(void)DisconnectNamedPipe(h);
		CloseHandle(h);
		return;
	}
	if (imsgbuf_init_handle(&pc->c.ibuf, h) == -1) {
		log_warn("control: %s", __func__);
		free(pc);
		(void)DisconnectNamedPipe(h);
		CloseHandle(h);
		return;
	}
	pc->h = h;
	evloop_timer_set(&pc->kick, ctl->loop, control_kick, &pc->c);
	evloop_timer_set(&pc->tmo, ctl->loop, control_timeout, &pc->c);
	if (evloop_handle_set(&pc->rio, ctl->loop,
	    imsgbuf_read_event(&pc->c.ibuf), control_read, &pc->c) == -1 ||
	    evloop_handle_set(&pc->wio, ctl->loop,
	    imsgbuf_write_event(&pc->c.ibuf), control_wrote, &pc->c) == -1 ||
	    evloop_io_add(&pc->rio) == -1) {
		log_warnx("control: %s: no events", __func__);
		imsgbuf_clear(&pc->c.ibuf);
		free(pc);
		(void)DisconnectNamedPipe(h);
		CloseHandle(h);
		return;
	}
	ctlconn_add(&ctl->ctl, &pc->c);
}

/* The read event is always on the loop; the write event if on. */
static int
control_output(struct ctl_conn *c, int on)
{
	struct ctlpipe_conn	*pc = (struct ctlpipe_conn *)c;

	if (on && !pc->wadded) {
		if (evloop_io_add(&pc->wio) == -1) {
			ctlconn_close(c, "evloop_io_add failed");
			return (-1);
		}
		pc->wadded = 1;
	} else if (!on && pc->wadded) {
		evloop_io_del(&pc->wio);
		pc->wadded = 0;
	}
	return (0);
}

static int
control_timer(struct ctl_conn *c, unsigned int ms)
{
	struct ctlpipe_conn	*pc = (struct ctlpipe_conn *)c;

	if (ms == 0)
		evloop_timer_del(&pc->tmo);
	else
		evloop_timer_add(&pc->tmo, (uint64_t)ms * 1000000ULL);
	return (0);
}

static void
control_timeout(void *arg)
{
	ctlconn_timeout(arg);
}

/* A reply was queued: write it from the loop, never from the handler. */
static void
control_queued(struct ctl_conn *c)
{
	struct ctlpipe_conn	*pc = (struct ctlpipe_conn *)c;

	evloop_timer_activate(&pc->kick);
}

/* Off the loop, then end the I/O in flight and close the handle. */
static void
control_close(struct ctl_conn *c)
{
	struct ctlpipe_conn	*pc = (struct ctlpipe_conn *)c;

	/* Off the loop before imsgbuf_clear() closes the events. */
	evloop_io_del(&pc->rio);
	if (pc->wadded)
		evloop_io_del(&pc->wio);
	pc->wadded = 0;
	evloop_timer_del(&pc->kick);
	/* Ends the I/O in flight at once, so the cancel does not wait. */
	(void)DisconnectNamedPipe(pc->h);
	imsgbuf_clear(&c->ibuf);
	CloseHandle(pc->h);
	pc->h = INVALID_HANDLE_VALUE;
}

/* The read event: a read completed (or the pipe broke). */
static void
control_read(void *arg)
{
	struct ctl_conn	*c = arg;

	if (ctlconn_read(c) == 0)
		ctlconn_arm(c, 0);
}

/* The write event: the write in flight completed. */
static void
control_wrote(void *arg)
{
	control_write(arg, 1);
}

/* A reply was queued: start writing it unless a write is in flight. */
static void
control_kick(void *arg)
{
	control_write(arg, 0);
}

/*
 * Finish the write that completed and start the next one (imsg-win.c
 * does both; with a write still in flight it does nothing).
 */
static void
control_write(struct ctl_conn *c, int completed)
{
	uint32_t	 before;

	if (!c->connected)
		return;
	before = imsgbuf_queuelen(&c->ibuf);
	if (ctlconn_write(c) == -1)
		return;
	ctlconn_arm(c, completed || imsgbuf_queuelen(&c->ibuf) < before);
}
