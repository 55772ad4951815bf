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
#include <sys/uio.h>

#include <errno.h>
#include <limits.h>
#ifndef _WIN32
#include <poll.h>
#endif
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "imsg-priv.h"

static struct ibuf	*imsg_parse_hdr(struct ibuf *, void *, int *);

static void		(*imsg_warn_hook)(const char *);

/*
 * Where the library's warnings go (a stream out of step, fds lost or
 * refused): the hook gets one formatted line.  Without a hook the
 * library says nothing; it never logs on its own, so it builds and runs
 * without the rest of the tree.  Not in OpenBSD's API.
 */
void
imsg_set_warn(void (*hook)(const char *))
{
	imsg_warn_hook = hook;
}

void
imsg_warnx(const char *fmt, ...)
{
	char	 buf[256];
	va_list	 ap;

	if (imsg_warn_hook == NULL)
		return;
	va_start(ap, fmt);
	(void)vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	imsg_warn_hook(buf);
}

int
imsgbuf_init(struct imsgbuf *imsgbuf, int fd)
{
	memset(imsgbuf, 0, sizeof(*imsgbuf));
	if ((imsgbuf->w = msgbuf_new_reader(IMSG_HEADER_SIZE)) == NULL)
		return (-1);
	imsgbuf->pid = getpid();
	imsgbuf->maxsize = MAX_IMSGSIZE;
	imsgbuf->fd = fd;
	imsgbuf->flags = 0;
	return (0);
}

/* fd passing is off unless enabled: never enable it on a control socket. */
void
imsgbuf_allow_fdpass(struct imsgbuf *imsgbuf)
{
	imsgbuf->flags |= IMSG_ALLOW_FDPASS;
}

/*
 * The largest message, header included, either side may send or accept.
 * Both ends of a channel must agree on it.
 */
int
imsgbuf_set_maxsize(struct imsgbuf *imsgbuf, uint32_t max)
{
	if (max < IMSG_HEADER_SIZE) {
		errno = EINVAL;
		return (-1);
	}
	if (max & IMSG_FD_MARK) {
		errno = ERANGE;
		return (-1);
	}
	imsgbuf->maxsize = max;
	return (0);
}

/* 1: ok (also when nothing was ready), 0: EOF, -1: error. */
int
imsgbuf_read(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL) {
		errno = EINVAL;
		return (-1);
	}
	return (msgbuf_read(imsgbuf->fd, imsgbuf->w,
	    imsgbuf->flags & IMSG_ALLOW_FDPASS, imsg_parse_hdr, imsgbuf));
}

/* 0: ok or try again later (EAGAIN, ENOBUFS), -1: error (EPIPE...). */
int
imsgbuf_write(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if (msgbuf_write(imsgbuf->fd, imsgbuf->w) == -1)
		return (-1);
	return (0);
}

/*
 * Write the whole queue.  On a non-blocking socket this waits in poll()
 * for room rather than spinning; still, use it only at startup.  On
 * Windows it waits for the overlapped write in flight instead.
 */
int
imsgbuf_flush(struct imsgbuf *imsgbuf)
{
#ifndef _WIN32
	struct pollfd	 pfd;
#endif
	int		 r;

	if (imsgbuf->w == NULL) {
		errno = EINVAL;
		return (-1);
	}
	while (msgbuf_queuelen(imsgbuf->w) > 0) {
		if ((r = msgbuf_write(imsgbuf->fd, imsgbuf->w)) == -1)
			return (-1);
		if (r == 1)
			continue;
#ifdef _WIN32
		if (msgbuf_win_wait(imsgbuf->w, 0xffffffffU) == -1)
			return (-1);
#else
		pfd.fd = imsgbuf->fd;
		pfd.events = POLLOUT;
		pfd.revents = 0;
		if (poll(&pfd, 1, -1) == -1 && errno != EINTR)
			return (-1);
#endif
	}
	return (0);
}

/* Drop everything queued or received, closing the fds they hold. */
void
imsgbuf_clear(struct imsgbuf *imsgbuf)
{
	msgbuf_free(imsgbuf->w);
	imsgbuf->w = NULL;
}

