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
 * The byte I/O of the imsg library on Windows: msgbuf_read() and
 * msgbuf_write() over one end of a byte-mode named pipe opened with
 * FILE_FLAG_OVERLAPPED.  The framing (imsg-buffer.c: the write queue and
 * msgbuf_process()) and the whole imsg API (imsg.c) are the code the
 * POSIX build runs; only the two calls that move bytes differ.
 *
 * Reads: one ReadFile is always in flight into the free tail of rbuf, or
 * else the read event is set (a completion, EOF or an error waits to be
 * picked up), so a loop that waits on that event never misses data.
 * msgbuf_read() takes the completed reads, cuts them into messages and
 * posts the next one.
 *
 * Writes: the head of the queue (up to MSGBUF_WIN_WSIZE bytes) is copied
 * to a buffer that stays put while the WriteFile is in flight; the queue
 * is drained only once the write completed, so imsgbuf_queuelen() counts
 * the bytes in flight too.  The copy is zeroed after each write.
 *
 * No fds: a message never claims one (IMSG_ALLOW_FDPASS stays off).  A
 * handle travels as a value in the payload, duplicated into the receiver
 * by the sender.
 *
 * The whole file is Windows only; on POSIX it compiles to nothing (the
 * GNUmakefile builds every .c file of imsg/ into libsoftlan.a).
 */

#ifdef _WIN32

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/uio.h>

#include <windows.h>

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "imsg.h"
#include "imsg-priv.h"

#define MSGBUF_WIN_WSIZE	65536	/* at most this much per WriteFile */
#define MSGBUF_WIN_READS	16	/* completions taken per msgbuf_read */
#define MSGBUF_WIN_CANCEL_MS	2000	/* wait for cancelled I/O at free */

struct msgbuf_win {
	HANDLE		 h;
	OVERLAPPED	 rov;
	OVERLAPPED	 wov;
	unsigned char	*wbuf;		/* copy of the queue head in flight */
	DWORD		 wlen;		/* its length; 0: no write in flight */
	int		 rpending;	/* a ReadFile is in flight */
	int		 reof;		/* the peer closed its end */
	DWORD		 rerr;		/* a read failed: why */
};

static int	 msgbuf_win_post_read(struct msgbuf *);
static void	 msgbuf_win_wdone(struct msgbuf_win *);
static int	 msgbuf_win_cancel(struct msgbuf_win *, OVERLAPPED *);
static int	 msgbuf_win_errno(DWORD);
static int	 msgbuf_win_eof(DWORD);

int
imsgbuf_init_handle(struct imsgbuf *imsgbuf, void *h)
{
	if (h == NULL || h == INVALID_HANDLE_VALUE) {
		errno = EINVAL;
		return (-1);
	}
	/*
	 * fd keeps the handle's value, for logs only: Windows guarantees
	 * that handle values fit in 32 bits (they are shared with 32-bit
	 * processes).  The HANDLE itself lives in the msgbuf.
	 */
	if (imsgbuf_init(imsgbuf, (int)(intptr_t)h) == -1)
		return (-1);
	if (msgbuf_win_attach(imsgbuf->w, h) == -1) {
		imsgbuf_clear(imsgbuf);
		return (-1);
	}
	return (0);
}

void *
imsgbuf_read_event(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL || imsgbuf->w->win == NULL)
		return (NULL);
	return (imsgbuf->w->win->rov.hEvent);
}

void *
imsgbuf_write_event(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL || imsgbuf->w->win == NULL)
		return (NULL);
	return (imsgbuf->w->win->wov.hEvent);
}

int
msgbuf_win_attach(struct msgbuf *mb, void *h)
{
	struct msgbuf_win	*w;

	if ((w = calloc(1, sizeof(*w))) == NULL)
		return (-1);
	if ((w->wbuf = malloc(MSGBUF_WIN_WSIZE)) == NULL) {
		free(w);
		return (-1);
	}
	/* Manual-reset: ReadFile and WriteFile reset them when posted. */
	w->rov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	w->wov.hEvent = CreateEventW(NULL, TRUE, FALSE, NULL);
	if (w->rov.hEvent == NULL || w->wov.hEvent == NULL) {
		if (w->rov.hEvent != NULL)
			CloseHandle(w->rov.hEvent);
		if (w->wov.hEvent != NULL)
			CloseHandle(w->wov.hEvent);
		free(w->wbuf);
		free(w);
		errno = ENOMEM;
		return (-1);
	}
	w->h = h;
	mb->win = w;
	(void)msgbuf_win_post_read(mb);
	return (0);
}

