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
#ifndef _WIN32
#include <sys/socket.h>
#endif
#include <sys/uio.h>

#ifndef _WIN32
#include <endian.h>
#endif
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "imsg.h"
#include "imsg-priv.h"

static int	 ibuf_grow(struct ibuf *, size_t);
static void	 msgbuf_dequeue(struct msgbuf *, struct ibuf *);
static void	 msgbuf_rfd_expire(struct msgbuf *, uint64_t);
static int	 msgbuf_rfd_claim(struct msgbuf *, uint64_t, int);
#ifndef _WIN32
static void	 msgbuf_rfd_add(struct msgbuf *, uint64_t, uint64_t, int,
		    int);
static void	 msgbuf_recv_fds(struct msgbuf *, struct msghdr *, int,
		    uint64_t, uint64_t);
#endif

/*
 * ibuf: a buffer with a write position (wpos) and a read position (rpos).
 * ibuf_open() gives a fixed-size buffer, ibuf_dynamic() one that grows up
 * to max.  ibuf_from_buffer() wraps memory owned by someone else (a
 * "stack" ibuf): it can be read, never grown nor freed.
 */

struct ibuf *
ibuf_open(size_t len)
{
	struct ibuf	*buf;

	if (len == 0) {
		errno = EINVAL;
		return (NULL);
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return (NULL);
	if ((buf->buf = calloc(len, 1)) == NULL) {
		free(buf);
		return (NULL);
	}
	buf->size = buf->max = len;
	buf->fd = -1;
	return (buf);
}

struct ibuf *
ibuf_dynamic(size_t len, size_t max)
{
	struct ibuf	*buf;

	if (max == 0 || max < len) {
		errno = EINVAL;
		return (NULL);
	}
	if ((buf = calloc(1, sizeof(*buf))) == NULL)
		return (NULL);
	if (len > 0) {
		if ((buf->buf = calloc(len, 1)) == NULL) {
			free(buf);
			return (NULL);
		}
	}
	buf->size = len;
	buf->max = max;
	buf->fd = -1;
	return (buf);
}

/*
 * Make room for len more bytes.  Growth is geometric (capped at max) so
 * that many small adds cost few reallocations; recallocarray() zeroes the
 * old copy, so no stale payload is left behind on the heap.
 */
static int
ibuf_grow(struct ibuf *buf, size_t need)
{
	unsigned char	*b;
	size_t		 nsize;

	if (buf->fd == IBUF_FD_MARK_ON_STACK) {
		errno = EINVAL;
		return (-1);
	}
	if (need > buf->max) {
		errno = ERANGE;
		return (-1);
	}
	nsize = buf->size < 64 ? 64 : buf->size;
	while (nsize < need && nsize <= SIZE_MAX / 2)
		nsize *= 2;
	nsize = MAXIMUM(nsize, need);
	nsize = MINIMUM(nsize, buf->max);
	if ((b = recallocarray(buf->buf, buf->size, nsize, 1)) == NULL)
		return (-1);
	buf->buf = b;
	buf->size = nsize;
	return (0);
}

void *
ibuf_reserve(struct ibuf *buf, size_t len)
{
	void	*b;

	if (len > SIZE_MAX - buf->wpos) {
		errno = ERANGE;
		return (NULL);
	}
	if (buf->fd == IBUF_FD_MARK_ON_STACK) {
		errno = EINVAL;
		return (NULL);
	}
	if (buf->wpos + len > buf->size || buf->buf == NULL) {
		if (ibuf_grow(buf, buf->wpos + len) == -1)
			return (NULL);
	}
	b = buf->buf + buf->wpos;
	buf->wpos += len;
	return (b);
}

int
ibuf_add(struct ibuf *buf, const void *data, size_t len)
{
	void	*b;

	if (len == 0)
		return (0);
	if ((b = ibuf_reserve(buf, len)) == NULL)
		return (-1);
	memcpy(b, data, len);
	return (0);
}

int
ibuf_add_ibuf(struct ibuf *buf, const struct ibuf *from)
{
	return (ibuf_add(buf, ibuf_data(from), ibuf_size(from)));
}

int
ibuf_add_zero(struct ibuf *buf, size_t len)
{
	void	*b;

	if (len == 0)
		return (0);
	if ((b = ibuf_reserve(buf, len)) == NULL)
		return (-1);
	memset(b, 0, len);
	return (0);
}

int
ibuf_add_n8(struct ibuf *buf, uint64_t value)
{
	uint8_t	 v;

	if (value > UINT8_MAX) {
		errno = EINVAL;
		return (-1);
	}
	v = value;
	return (ibuf_add(buf, &v, sizeof(v)));
}

int
ibuf_add_n16(struct ibuf *buf, uint64_t value)
{
	uint16_t v;

	if (value > UINT16_MAX) {
		errno = EINVAL;
		return (-1);
	}
	v = htobe16(value);
	return (ibuf_add(buf, &v, sizeof(v)));
}

int
ibuf_add_n32(struct ibuf *buf, uint64_t value)
{
	uint32_t v;

	if (value > UINT32_MAX) {
		errno = EINVAL;
		return (-1);
	}
	v = htobe32(value);
	return (ibuf_add(buf, &v, sizeof(v)));
}

int
ibuf_add_n64(struct ibuf *buf, uint64_t value)
{
	uint64_t v;

	v = htobe64(value);
	return (ibuf_add(buf, &v, sizeof(v)));
}

/* Positions for ibuf_seek() and ibuf_set() are relative to rpos. */
void *
ibuf_seek(struct ibuf *buf, size_t pos, size_t len)
{
	if (pos > ibuf_size(buf) || len > ibuf_size(buf) - pos ||
	    buf->buf == NULL) {
		errno = ERANGE;
		return (NULL);
	}
	return (buf->buf + buf->rpos + pos);
}

int
ibuf_set(struct ibuf *buf, size_t pos, const void *data, size_t len)
{
	void	*b;

	if ((b = ibuf_seek(buf, pos, len)) == NULL)
		return (-1);
	if (len > 0)
		memcpy(b, data, len);
	return (0);
}

void *
ibuf_data(const struct ibuf *buf)
{
	if (buf->buf == NULL)
		return (NULL);
	return (buf->buf + buf->rpos);
}

size_t
ibuf_size(const struct ibuf *buf)
{
	return (buf->wpos - buf->rpos);
}

size_t
ibuf_left(const struct ibuf *buf)
{
	if (buf->fd == IBUF_FD_MARK_ON_STACK)
		return (0);
	return (buf->max - buf->wpos);
}

int
ibuf_truncate(struct ibuf *buf, size_t len)
{
	if (ibuf_size(buf) >= len) {
		buf->wpos = buf->rpos + len;
		return (0);
	}
	return (ibuf_add_zero(buf, len - ibuf_size(buf)));
}

void
ibuf_rewind(struct ibuf *buf)
{
	buf->rpos = 0;
}

void
ibuf_from_buffer(struct ibuf *buf, void *data, size_t len)
{
	memset(buf, 0, sizeof(*buf));
	buf->buf = data;
	buf->size = buf->wpos = len;
	buf->fd = IBUF_FD_MARK_ON_STACK;
}

int
ibuf_get(struct ibuf *buf, void *data, size_t len)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return (-1);
	}
	if (len > 0)
		memcpy(data, ibuf_data(buf), len);
	buf->rpos += len;
	return (0);
}