uint32_t
imsgbuf_queuelen(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL)
		return (0);
	return (msgbuf_queuelen(imsgbuf->w));
}

/*
 * 1 if part of a message has been read and the rest is still to come
 * (complete messages waiting for imsg_get do not count), else 0.  Not in
 * OpenBSD's API: the control socket times such a message out.
 */
int
imsgbuf_read_partial(struct imsgbuf *imsgbuf)
{
	if (imsgbuf->w == NULL)
		return (0);
	return (msgbuf_rpartial(imsgbuf->w));
}

/*
 * Check a header before anything is allocated for the message.  A bad
 * length means the stream is out of step: the connection is dead.
 */
static struct ibuf *
imsg_parse_hdr(struct ibuf *buf, void *arg, int *wantfd)
{
	struct imsgbuf	*imsgbuf = arg;
	struct imsg_hdr	 hdr;
	uint32_t	 len;

	if (ibuf_get(buf, &hdr, sizeof(hdr)) == -1)
		return (NULL);
	len = hdr.len & ~IMSG_FD_MARK;
	if (len < IMSG_HEADER_SIZE || len > imsgbuf->maxsize) {
		imsg_warnx("imsg: bad header: type %u, len %u (expected "
		    "%zu..%u)", hdr.type, len, IMSG_HEADER_SIZE,
		    imsgbuf->maxsize);
		errno = ERANGE;
		return (NULL);
	}
	*wantfd = (hdr.len & IMSG_FD_MARK) != 0;
	return (ibuf_open(len));
}

/*
 * The next message: its total length (header included), 0 if none is
 * complete yet, -1 if the stream died.  The caller owns imsg (imsg_free).
 */
ssize_t
imsg_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	struct ibuf	*buf;
	struct imsg	 m;
	int		 r;

	if (imsgbuf->w == NULL) {
		errno = EINVAL;
		return (-1);
	}
	if ((r = msgbuf_get(imsgbuf->w, &buf)) <= 0)
		return (r);

	memset(&m, 0, sizeof(m));
	if (ibuf_get(buf, &m.hdr, sizeof(m.hdr)) == -1) {
		ibuf_free(buf);
		return (-1);
	}
	m.hdr.len &= ~IMSG_FD_MARK;
	m.buf = buf;
	m.data = ibuf_size(buf) > 0 ? ibuf_data(buf) : NULL;
	*imsg = m;
	return (m.hdr.len);
}

/* 1: a message in imsg, 0: none yet, -1: error. */
int
imsgbuf_get(struct imsgbuf *imsgbuf, struct imsg *imsg)
{
	ssize_t	 n;

	if ((n = imsg_get(imsgbuf, imsg)) == -1)
		return (-1);
	return (n > 0 ? 1 : 0);
}

/* A view of the (remaining) payload; it lives as long as imsg. */
int
imsg_get_ibuf(struct imsg *imsg, struct ibuf *ibuf)
{
	if (imsg->buf == NULL) {
		errno = EBADMSG;
		return (-1);
	}
	return (ibuf_get_ibuf(imsg->buf, ibuf_size(imsg->buf), ibuf));
}

/* Copy the payload, which must be exactly len bytes long. */
int
imsg_get_data(struct imsg *imsg, void *data, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return (-1);
	}
	if (imsg->buf == NULL || ibuf_size(imsg->buf) != len) {
		errno = EBADMSG;
		return (-1);
	}
	return (ibuf_get(imsg->buf, data, len));
}

/* Copy the next len bytes of the payload. */
int
imsg_get_buf(struct imsg *imsg, void *data, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return (-1);
	}
	if (imsg->buf == NULL) {
		errno = EBADMSG;
		return (-1);
	}
	return (ibuf_get(imsg->buf, data, len));
}

/*
 * Copy a string payload into str (len bytes).  The payload must fit and
 * must end with its NUL; otherwise EBADMSG and str is "".
 */