/*
 * Cancel the I/O in flight and wait for it to end before anything is
 * freed.  If the system does not give a buffer back in time, it is kept
 * (leaked): memory the kernel may still write into is never reused.
 */
void
msgbuf_win_free(struct msgbuf *mb)
{
	struct msgbuf_win	*w = mb->win;
	int			 keep = 0;

	if (w == NULL)
		return;
	mb->win = NULL;
	if (w->rpending && !msgbuf_win_cancel(w, &w->rov)) {
		mb->rbuf = NULL;	/* msgbuf_free() then frees nothing */
		keep = 1;
	}
	if (w->wlen > 0 && !msgbuf_win_cancel(w, &w->wov))
		keep = 1;
	if (keep) {
		/* The OVERLAPPEDs and their events stay valid too. */
		imsg_warnx("imsg: pipe I/O not cancelled, its buffers kept");
		return;
	}
	CloseHandle(w->rov.hEvent);
	CloseHandle(w->wov.hEvent);
	freezero(w->wbuf, MSGBUF_WIN_WSIZE);
	free(w);
}

static int
msgbuf_win_cancel(struct msgbuf_win *w, OVERLAPPED *ov)
{
	DWORD	 n;

	(void)CancelIoEx(w->h, ov);
	if (WaitForSingleObject(ov->hEvent, MSGBUF_WIN_CANCEL_MS) !=
	    WAIT_OBJECT_0)
		return (0);
	(void)GetOverlappedResult(w->h, ov, &n, FALSE);
	return (1);
}

/*
 * Start the next read into the free tail of rbuf.  0: a read is in
 * flight (or already complete: its event is set either way); -1: the
 * pipe refused it, and reof or rerr says why (the event is set so that
 * the caller's loop comes back to learn it).
 */
static int
msgbuf_win_post_read(struct msgbuf *mb)
{
	struct msgbuf_win	*w = mb->win;
	DWORD			 err;

	if (w->rpending || w->reof || w->rerr != 0)
		return (0);
	if (mb->roff >= IBUF_READ_SIZE) {
		/* Cannot happen: msgbuf_process() leaves less than a header. */
		w->rerr = ERROR_INSUFFICIENT_BUFFER;
		(void)SetEvent(w->rov.hEvent);
		return (-1);
	}
	if (ReadFile(w->h, mb->rbuf + mb->roff,
	    (DWORD)(IBUF_READ_SIZE - mb->roff), NULL, &w->rov) ||
	    (err = GetLastError()) == ERROR_IO_PENDING) {
		w->rpending = 1;
		return (0);
	}
	if (msgbuf_win_eof(err))
		w->reof = 1;
	else
		w->rerr = err;
	(void)SetEvent(w->rov.hEvent);
	return (-1);
}

/*
 * Take completed reads (at most MSGBUF_WIN_READS, so that one busy pipe
 * cannot hold a loop) and cut them into messages.  Returns 1 (also when
 * nothing has arrived yet), 0 on EOF, -1 on error (GetLastError() says
 * which).  fd is unused: the HANDLE is in mb->win.
 */