int
ibuf_get_n8(struct ibuf *buf, uint8_t *value)
{
	return (ibuf_get(buf, value, sizeof(*value)));
}

int
ibuf_get_n16(struct ibuf *buf, uint16_t *value)
{
	uint16_t v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return (-1);
	*value = be16toh(v);
	return (0);
}

int
ibuf_get_n32(struct ibuf *buf, uint32_t *value)
{
	uint32_t v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return (-1);
	*value = be32toh(v);
	return (0);
}

int
ibuf_get_n64(struct ibuf *buf, uint64_t *value)
{
	uint64_t v;

	if (ibuf_get(buf, &v, sizeof(v)) == -1)
		return (-1);
	*value = be64toh(v);
	return (0);
}

/* Point new (a stack ibuf) at the next len bytes of buf and skip them. */
int
ibuf_get_ibuf(struct ibuf *buf, size_t len, struct ibuf *new)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return (-1);
	}
	ibuf_from_buffer(new, ibuf_data(buf), len);
	buf->rpos += len;
	return (0);
}

/*
 * Read exactly len bytes into str; they must end with a NUL.  On failure
 * str is still NUL-terminated (possibly empty).
 */
int
ibuf_get_strbuf(struct ibuf *buf, char *str, size_t len)
{
	if (len == 0) {
		errno = EINVAL;
		return (-1);
	}
	if (ibuf_get(buf, str, len) == -1) {
		str[0] = '\0';
		return (-1);
	}
	if (str[len - 1] != '\0') {
		str[len - 1] = '\0';
		errno = EBADMSG;
		return (-1);
	}
	return (0);
}