int
imsg_get_strbuf(struct imsg *imsg, char *str, size_t len)
{
	size_t	 n;

	if (len == 0) {
		errno = EINVAL;
		return (-1);
	}
	str[0] = '\0';
	if (imsg->buf == NULL || (n = ibuf_size(imsg->buf)) == 0 ||
	    n > len || ((char *)ibuf_data(imsg->buf))[n - 1] != '\0') {
		errno = EBADMSG;
		return (-1);
	}
	return (ibuf_get(imsg->buf, str, n));
}

/* The passed fd, now owned by the caller; -1 if none (or already taken). */
int
imsg_get_fd(struct imsg *imsg)
{
	if (imsg->buf == NULL)
		return (-1);
	return (ibuf_fd_get(imsg->buf));
}

uint32_t
imsg_get_id(struct imsg *imsg)
{
	return (imsg->hdr.peerid);
}

/* Payload bytes not yet read. */
size_t
imsg_get_len(struct imsg *imsg)
{
	if (imsg->buf == NULL)
		return (0);
	return (ibuf_size(imsg->buf));
}

pid_t
imsg_get_pid(struct imsg *imsg)
{
	return (imsg->hdr.pid);
}

uint32_t
imsg_get_type(struct imsg *imsg)
{
	return (imsg->hdr.type);
}

/* Queue a copy of msg (whole payload, same ids) but never its fd. */
int
imsg_forward(struct imsgbuf *imsgbuf, struct imsg *msg)
{
	const unsigned char	*data = NULL;
	size_t			 len = 0;

	if (msg->buf != NULL && msg->buf->wpos > IMSG_HEADER_SIZE) {
		data = msg->buf->buf + IMSG_HEADER_SIZE;
		len = msg->buf->wpos - IMSG_HEADER_SIZE;
	}
	return (imsg_compose(imsgbuf, msg->hdr.type, msg->hdr.peerid,
	    msg->hdr.pid, -1, data, len));
}

/*
 * Queue a message.  An fd (>= 0) goes with it and is closed by the library
 * once sent; if compose fails, the caller still owns the fd.
 */
int
imsg_compose(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const void *data, size_t datalen)
{
	struct ibuf	*wbuf;

	if ((datalen > 0 && data == NULL) ||
	    (fd >= 0 && !(imsgbuf->flags & IMSG_ALLOW_FDPASS))) {
		errno = EINVAL;
		return (-1);
	}
	if ((wbuf = imsg_create(imsgbuf, type, id, pid, datalen)) == NULL)
		return (-1);
	if (imsg_add(wbuf, data, datalen) == -1)
		return (-1);
	ibuf_fd_set(wbuf, fd);
	imsg_close(imsgbuf, wbuf);
	return (1);
}

int
imsg_composev(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    int fd, const struct iovec *iov, int iovcnt)
{
	struct ibuf	*wbuf;
	size_t		 datalen = 0;
	int		 i;

	if (iovcnt < 0 || (iovcnt > 0 && iov == NULL) ||
	    (fd >= 0 && !(imsgbuf->flags & IMSG_ALLOW_FDPASS))) {
		errno = EINVAL;
		return (-1);
	}
	for (i = 0; i < iovcnt; i++) {
		if (iov[i].iov_len > SIZE_MAX - datalen) {
			errno = ERANGE;
			return (-1);
		}
		datalen += iov[i].iov_len;
	}
	if ((wbuf = imsg_create(imsgbuf, type, id, pid, datalen)) == NULL)
		return (-1);
	for (i = 0; i < iovcnt; i++) {
		if (imsg_add(wbuf, iov[i].iov_base, iov[i].iov_len) == -1)
			return (-1);
	}
	ibuf_fd_set(wbuf, fd);
	imsg_close(imsgbuf, wbuf);
	return (1);
}

/*
 * Queue buf as the payload of a message, without copying it.  buf is
 * consumed in every case, with any fd it holds (which then rides with the
 * header, so it still travels with the first byte of the message).
 */