int
msgbuf_read(int fd, struct msgbuf *mb, int allowfd, msgbuf_readhdr_cb readhdr,
    void *arg)
{
	struct msgbuf_win	*w = mb->win;
	DWORD			 n, err;
	int			 i;

	(void)fd;
	if (w == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (mb->rerrno != 0) {
		errno = mb->rerrno;
		return (-1);
	}
	for (i = 0; i < MSGBUF_WIN_READS; i++) {
		if (!w->rpending)
			(void)msgbuf_win_post_read(mb);
		if (w->reof)
			return (0);
		if (w->rerr != 0) {
			errno = msgbuf_win_errno(w->rerr);
			SetLastError(w->rerr);
			return (-1);
		}
		if (!GetOverlappedResult(w->h, &w->rov, &n, FALSE)) {
			if ((err = GetLastError()) == ERROR_IO_INCOMPLETE)
				return (1);
			w->rpending = 0;
			if (msgbuf_win_eof(err))
				w->reof = 1;
			else
				w->rerr = err;
			continue;
		}
		w->rpending = 0;
		if (n > IBUF_READ_SIZE - mb->roff) {
			/* The system wrote past what it was given? */
			w->rerr = ERROR_INVALID_DATA;
			continue;
		}
		mb->rtotal += n;
		mb->roff += n;
		if (n > 0 && msgbuf_process(mb, allowfd, readhdr, arg) == -1)
			return (-1);
	}
	/* No read posted now, but the event is still set: come back. */
	return (1);
}

/* The write in flight is over: zero its copy, let the event rest. */
static void
msgbuf_win_wdone(struct msgbuf_win *w)
{
	explicit_bzero(w->wbuf, w->wlen);
	w->wlen = 0;
	(void)ResetEvent(w->wov.hEvent);
}

/*
 * Finish the write in flight (drain what it sent) and start the next
 * one.  Returns 1 after progress or with nothing to do, 0 while a write
 * is still in flight, -1 on error (EPIPE: the peer is gone).
 */
int
msgbuf_write(int fd, struct msgbuf *mb)
{
	struct msgbuf_win	*w = mb->win;
	struct ibuf		*buf;
	DWORD			 n, err;
	size_t			 len = 0, k;

	(void)fd;
	if (w == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (w->wlen > 0) {
		if (!GetOverlappedResult(w->h, &w->wov, &n, FALSE)) {
			if ((err = GetLastError()) == ERROR_IO_INCOMPLETE)
				return (0);
			msgbuf_win_wdone(w);
			errno = msgbuf_win_errno(err);
			SetLastError(err);
			return (-1);
		}
		if (n > w->wlen)
			n = w->wlen;
		msgbuf_win_wdone(w);
		msgbuf_drain(mb, n);
	}

	TAILQ_FOREACH(buf, &mb->bufs, entry) {
		if (buf->fd >= 0) {
			/* Only with IMSG_ALLOW_FDPASS, never on Windows. */
			errno = EOPNOTSUPP;
			return (-1);
		}
		k = MINIMUM(ibuf_size(buf), MSGBUF_WIN_WSIZE - len);
		if (k > 0)
			memcpy(w->wbuf + len, ibuf_data(buf), k);
		len += k;
		if (len == MSGBUF_WIN_WSIZE)
			break;
	}
	if (len == 0)
		return (1);
	w->wlen = (DWORD)len;
	if (!WriteFile(w->h, w->wbuf, w->wlen, NULL, &w->wov) &&
	    (err = GetLastError()) != ERROR_IO_PENDING) {
		msgbuf_win_wdone(w);
		errno = msgbuf_win_errno(err);
		SetLastError(err);
		return (-1);
	}
	return (1);
}

/* imsgbuf_flush(): wait at most ms for the write in flight to end. */
int
msgbuf_win_wait(struct msgbuf *mb, unsigned int ms)
{
	struct msgbuf_win	*w = mb->win;

	if (w == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (w->wlen == 0)
		return (0);
	switch (WaitForSingleObject(w->wov.hEvent, ms)) {
	case WAIT_OBJECT_0:
		return (0);
	case WAIT_TIMEOUT:
		errno = ETIMEDOUT;
		return (-1);
	default:
		errno = EIO;
		return (-1);
	}
}

static int
msgbuf_win_eof(DWORD err)
{
	return (err == ERROR_BROKEN_PIPE || err == ERROR_PIPE_NOT_CONNECTED ||
	    err == ERROR_HANDLE_EOF);
}

static int
msgbuf_win_errno(DWORD err)
{
	switch (err) {
	case ERROR_BROKEN_PIPE:
	case ERROR_NO_DATA:
	case ERROR_PIPE_NOT_CONNECTED:
		return (EPIPE);
	case ERROR_NOT_ENOUGH_MEMORY:
	case ERROR_OUTOFMEMORY:
		return (ENOMEM);
	case ERROR_INVALID_HANDLE:
		return (EBADF);
	case ERROR_OPERATION_ABORTED:
		return (ECANCELED);
	default:
		return (EIO);
	}
}

#endif /* _WIN32 */