int
ibuf_skip(struct ibuf *buf, size_t len)
{
	if (len > ibuf_size(buf)) {
		errno = EBADMSG;
		return (-1);
	}
	buf->rpos += len;
	return (0);
}

/* Zero and free the memory, and close the fd the buffer still holds. */
void
ibuf_free(struct ibuf *buf)
{
	int	 saved_errno;

	if (buf == NULL)
		return;
	if (buf->fd == IBUF_FD_MARK_ON_STACK)
		abort();
	saved_errno = errno;
	if (buf->fd >= 0)
		close(buf->fd);
	freezero(buf->buf, buf->size);
	free(buf);
	errno = saved_errno;
}

int
ibuf_fd_avail(struct ibuf *buf)
{
	return (buf->fd >= 0);
}

/* Hand the fd over to the caller; the buffer no longer holds one. */
int
ibuf_fd_get(struct ibuf *buf)
{
	int	 fd;

	if (buf->fd < 0)
		return (-1);
	fd = buf->fd;
	buf->fd = -1;
	return (fd);
}

/* The buffer takes ownership of fd (closing any fd it held before). */
void
ibuf_fd_set(struct ibuf *buf, int fd)
{
	if (buf->fd == IBUF_FD_MARK_ON_STACK)
		abort();
	if (buf->fd >= 0)
		close(buf->fd);
	buf->fd = fd >= 0 ? fd : -1;
}

/*
 * msgbuf: the write queue and the stream reader.
 */

struct msgbuf *
msgbuf_new_reader(size_t hdrsize)
{
	struct msgbuf	*mb;

	if (hdrsize == 0 || hdrsize > IBUF_READ_SIZE / 2) {
		errno = EINVAL;
		return (NULL);
	}
	if ((mb = calloc(1, sizeof(*mb))) == NULL)
		return (NULL);
	if ((mb->rbuf = malloc(IBUF_READ_SIZE)) == NULL) {
		free(mb);
		return (NULL);
	}
	TAILQ_INIT(&mb->bufs);
	TAILQ_INIT(&mb->rbufs);
	mb->hdrsize = hdrsize;
	return (mb);
}

/* Free everything: queued and received buffers, and the fds they hold. */
void
msgbuf_free(struct msgbuf *mb)
{
	struct ibuf	*buf;
	int		 i;

	if (mb == NULL)
		return;
#ifdef _WIN32
	/* First: no I/O may still be writing into rbuf. */
	msgbuf_win_free(mb);
#endif
	while ((buf = TAILQ_FIRST(&mb->bufs)) != NULL)
		msgbuf_dequeue(mb, buf);
	while ((buf = TAILQ_FIRST(&mb->rbufs)) != NULL) {
		TAILQ_REMOVE(&mb->rbufs, buf, entry);
		ibuf_free(buf);
	}
	ibuf_free(mb->rpmsg);
	for (i = 0; i < mb->nrfds; i++)
		if (mb->rfds[i].fd >= 0)
			close(mb->rfds[i].fd);
	freezero(mb->rbuf, IBUF_READ_SIZE);
	free(mb);
}