int
imsg_compose_ibuf(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id,
    pid_t pid, struct ibuf *buf)
{
	struct ibuf	*hdrbuf;
	struct imsg_hdr	 hdr;
	size_t		 len;

	len = ibuf_size(buf);
	if (len > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		goto fail;
	}
	if (ibuf_fd_avail(buf) && !(imsgbuf->flags & IMSG_ALLOW_FDPASS)) {
		errno = EINVAL;
		goto fail;
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = IMSG_HEADER_SIZE + len;
	if (ibuf_fd_avail(buf))
		hdr.len |= IMSG_FD_MARK;
	hdr.peerid = id;
	hdr.pid = pid != 0 ? pid : imsgbuf->pid;
	if ((hdrbuf = ibuf_open(IMSG_HEADER_SIZE)) == NULL)
		goto fail;
	if (ibuf_add(hdrbuf, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(hdrbuf);
		goto fail;
	}
	ibuf_fd_set(hdrbuf, ibuf_fd_get(buf));
	msgbuf_enqueue(imsgbuf->w, hdrbuf);
	if (len > 0)
		msgbuf_enqueue(imsgbuf->w, buf);
	else
		ibuf_free(buf);
	return (1);

 fail:
	ibuf_free(buf);
	return (-1);
}

/*
 * Start a message of datalen payload bytes (it may still grow up to the
 * maximum); fill it with imsg_add() and queue it with imsg_close().
 */
struct ibuf *
imsg_create(struct imsgbuf *imsgbuf, uint32_t type, uint32_t id, pid_t pid,
    size_t datalen)
{
	struct ibuf	*wbuf;
	struct imsg_hdr	 hdr;

	if (imsgbuf->w == NULL) {
		errno = EINVAL;
		return (NULL);
	}
	if (datalen > imsgbuf->maxsize - IMSG_HEADER_SIZE) {
		errno = ERANGE;
		return (NULL);
	}
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.peerid = id;
	hdr.pid = pid != 0 ? pid : imsgbuf->pid;
	if ((wbuf = ibuf_dynamic(IMSG_HEADER_SIZE + datalen,
	    imsgbuf->maxsize)) == NULL)
		return (NULL);
	if (ibuf_add(wbuf, &hdr, sizeof(hdr)) == -1) {
		ibuf_free(wbuf);
		return (NULL);
	}
	return (wbuf);
}

/* Append to a message; returns datalen, or -1 and the message is freed. */
int
imsg_add(struct ibuf *msg, const void *data, size_t datalen)
{
	if (datalen == 0)
		return (0);
	if (data == NULL || datalen > INT_MAX) {
		ibuf_free(msg);
		errno = EINVAL;
		return (-1);
	}
	if (ibuf_add(msg, data, datalen) == -1) {
		ibuf_free(msg);
		return (-1);
	}
	return ((int)datalen);
}

/* Finish the header (length, fd mark) and queue the message. */
void
imsg_close(struct imsgbuf *imsgbuf, struct ibuf *msg)
{
	struct imsg_hdr	*hdr;
	uint32_t	 len;

	if (ibuf_fd_avail(msg) && !(imsgbuf->flags & IMSG_ALLOW_FDPASS)) {
		imsg_warnx("imsg: fd passing not allowed on this channel, "
		    "fd dropped");
		ibuf_fd_set(msg, -1);
	}
	len = ibuf_size(msg);
	if (ibuf_fd_avail(msg))
		len |= IMSG_FD_MARK;
	if ((hdr = ibuf_seek(msg, 0, sizeof(*hdr))) == NULL) {
		/* Not built by imsg_create: never send a broken header. */
		imsg_warnx("imsg: %s: message without a header dropped",
		    __func__);
		ibuf_free(msg);
		return;
	}
	memcpy(&hdr->len, &len, sizeof(len));
	msgbuf_enqueue(imsgbuf->w, msg);
}

/* Free the message: zeroes the payload and closes an unclaimed fd. */
void
imsg_free(struct imsg *imsg)
{
	ibuf_free(imsg->buf);
	imsg->buf = NULL;
	imsg->data = NULL;
}