uint32_t
msgbuf_queuelen(struct msgbuf *mb)
{
	return (mb->queued);
}

/* 1 if bytes of a message not yet complete have been read, else 0. */
int
msgbuf_rpartial(struct msgbuf *mb)
{
	return (mb->roff > 0 || mb->rpmsg != NULL);
}

void
msgbuf_enqueue(struct msgbuf *mb, struct ibuf *buf)
{
	/* Writing starts at rpos: a freshly built buffer sends it all. */
	TAILQ_INSERT_TAIL(&mb->bufs, buf, entry);
	mb->queued++;
}

static void
msgbuf_dequeue(struct msgbuf *mb, struct ibuf *buf)
{
	TAILQ_REMOVE(&mb->bufs, buf, entry);
	mb->queued--;
	ibuf_free(buf);
}

/* n bytes went out: free the buffers sent in full, advance a partial one. */
void
msgbuf_drain(struct msgbuf *mb, size_t n)
{
	struct ibuf	*buf;

	while ((buf = TAILQ_FIRST(&mb->bufs)) != NULL) {
		if (n < ibuf_size(buf)) {
			buf->rpos += n;
			break;
		}
		n -= ibuf_size(buf);
		msgbuf_dequeue(mb, buf);
	}
}

#ifndef _WIN32
/*
 * One sendmsg of as much of the queue as fits in IOV_MAX buffers.  A
 * buffer holding an fd only ever goes first in a batch: the fd rides with
 * the first byte of its message and each sendmsg carries at most one fd.
 * Once sent, the fd is closed (the kernel holds its own reference).
 * Returns 1 after progress (or with nothing to do), 0 if the socket is
 * full (EAGAIN, ENOBUFS), -1 on error (EPIPE: the peer is gone).
 */
int
msgbuf_write(int fd, struct msgbuf *mb)
{
	struct iovec	 iov[IOV_MAX];
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct ibuf	*buf, *first;
	ssize_t		 n;
	int		 i = 0;

	if ((first = TAILQ_FIRST(&mb->bufs)) == NULL)
		return (1);

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	TAILQ_FOREACH(buf, &mb->bufs, entry) {
		if (i >= IOV_MAX)
			break;
		if (i > 0 && buf->fd >= 0)
			break;
		iov[i].iov_base = ibuf_data(buf);
		iov[i].iov_len = ibuf_size(buf);
		i++;
	}
	msg.msg_iov = iov;
	msg.msg_iovlen = i;

	if (first->fd >= 0) {
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &first->fd, sizeof(int));
	}

	do {
		n = sendmsg(fd, &msg, MSG_NOSIGNAL);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK ||
		    errno == ENOBUFS)
			return (0);
		return (-1);
	}

	if (first->fd >= 0) {
		close(first->fd);
		first->fd = -1;
	}
	msgbuf_drain(mb, n);
	return (1);
}
#endif /* !_WIN32 */

/*
 * Pending received fds.  A recvmsg on a unix stream socket returns at most
 * one fd-carrying segment, and that segment ends the read; the segment
 * starts with the first byte of the message owning the fd.  So the owning
 * header starts inside the stream range of the read that brought the fd,
 * even when the header itself is completed only by later reads.  At most
 * one entry survives a processing pass (the one covering an incomplete
 * header), so two slots are enough.  A lost fd (MSG_CTRUNC) keeps its
 * entry, so its message gets -1 and no other message inherits anything.
 * A peer that marks the wrong message can misplace only its own fd, and
 * only among the messages of that one read.  (Windows passes no fds: a
 * handle travels as a value inside its message, see imsg-win.c.)
 */
#ifndef _WIN32
static void
msgbuf_rfd_add(struct msgbuf *mb, uint64_t start, uint64_t end, int fd,
    int lost)
{
	if (mb->nrfds == nitems(mb->rfds)) {
		/* Cannot happen (see above); never hand out a stale fd. */
		if (mb->rfds[0].fd >= 0)
			close(mb->rfds[0].fd);
		mb->rfds[0] = mb->rfds[1];
		mb->nrfds--;
	}
	mb->rfds[mb->nrfds].start = start;
	mb->rfds[mb->nrfds].end = end;
	mb->rfds[mb->nrfds].fd = fd;
	mb->rfds[mb->nrfds].lost = lost;
	mb->nrfds++;
}
#endif /* !_WIN32 */

/* Close fds that no header starting at or after off can claim any more. */
static void
msgbuf_rfd_expire(struct msgbuf *mb, uint64_t off)
{
	int	 i, j;

	for (i = 0, j = 0; i < mb->nrfds; i++) {
		if (mb->rfds[i].end <= off) {
			if (mb->rfds[i].fd >= 0) {
				imsg_warnx("imsg: closing a passed fd that no "
				    "message claimed");
				close(mb->rfds[i].fd);
			}
			continue;
		}
		mb->rfds[j++] = mb->rfds[i];
	}
	mb->nrfds = j;
}

/* The header at stream offset off carries the fd mark: find its fd. */
static int
msgbuf_rfd_claim(struct msgbuf *mb, uint64_t off, int allowfd)
{
	int	 i, fd;

	for (i = 0; i < mb->nrfds; i++) {
		if (mb->rfds[i].start <= off && off < mb->rfds[i].end) {
			fd = mb->rfds[i].fd;
			if (mb->rfds[i].lost)
				imsg_warnx("imsg: message arrived without its "
				    "fd (dropped by the kernel)");
			for (; i + 1 < mb->nrfds; i++)
				mb->rfds[i] = mb->rfds[i + 1];
			mb->nrfds--;
			return (fd);
		}
	}
	if (allowfd)
		imsg_warnx("imsg: message claims an fd but none was passed");
	return (-1);
}

#ifndef _WIN32
/*
 * Walk the control data of one recvmsg.  The first fd is kept (if this
 * buffer accepts fds), any other is closed.  MSG_CTRUNC means the kernel
 * dropped descriptors (on Linux: no free fd slot under RLIMIT_NOFILE): the
 * message owning them will get fd -1.
 */
static void
msgbuf_recv_fds(struct msgbuf *mb, struct msghdr *msg, int allowfd,
    uint64_t start, uint64_t end)
{
	struct cmsghdr	*cmsg;
	size_t		 i, nfds;
	int		 fd, kept = -1, seen = 0;

	for (cmsg = CMSG_FIRSTHDR(msg); cmsg != NULL;
	    cmsg = CMSG_NXTHDR(msg, cmsg)) {
		if (cmsg->cmsg_level != SOL_SOCKET ||
		    cmsg->cmsg_type != SCM_RIGHTS)
			continue;
		nfds = (cmsg->cmsg_len - CMSG_LEN(0)) / sizeof(int);
		for (i = 0; i < nfds; i++) {
			memcpy(&fd, CMSG_DATA(cmsg) + i * sizeof(int),
			    sizeof(int));
			if (!seen && allowfd)
				kept = fd;
			else {
				if (seen)
					imsg_warnx("imsg: closing an extra "
					    "passed fd");
				close(fd);
			}
			seen = 1;
		}
	}

	if (msg->msg_flags & MSG_CTRUNC) {
		if (allowfd)
			imsg_warnx("imsg: passed fd lost (MSG_CTRUNC): out of "
			    "file descriptors?");
		if (!seen) {
			msgbuf_rfd_add(mb, start, end, -1, allowfd);
			return;
		}
	}
	if (seen)
		msgbuf_rfd_add(mb, start, end, kept, 0);
}
#endif /* !_WIN32 */

/*
 * Cut the bytes in rbuf into messages.  Leftover bytes (less than one
 * header) move to the front of rbuf for the next read.  The caller has
 * already counted the new bytes in roff and rtotal.
 */
int
msgbuf_process(struct msgbuf *mb, int allowfd, msgbuf_readhdr_cb readhdr,
    void *arg)
{
	struct ibuf	 hdr;
	uint64_t	 base, off;
	size_t		 pos = 0, n;
	int		 wantfd, fd;

	base = mb->rtotal - mb->roff;	/* stream offset of rbuf[0] */
	while (pos < mb->roff) {
		if (mb->rpmsg == NULL) {
			if (mb->roff - pos < mb->hdrsize)
				break;
			off = base + pos;
			ibuf_from_buffer(&hdr, mb->rbuf + pos, mb->hdrsize);
			wantfd = 0;
			if ((mb->rpmsg = readhdr(&hdr, arg, &wantfd)) == NULL) {
				mb->rerrno = errno;
				return (-1);
			}
			msgbuf_rfd_expire(mb, off);
			if (wantfd) {
				fd = msgbuf_rfd_claim(mb, off, allowfd);
				if (fd >= 0)
					ibuf_fd_set(mb->rpmsg, fd);
			}
		}
		n = MINIMUM(ibuf_left(mb->rpmsg), mb->roff - pos);
		if (ibuf_add(mb->rpmsg, mb->rbuf + pos, n) == -1) {
			mb->rerrno = errno;
			return (-1);
		}
		pos += n;
		if (ibuf_left(mb->rpmsg) == 0) {
			TAILQ_INSERT_TAIL(&mb->rbufs, mb->rpmsg, entry);
			mb->rpmsg = NULL;
		}
	}
	if (pos > 0) {
		/* Payloads may be secrets: leave no copy in rbuf. */
		memmove(mb->rbuf, mb->rbuf + pos, mb->roff - pos);
		explicit_bzero(mb->rbuf + mb->roff - pos, pos);
		mb->roff -= pos;
	}

	/* The next header starts at the leftover, or after rpmsg ends. */
	msgbuf_rfd_expire(mb, mb->rpmsg != NULL ? mb->rtotal :
	    mb->rtotal - mb->roff);
	return (0);
}

#ifndef _WIN32
/*
 * One recvmsg, then cut whole messages out of the stream.  Returns 1 (also
 * when the socket had nothing: EAGAIN), 0 on EOF, -1 on error.  After an
 * error the stream is out of step and stays dead.
 */
int
msgbuf_read(int fd, struct msgbuf *mb, int allowfd, msgbuf_readhdr_cb readhdr,
    void *arg)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int) *
				    MSGBUF_CMSG_FDS)];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct iovec	 iov;
	ssize_t		 n;
	uint64_t	 start;

	if (mb->rerrno != 0) {
		errno = mb->rerrno;
		return (-1);
	}

	memset(&msg, 0, sizeof(msg));
	memset(&cmsgbuf, 0, sizeof(cmsgbuf));
	iov.iov_base = mb->rbuf + mb->roff;
	iov.iov_len = IBUF_READ_SIZE - mb->roff;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	msg.msg_control = cmsgbuf.buf;
	msg.msg_controllen = sizeof(cmsgbuf.buf);

	do {
		n = recvmsg(fd, &msg, MSG_CMSG_CLOEXEC);
	} while (n == -1 && errno == EINTR);
	if (n == -1) {
		if (errno == EAGAIN || errno == EWOULDBLOCK)
			return (1);
		return (-1);
	}

	start = mb->rtotal;
	mb->rtotal += n;
	mb->roff += n;
	msgbuf_recv_fds(mb, &msg, allowfd, start, mb->rtotal);
	if (n == 0)
		return (0);

	if (msgbuf_process(mb, allowfd, readhdr, arg) == -1)
		return (-1);
	return (1);
}
#endif /* !_WIN32 */

/*
 * The next complete message: 1 and *bufp set, 0 if there is none yet, -1
 * once the queue is empty and the stream died (errno as the read failed).
 */
int
msgbuf_get(struct msgbuf *mb, struct ibuf **bufp)
{
	struct ibuf	*buf;

	*bufp = NULL;
	if ((buf = TAILQ_FIRST(&mb->rbufs)) == NULL) {
		if (mb->rerrno != 0) {
			errno = mb->rerrno;
			return (-1);
		}
		return (0);
	}
	TAILQ_REMOVE(&mb->rbufs, buf, entry);
	*bufp = buf;
	return (1);
}
