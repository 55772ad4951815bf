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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <sys/wait.h>

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "log.h"
#include "imsg.h"

/*
 * imsg over real socketpairs.  A "raw" helper captures the exact byte
 * stream (and fds) that one imsgbuf writes, so that it can be replayed to
 * a receiver in any split: one byte per write, or chosen chunks.
 */

#define WAIT_MS		5000
#define MAXFDS		64

struct chan {
	int		 sv[2];
	struct imsgbuf	 s;		/* writes on sv[0] */
	struct imsgbuf	 r;		/* reads on sv[1] */
};

struct tpipe {
	int		 rd;
	int		 wr;
	ino_t		 ino;
};

struct raw {
	unsigned char	*bytes;
	size_t		 len;
	int		 fds[MAXFDS];
	size_t		 fdpos[MAXFDS];
	int		 nfds;
	int		 next;		/* next fd to deliver */
};

static char	lastlog[1024];
static char	alllog[8192];
static int	nlog;

static void
loghook(int pri, const char *line)
{
	(void)pri;
	strlcpy(lastlog, line, sizeof(lastlog));
	strlcat(alllog, line, sizeof(alllog));
	strlcat(alllog, "\n", sizeof(alllog));
	nlog++;
}

/* imsg/ logs only through its own hook: the warnings come here. */
static void
imsgwarn(const char *line)
{
	loghook(0, line);
}

static void
setup(void)
{
	log_sethook(loghook);
	imsg_set_warn(imsgwarn);
	lastlog[0] = '\0';
	alllog[0] = '\0';
	nlog = 0;
}

static void
teardown(void)
{
	log_sethook(NULL);
	imsg_set_warn(NULL);
}

TestSuite(imsg, .init = setup, .fini = teardown);

static void
chan_open(struct chan *c, int fdpass_s, int fdpass_r, int nonblock)
{
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC |
	    (nonblock ? SOCK_NONBLOCK : 0), 0, c->sv), 0);
	cr_assert_eq(imsgbuf_init(&c->s, c->sv[0]), 0);
	cr_assert_eq(imsgbuf_init(&c->r, c->sv[1]), 0);
	if (fdpass_s)
		imsgbuf_allow_fdpass(&c->s);
	if (fdpass_r)
		imsgbuf_allow_fdpass(&c->r);
}

static void
chan_close(struct chan *c)
{
	imsgbuf_clear(&c->s);
	imsgbuf_clear(&c->r);
	if (c->sv[0] != -1)
		close(c->sv[0]);
	if (c->sv[1] != -1)
		close(c->sv[1]);
}

static void
tpipe_open(struct tpipe *p)
{
	int		 fds[2];
	struct stat	 st;

	cr_assert_eq(pipe2(fds, O_CLOEXEC | O_NONBLOCK), 0);
	p->rd = fds[0];
	p->wr = fds[1];
	cr_assert_eq(fstat(p->rd, &st), 0);
	p->ino = st.st_ino;
}

/* The pipe's write end is closed everywhere: reading gives EOF. */
static int
tpipe_orphaned(struct tpipe *p)
{
	char	 c;

	return (read(p->rd, &c, 1) == 0);
}

static ino_t
fd_ino(int fd)
{
	struct stat	 st;

	if (fstat(fd, &st) == -1)
		return (0);
	return (st.st_ino);
}

static int
fd_isopen(int fd)
{
	return (fcntl(fd, F_GETFD) != -1);
}

static int
wait_fd(int fd, short events)
{
	struct pollfd	 pfd;

	pfd.fd = fd;
	pfd.events = events;
	pfd.revents = 0;
	return (poll(&pfd, 1, WAIT_MS) == 1);
}

static void
pattern(unsigned char *p, size_t len, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		p[i] = (seed * 31 + i * 7 + (i >> 8)) & 0xff;
}

static int
pattern_ok(const unsigned char *p, size_t len, uint32_t seed)
{
	size_t	 i;

	for (i = 0; i < len; i++)
		if (p[i] != ((seed * 31 + i * 7 + (i >> 8)) & 0xff))
			return (0);
	return (1);
}

/* Queue a message of len pattern bytes seeded by type (fd may be -1). */
static void
send_msg(struct imsgbuf *s, uint32_t type, size_t len, int fd)
{
	unsigned char	*p = NULL;

	if (len > 0) {
		cr_assert_not_null(p = malloc(len));
		pattern(p, len, type);
	}
	cr_assert_eq(imsg_compose(s, type, type + 1000, 0, fd, p, len), 1,
	    "compose type %u: %s", type, strerror(errno));
	free(p);
}

/* The next message, reading as needed (bounded wait). */
static void
recv_one(struct imsgbuf *r, struct imsg *m)
{
	int	 i, n;

	for (i = 0; i < 100000; i++) {
		n = imsgbuf_get(r, m);
		cr_assert_neq(n, -1, "imsgbuf_get: %s", strerror(errno));
		if (n == 1)
			return;
		cr_assert(wait_fd(r->fd, POLLIN), "no message in time");
		n = imsgbuf_read(r);
		cr_assert_eq(n, 1, "imsgbuf_read %d: %s", n, strerror(errno));
	}
	cr_assert_fail("no message");
}

/* Check (and free) a send_msg() message; ino 0 means "no fd". */
static void
check_msg(struct imsg *mp, uint32_t type, size_t len, ino_t ino)
{
	struct imsg	 m = *mp;
	int		 fd;

	cr_assert_eq(imsg_get_type(&m), type, "type %u, want %u",
	    imsg_get_type(&m), type);
	cr_assert_eq(imsg_get_id(&m), type + 1000);
	cr_assert_eq(imsg_get_pid(&m), getpid());
	cr_assert_eq(imsg_get_len(&m), len, "type %u: len %zu, want %zu",
	    type, imsg_get_len(&m), len);
	cr_assert_eq(m.hdr.len, len + IMSG_HEADER_SIZE);
	if (len > 0)
		cr_assert(pattern_ok(m.data, len, type), "type %u: payload",
		    type);
	else
		cr_assert_null(m.data);
	fd = imsg_get_fd(&m);
	if (ino != 0) {
		cr_assert_geq(fd, 0, "type %u: no fd", type);
		cr_assert_eq(fd_ino(fd), ino, "type %u: wrong fd", type);
		cr_assert_eq(imsg_get_fd(&m), -1);
		close(fd);
	} else
		cr_assert_eq(fd, -1, "type %u: unexpected fd", type);
	imsg_free(&m);
}

/* Receive and check a send_msg() message. */
static void
expect_msg(struct imsgbuf *r, uint32_t type, size_t len, ino_t ino)
{
	struct imsg	 m;

	recv_one(r, &m);
	check_msg(&m, type, len, ino);
}

/*
 * Drain everything s has queued through its socket; rawfd (the other end)
 * collects the bytes and the fds.  Each fd belongs to the first byte of
 * the next message whose header has the fd mark.
 */
static void
raw_capture(struct imsgbuf *s, int rawfd, struct raw *raw)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	struct imsg_hdr	 hdr;
	unsigned char	 tmp[4096];
	size_t		 cap = 0, pos;
	ssize_t		 n;
	int		 i, k;

	memset(raw, 0, sizeof(*raw));
	for (i = 0; i < 100000; i++) {
		cr_assert_eq(imsgbuf_write(s), 0);
		for (;;) {
			memset(&msg, 0, sizeof(msg));
			iov.iov_base = tmp;
			iov.iov_len = sizeof(tmp);
			msg.msg_iov = &iov;
			msg.msg_iovlen = 1;
			msg.msg_control = cmsgbuf.buf;
			msg.msg_controllen = sizeof(cmsgbuf.buf);
			n = recvmsg(rawfd, &msg, MSG_DONTWAIT |
			    MSG_CMSG_CLOEXEC);
			if (n == -1) {
				cr_assert_eq(errno, EAGAIN);
				break;
			}
			cr_assert_gt(n, 0);
			cr_assert_eq(msg.msg_flags & MSG_CTRUNC, 0);
			for (cmsg = CMSG_FIRSTHDR(&msg); cmsg != NULL;
			    cmsg = CMSG_NXTHDR(&msg, cmsg)) {
				cr_assert_eq(cmsg->cmsg_type, SCM_RIGHTS);
				cr_assert_lt(raw->nfds, MAXFDS);
				memcpy(&raw->fds[raw->nfds++],
				    CMSG_DATA(cmsg), sizeof(int));
			}
			if (raw->len + n > cap) {
				cap = (raw->len + n) * 2;
				raw->bytes = realloc(raw->bytes, cap);
				cr_assert_not_null(raw->bytes);
			}
			memcpy(raw->bytes + raw->len, tmp, n);
			raw->len += n;
		}
		if (imsgbuf_queuelen(s) == 0)
			break;
	}
	cr_assert_eq(imsgbuf_queuelen(s), 0);

	for (pos = 0, k = 0; pos + sizeof(hdr) <= raw->len; ) {
		memcpy(&hdr, raw->bytes + pos, sizeof(hdr));
		if (hdr.len & IMSG_FD_MARK) {
			cr_assert_lt(k, raw->nfds);
			raw->fdpos[k++] = pos;
		}
		pos += hdr.len & ~IMSG_FD_MARK;
	}
	cr_assert_eq(pos, raw->len, "raw stream does not parse");
	cr_assert_eq(k, raw->nfds, "fds without a marked header");
}

/* One sendmsg of raw bytes [from, to); an fd starting there goes along. */
static ssize_t
raw_send(struct raw *raw, int wfd, size_t from, size_t to)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov;
	ssize_t		 n;
	int		 withfd;

	withfd = raw->next < raw->nfds && raw->fdpos[raw->next] == from;
	if (!withfd && raw->next < raw->nfds)
		cr_assert(raw->fdpos[raw->next] >= to ||
		    raw->fdpos[raw->next] < from, "chunk hides an fd");
	memset(&msg, 0, sizeof(msg));
	iov.iov_base = raw->bytes + from;
	iov.iov_len = to - from;
	msg.msg_iov = &iov;
	msg.msg_iovlen = 1;
	if (withfd) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &raw->fds[raw->next], sizeof(int));
	}
	n = sendmsg(wfd, &msg, MSG_DONTWAIT | MSG_NOSIGNAL);
	if (n > 0 && withfd) {
		close(raw->fds[raw->next]);
		raw->next++;
	}
	return (n);
}

/*
 * Replay raw one byte per write.  With each, r reads after every byte (so
 * every read returns exactly one byte); otherwise r reads only when the
 * socket is full, and the kernel merges the one-byte segments.
 */
static void
raw_deliver_bytes(struct raw *raw, int wfd, struct imsgbuf *r, int each)
{
	size_t	 i;
	int	 tries;

	for (i = 0; i < raw->len; i++) {
		for (tries = 0; raw_send(raw, wfd, i, i + 1) != 1; tries++) {
			cr_assert_eq(errno, EAGAIN);
			cr_assert_lt(tries, 1000);
			cr_assert_eq(imsgbuf_read(r), 1);
		}
		if (each)
			cr_assert_eq(imsgbuf_read(r), 1);
	}
}

static void
raw_free(struct raw *raw)
{
	int	 i;

	for (i = raw->next; i < raw->nfds; i++)
		close(raw->fds[i]);
	free(raw->bytes);
}

/* Write a raw header (and zeroed payload) straight into a socket. */
static void
raw_header(int fd, uint32_t type, uint32_t len, size_t payload, int passfd)
{
	union {
		struct cmsghdr	hdr;
		char		buf[CMSG_SPACE(sizeof(int))];
	}		 cmsgbuf;
	struct imsg_hdr	 hdr;
	struct msghdr	 msg;
	struct cmsghdr	*cmsg;
	struct iovec	 iov[2];
	unsigned char	 zero[256];

	cr_assert_leq(payload, sizeof(zero));
	memset(zero, 0, sizeof(zero));
	memset(&hdr, 0, sizeof(hdr));
	hdr.type = type;
	hdr.len = len;
	hdr.peerid = type + 1000;
	hdr.pid = getpid();
	memset(&msg, 0, sizeof(msg));
	iov[0].iov_base = &hdr;
	iov[0].iov_len = sizeof(hdr);
	iov[1].iov_base = zero;
	iov[1].iov_len = payload;
	msg.msg_iov = iov;
	msg.msg_iovlen = 2;
	if (passfd != -1) {
		memset(&cmsgbuf, 0, sizeof(cmsgbuf));
		msg.msg_control = cmsgbuf.buf;
		msg.msg_controllen = sizeof(cmsgbuf.buf);
		cmsg = CMSG_FIRSTHDR(&msg);
		cmsg->cmsg_len = CMSG_LEN(sizeof(int));
		cmsg->cmsg_level = SOL_SOCKET;
		cmsg->cmsg_type = SCM_RIGHTS;
		memcpy(CMSG_DATA(cmsg), &passfd, sizeof(int));
	}
	cr_assert_eq(sendmsg(fd, &msg, MSG_NOSIGNAL),
	    (ssize_t)(sizeof(hdr) + payload));
}

/* Header fields and payloads round trip; pid 0 means "my pid". */
Test(imsg, header_round_trip)
{
	struct chan	 c;
	struct imsg	 m;
	uint32_t	 v = 0x01020304, out;

	chan_open(&c, 0, 0, 0);
	cr_assert_eq(imsg_compose(&c.s, 0xffffffffU, 0xdeadbeefU, 4242, -1,
	    &v, sizeof(v)), 1);
	cr_assert_eq(imsg_compose(&c.s, 7, 0, 0, -1, NULL, 0), 1);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 2);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);

	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 0xffffffffU);
	cr_assert_eq(imsg_get_id(&m), 0xdeadbeefU);
	cr_assert_eq(imsg_get_pid(&m), 4242);
	cr_assert_eq(imsg_get_len(&m), sizeof(v));
	cr_assert_eq(m.hdr.len, IMSG_HEADER_SIZE + sizeof(v));
	cr_assert_eq(imsg_get_data(&m, &out, sizeof(out)), 0);
	cr_assert_eq(out, v);
	cr_assert_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);

	cr_assert_eq(imsg_get(&c.r, &m), (ssize_t)IMSG_HEADER_SIZE);
	cr_assert_eq(imsg_get_type(&m), 7);
	cr_assert_eq(imsg_get_id(&m), 0);
	cr_assert_eq(imsg_get_pid(&m), getpid());
	cr_assert_eq(imsg_get_len(&m), 0);
	cr_assert_null(m.data);
	errno = 0;
	cr_assert_eq(imsg_get_data(&m, &out, sizeof(out)), -1);
	cr_assert_eq(errno, EBADMSG);
	imsg_free(&m);

	cr_assert_eq(imsg_get(&c.r, &m), 0);
	cr_assert_eq(imsgbuf_get(&c.r, &m), 0);
	chan_close(&c);
}

Test(imsg, get_data_needs_exact_length)
{
	struct chan	 c;
	struct imsg	 m;
	unsigned char	 buf[8];
	uint32_t	 small;

	chan_open(&c, 0, 0, 0);
	send_msg(&c.s, 1, 6, -1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	recv_one(&c.r, &m);
	errno = 0;
	cr_assert_eq(imsg_get_data(&m, buf, 8), -1);
	cr_assert_eq(errno, EBADMSG);
	errno = 0;
	cr_assert_eq(imsg_get_data(&m, &small, sizeof(small)), -1);
	cr_assert_eq(errno, EBADMSG);
	errno = 0;
	cr_assert_eq(imsg_get_data(&m, buf, 0), -1);
	cr_assert_eq(errno, EINVAL);
	/* Failed calls consume nothing. */
	cr_assert_eq(imsg_get_len(&m), 6);
	cr_assert_eq(imsg_get_data(&m, buf, 6), 0);
	cr_assert(pattern_ok(buf, 6, 1));
	cr_assert_eq(imsg_get_len(&m), 0);
	imsg_free(&m);
	chan_close(&c);
}

Test(imsg, get_buf_and_get_ibuf_read_in_pieces)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	 ib;
	unsigned char	 buf[16], all[20];

	chan_open(&c, 0, 0, 0);
	send_msg(&c.s, 3, 20, -1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	pattern(all, sizeof(all), 3);
	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_buf(&m, buf, 4), 0);
	cr_assert_eq(memcmp(buf, all, 4), 0);
	cr_assert_eq(imsg_get_len(&m), 16);
	errno = 0;
	cr_assert_eq(imsg_get_buf(&m, buf, 17), -1);
	cr_assert_eq(errno, EBADMSG);
	cr_assert_eq(imsg_get_ibuf(&m, &ib), 0);
	cr_assert_eq(ibuf_size(&ib), 16);
	cr_assert_eq(memcmp(ibuf_data(&ib), all + 4, 16), 0);
	cr_assert_eq(imsg_get_len(&m), 0);
	imsg_free(&m);
	chan_close(&c);
}

Test(imsg, get_strbuf_needs_nul)
{
	struct chan	 c;
	struct imsg	 m;
	char		 s[16];

	chan_open(&c, 0, 0, 0);
	cr_assert_eq(imsg_compose(&c.s, 1, 0, 0, -1, "eth0", 5), 1);
	cr_assert_eq(imsg_compose(&c.s, 2, 0, 0, -1, "eth0", 4), 1);
	cr_assert_eq(imsg_compose(&c.s, 3, 0, 0, -1, "a-very-long-name", 17),
	    1);
	cr_assert_eq(imsg_compose(&c.s, 4, 0, 0, -1, NULL, 0), 1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);

	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_strbuf(&m, s, sizeof(s)), 0);
	cr_assert_str_eq(s, "eth0");
	imsg_free(&m);

	recv_one(&c.r, &m);
	errno = 0;
	cr_assert_eq(imsg_get_strbuf(&m, s, sizeof(s)), -1);
	cr_assert_eq(errno, EBADMSG);
	cr_assert_str_eq(s, "");
	imsg_free(&m);

	recv_one(&c.r, &m);		/* 17 bytes do not fit in 16 */
	errno = 0;
	cr_assert_eq(imsg_get_strbuf(&m, s, sizeof(s)), -1);
	cr_assert_eq(errno, EBADMSG);
	imsg_free(&m);

	recv_one(&c.r, &m);
	errno = 0;
	cr_assert_eq(imsg_get_strbuf(&m, s, sizeof(s)), -1);
	cr_assert_eq(errno, EBADMSG);
	imsg_free(&m);
	chan_close(&c);
}

Test(imsg, composev_joins_iovecs)
{
	struct chan	 c;
	struct imsg	 m;
	struct iovec	 iov[4];
	char		 out[32];

	chan_open(&c, 0, 0, 0);
	iov[0].iov_base = (void *)(uintptr_t)"abc";
	iov[0].iov_len = 3;
	iov[1].iov_base = NULL;
	iov[1].iov_len = 0;
	iov[2].iov_base = (void *)(uintptr_t)"defgh";
	iov[2].iov_len = 5;
	iov[3].iov_base = (void *)(uintptr_t)"ij";
	iov[3].iov_len = 3;
	cr_assert_eq(imsg_composev(&c.s, 9, 8, 7, -1, iov, 4), 1);
	cr_assert_eq(imsg_composev(&c.s, 10, 0, 0, -1, NULL, 0), 1);
	errno = 0;
	cr_assert_eq(imsg_composev(&c.s, 11, 0, 0, -1, iov, -1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);

	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 9);
	cr_assert_eq(imsg_get_id(&m), 8);
	cr_assert_eq(imsg_get_pid(&m), 7);
	cr_assert_eq(imsg_get_data(&m, out, 11), 0);
	cr_assert_str_eq(out, "abcdefghij");
	imsg_free(&m);
	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 10);
	cr_assert_eq(imsg_get_len(&m), 0);
	imsg_free(&m);
	cr_assert_eq(imsg_get(&c.r, &m), 0);
	chan_close(&c);
}

Test(imsg, create_add_close)
{
	struct chan	 c;
	struct imsg	 m;
	struct ibuf	*wbuf;
	unsigned char	 chunk[300], out[300];
	int		 i;

	chan_open(&c, 0, 0, 0);
	pattern(chunk, sizeof(chunk), 5);
	/* The size is a hint: the message grows as data is added. */
	cr_assert_not_null(wbuf = imsg_create(&c.s, 5, 6, 0, 4));
	cr_assert_eq(imsg_add(wbuf, chunk, 100), 100);
	cr_assert_eq(imsg_add(wbuf, chunk + 100, 0), 0);
	cr_assert_eq(imsg_add(wbuf, chunk + 100, 200), 200);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);
	imsg_close(&c.s, wbuf);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);

	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 5);
	cr_assert_eq(imsg_get_id(&m), 6);
	cr_assert_eq(imsg_get_data(&m, out, sizeof(out)), 0);
	cr_assert_eq(memcmp(out, chunk, sizeof(out)), 0);
	imsg_free(&m);

	/* Adding past the maximum fails and frees the message. */
	cr_assert_not_null(wbuf = imsg_create(&c.s, 6, 0, 0, 0));
	for (i = 0; i < 100; i++)
		if (imsg_add(wbuf, chunk, sizeof(chunk)) == -1)
			break;
	cr_assert_eq(i, (MAX_IMSGSIZE - IMSG_HEADER_SIZE) / sizeof(chunk));
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);
	chan_close(&c);
}

Test(imsg, compose_ibuf_consumes_the_buffer)
{
	struct chan	 c;
	struct ibuf	*buf;
	struct tpipe	 p, q;

	chan_open(&c, 1, 1, 0);
	tpipe_open(&p);
	tpipe_open(&q);
	cr_assert_not_null(buf = ibuf_dynamic(0, 1000));
	cr_assert_eq(ibuf_add_zero(buf, 10), 0);
	pattern(ibuf_data(buf), 10, 12);
	ibuf_fd_set(buf, p.wr);
	cr_assert_eq(imsg_compose_ibuf(&c.s, 12, 1012, 0, buf), 1);
	/* An empty payload works too. */
	cr_assert_not_null(buf = ibuf_dynamic(0, 10));
	cr_assert_eq(imsg_compose_ibuf(&c.s, 13, 1013, 0, buf), 1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	expect_msg(&c.r, 12, 10, p.ino);
	expect_msg(&c.r, 13, 0, 0);

	/* Too big: fails with ERANGE, the buffer and its fd are gone. */
	cr_assert_not_null(buf = ibuf_dynamic(0, MAX_IMSGSIZE));
	cr_assert_eq(ibuf_add_zero(buf, MAX_IMSGSIZE - IMSG_HEADER_SIZE + 1),
	    0);
	ibuf_fd_set(buf, q.wr);
	errno = 0;
	cr_assert_eq(imsg_compose_ibuf(&c.s, 14, 0, 0, buf), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert(tpipe_orphaned(&q));
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);
	chan_close(&c);
}

Test(imsg, max_size_and_one_over)
{
	struct chan	 c;
	size_t		 max = MAX_IMSGSIZE - IMSG_HEADER_SIZE;
	unsigned char	*p;
	struct tpipe	 pp;

	chan_open(&c, 1, 1, 0);
	tpipe_open(&pp);
	cr_assert_not_null(p = calloc(1, max + 1));
	errno = 0;
	cr_assert_eq(imsg_compose(&c.s, 1, 0, 0, pp.wr, p, max + 1), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert(fd_isopen(pp.wr), "failed compose closed the fd");
	errno = 0;
	cr_assert_null(imsg_create(&c.s, 1, 0, 0, max + 1));
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);
	free(p);

	send_msg(&c.s, 2, max, pp.wr);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	expect_msg(&c.r, 2, max, pp.ino);
	chan_close(&c);
}

Test(imsg, peer_len_over_max_kills_the_stream)
{
	struct chan	 c;
	struct imsg	 m;

	chan_open(&c, 0, 0, 0);
	send_msg(&c.s, 1, 4, -1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	raw_header(c.sv[0], 2, MAX_IMSGSIZE + 1, 0, -1);
	cr_assert(wait_fd(c.sv[1], POLLIN));
	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.r), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert(strstr(lastlog, "len 16385") != NULL, "log: %s", lastlog);
	/* What came before is still whole; then the stream is dead. */
	cr_assert_gt(imsg_get(&c.r, &m), 0);
	cr_assert_eq(imsg_get_type(&m), 1);
	imsg_free(&m);
	errno = 0;
	cr_assert_eq(imsg_get(&c.r, &m), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(imsgbuf_get(&c.r, &m), -1);
	send_msg(&c.s, 3, 4, -1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	cr_assert_eq(imsgbuf_read(&c.r), -1);
	cr_assert_eq(errno, ERANGE);
	chan_close(&c);
}

Test(imsg, peer_len_under_header_kills_the_stream)
{
	struct chan	 c;
	struct imsg	 m;

	chan_open(&c, 0, 0, 0);
	raw_header(c.sv[0], 2, IMSG_HEADER_SIZE - 1, 0, -1);
	cr_assert(wait_fd(c.sv[1], POLLIN));
	errno = 0;
	cr_assert_eq(imsgbuf_read(&c.r), -1);
	cr_assert_eq(errno, ERANGE);
	cr_assert_eq(imsg_get(&c.r, &m), -1);
	chan_close(&c);
}

/* A bigger maximum on both ends: messages larger than the read buffer. */
Test(imsg, set_maxsize_allows_big_messages)
{
	struct chan	 c;
	size_t		 big = 3 * IBUF_READ_SIZE + 123;

	chan_open(&c, 0, 0, 1);
	errno = 0;
	cr_assert_eq(imsgbuf_set_maxsize(&c.s, IMSG_HEADER_SIZE - 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(imsgbuf_set_maxsize(&c.s, IMSG_FD_MARK), -1);
	cr_assert_eq(imsgbuf_set_maxsize(&c.s, big + IMSG_HEADER_SIZE), 0);
	cr_assert_eq(imsgbuf_set_maxsize(&c.r, big + IMSG_HEADER_SIZE), 0);
	send_msg(&c.s, 1, big, -1);
	send_msg(&c.s, 2, 10, -1);
	send_msg(&c.s, 3, big - 1000, -1);
	while (imsgbuf_queuelen(&c.s) > 0) {
		cr_assert_eq(imsgbuf_write(&c.s), 0);
		cr_assert_eq(imsgbuf_read(&c.r), 1);
	}
	expect_msg(&c.r, 1, big, 0);
	expect_msg(&c.r, 2, 10, 0);
	expect_msg(&c.r, 3, big - 1000, 0);
	chan_close(&c);
}

Test(imsg, thousand_messages_in_one_read)
{
	struct chan	 c;
	struct imsg	 m;
	uint32_t	 i, v;

	chan_open(&c, 0, 0, 1);
	for (i = 0; i < 1000; i++)
		cr_assert_eq(imsg_compose(&c.s, 1, i, 0, -1, &i, sizeof(i)),
		    1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	cr_assert_eq(imsgbuf_read(&c.r), 1);
	for (i = 0; i < 1000; i++) {
		cr_assert_eq(imsg_get(&c.r, &m), 20, "message %u", i);
		cr_assert_eq(imsg_get_id(&m), i);
		cr_assert_eq(imsg_get_data(&m, &v, sizeof(v)), 0);
		cr_assert_eq(v, i);
		imsg_free(&m);
	}
	cr_assert_eq(imsg_get(&c.r, &m), 0);
	/* Nothing left: a non-blocking read reports 1 (EAGAIN), not EOF. */
	cr_assert_eq(imsgbuf_read(&c.r), 1);
	cr_assert_eq(imsg_get(&c.r, &m), 0);
	chan_close(&c);
}

/* More than IOV_MAX queued buffers: several batches, order kept. */
Test(imsg, many_batches_keep_order)
{
	struct chan	 c;
	uint32_t	 i;

	chan_open(&c, 0, 0, 1);
	for (i = 0; i < 3000; i++)
		send_msg(&c.s, i, i % 7, -1);
	while (imsgbuf_queuelen(&c.s) > 0) {
		cr_assert_eq(imsgbuf_write(&c.s), 0);
		cr_assert_eq(imsgbuf_read(&c.r), 1);
	}
	for (i = 0; i < 3000; i++)
		expect_msg(&c.r, i, i % 7, 0);
	chan_close(&c);
}

Test(imsg, fd_on_message_n_of_a_batch)
{
	struct chan	 c;
	struct tpipe	 p;
	uint32_t	 i;
	int		 wr;

	chan_open(&c, 1, 1, 0);
	tpipe_open(&p);
	wr = p.wr;
	for (i = 0; i < 10; i++)
		send_msg(&c.s, i, 8, i == 6 ? p.wr : -1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	/* The library closed its copy once sent. */
	cr_assert_not(fd_isopen(wr));
	for (i = 0; i < 10; i++)
		expect_msg(&c.r, i, 8, i == 6 ? p.ino : 0);
	/* And the receiver's copy was closed by expect_msg: EOF. */
	cr_assert(tpipe_orphaned(&p));
	chan_close(&c);
}

Test(imsg, fds_on_consecutive_messages)
{
	struct chan	 c;
	struct tpipe	 p[5];
	struct imsg	 m;
	uint32_t	 i;
	int		 fd;
	char		 ch;

	chan_open(&c, 1, 1, 0);
	for (i = 0; i < 5; i++) {
		tpipe_open(&p[i]);
		send_msg(&c.s, i, i, p[i].wr);
	}
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	for (i = 0; i < 5; i++) {
		recv_one(&c.r, &m);
		cr_assert_eq(imsg_get_type(&m), i);
		cr_assert_geq(fd = imsg_get_fd(&m), 0);
		/* Write through it: the byte shows up in pipe i only. */
		ch = 'a' + i;
		cr_assert_eq(write(fd, &ch, 1), 1);
		close(fd);
		imsg_free(&m);
	}
	for (i = 0; i < 5; i++) {
		cr_assert_eq(read(p[i].rd, &ch, 1), 1);
		cr_assert_eq(ch, 'a' + (char)i);
		cr_assert(tpipe_orphaned(&p[i]));
	}
	chan_close(&c);
}

/* One byte per write and per read: headers split 16 ways, fds pending. */
Test(imsg, byte_at_a_time)
{
	struct chan	 c, d;
	struct tpipe	 p[3];
	struct raw	 raw;
	int		 i;

	chan_open(&c, 1, 0, 1);
	chan_open(&d, 0, 1, 1);
	for (i = 0; i < 3; i++)
		tpipe_open(&p[i]);
	send_msg(&c.s, 1, 0, -1);
	send_msg(&c.s, 2, 1, p[0].wr);
	send_msg(&c.s, 3, 300, -1);
	send_msg(&c.s, 4, 8, p[1].wr);
	send_msg(&c.s, 5, 20, p[2].wr);
	send_msg(&c.s, 6, 2000, -1);
	raw_capture(&c.s, c.sv[1], &raw);
	cr_assert_eq(raw.nfds, 3);
	raw_deliver_bytes(&raw, d.sv[0], &d.r, 1);
	expect_msg(&d.r, 1, 0, 0);
	expect_msg(&d.r, 2, 1, p[0].ino);
	expect_msg(&d.r, 3, 300, 0);
	expect_msg(&d.r, 4, 8, p[1].ino);
	expect_msg(&d.r, 5, 20, p[2].ino);
	expect_msg(&d.r, 6, 2000, 0);
	for (i = 0; i < 3; i++)
		cr_assert(tpipe_orphaned(&p[i]));
	cr_assert_eq(nlog, 0, "log: %s", lastlog);
	raw_free(&raw);
	chan_close(&c);
	chan_close(&d);
}

/*
 * One byte per write, read only when the socket is full: the kernel merges
 * segments, and each read that brings an fd stops right after the first
 * byte of the message owning it.
 */
Test(imsg, byte_at_a_time_merged_reads)
{
	struct chan	 c, d;
	struct tpipe	 p[4];
	struct raw	 raw;
	uint32_t	 i;

	chan_open(&c, 1, 0, 1);
	chan_open(&d, 0, 1, 1);
	for (i = 0; i < 4; i++)
		tpipe_open(&p[i]);
	for (i = 0; i < 40; i++)
		send_msg(&c.s, i, i * 3, i % 10 == 3 ? p[i / 10].wr : -1);
	raw_capture(&c.s, c.sv[1], &raw);
	cr_assert_eq(raw.nfds, 4);
	raw_deliver_bytes(&raw, d.sv[0], &d.r, 0);
	for (i = 0; i < 40; i++)
		expect_msg(&d.r, i, i * 3, i % 10 == 3 ? p[i / 10].ino : 0);
	cr_assert_eq(nlog, 0, "log: %s", lastlog);
	raw_free(&raw);
	chan_close(&c);
	chan_close(&d);
}

/*
 * The fd arrives with only the first 5 bytes of its header; the header is
 * completed by later reads.  The fd must stay pending, not be closed.
 */
Test(imsg, fd_message_straddles_reads)
{
	struct chan	 c, d;
	struct tpipe	 p[2];
	struct raw	 raw;
	struct imsg	 m;
	size_t		 a, b;

	chan_open(&c, 1, 0, 1);
	chan_open(&d, 0, 1, 1);
	tpipe_open(&p[0]);
	tpipe_open(&p[1]);
	send_msg(&c.s, 1, 100, -1);
	send_msg(&c.s, 2, 50, p[0].wr);
	send_msg(&c.s, 3, 10, -1);
	send_msg(&c.s, 4, 10, p[1].wr);
	raw_capture(&c.s, c.sv[1], &raw);
	a = IMSG_HEADER_SIZE + 100;		/* start of message 2 */
	b = a + IMSG_HEADER_SIZE + 50;		/* start of message 3 */
	cr_assert_eq(raw.fdpos[0], a);

	cr_assert_eq(raw_send(&raw, d.sv[0], 0, a), (ssize_t)a);
	cr_assert_eq(raw_send(&raw, d.sv[0], a, a + 5), 5);
	cr_assert_eq(imsgbuf_read(&d.r), 1);
	cr_assert_eq(imsgbuf_get(&d.r, &m), 1);
	cr_assert_eq(imsg_get_type(&m), 1);
	imsg_free(&m);
	cr_assert_eq(imsgbuf_get(&d.r, &m), 0);
	cr_assert_eq(imsgbuf_read(&d.r), 1);	/* EAGAIN */

	cr_assert_eq(raw_send(&raw, d.sv[0], a + 5, a + 14), 9);
	cr_assert_eq(imsgbuf_read(&d.r), 1);
	cr_assert_eq(imsgbuf_get(&d.r, &m), 0);
	cr_assert_eq(raw_send(&raw, d.sv[0], a + 14, b + 20),
	    (ssize_t)(b + 20 - a - 14));
	cr_assert_eq(imsgbuf_read(&d.r), 1);
	cr_assert_eq(raw_send(&raw, d.sv[0], b + 20, b + 26), 6);
	cr_assert_eq(raw_send(&raw, d.sv[0], b + 26, raw.len),
	    (ssize_t)(raw.len - b - 26));
	expect_msg(&d.r, 2, 50, p[0].ino);
	expect_msg(&d.r, 3, 10, 0);
	expect_msg(&d.r, 4, 10, p[1].ino);
	cr_assert_eq(nlog, 0, "log: %s", lastlog);
	raw_free(&raw);
	chan_close(&c);
	chan_close(&d);
}

Test(imsg, eof_and_epipe)
{
	struct chan	 c;
	struct imsg	 m;

	/* SIGPIPE is not ignored: the library must not raise it. */
	chan_open(&c, 0, 0, 0);
	send_msg(&c.s, 1, 10, -1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	close(c.sv[0]);
	c.sv[0] = -1;
	expect_msg(&c.r, 1, 10, 0);
	cr_assert_eq(imsgbuf_read(&c.r), 0);
	cr_assert_eq(imsg_get(&c.r, &m), 0);

	send_msg(&c.r, 2, 10, -1);
	errno = 0;
	cr_assert_eq(imsgbuf_write(&c.r), -1);
	cr_assert_eq(errno, EPIPE);
	errno = 0;
	cr_assert_eq(imsgbuf_flush(&c.r), -1);
	cr_assert_eq(errno, EPIPE);
	chan_close(&c);
}

/*
 * imsgbuf_read_partial: set from the first byte of a message until its
 * last, whether the header or the payload is missing; a complete message
 * waiting for imsg_get does not count.
 */
Test(imsg, read_partial)
{
	struct chan	 c, d;
	struct raw	 raw;
	struct imsg	 m;
	const size_t	 one = IMSG_HEADER_SIZE + 10;

	chan_open(&c, 0, 0, 1);
	chan_open(&d, 0, 0, 1);
	send_msg(&c.s, 7, 10, -1);
	send_msg(&c.s, 8, 0, -1);
	raw_capture(&c.s, c.sv[1], &raw);
	cr_assert_eq(raw.len, one + IMSG_HEADER_SIZE);

	cr_assert_eq(imsgbuf_read_partial(&d.r), 0);
	cr_assert_eq(imsgbuf_read(&d.r), 1);	/* nothing there: EAGAIN */
	cr_assert_eq(imsgbuf_read_partial(&d.r), 0);
	/* Half a header. */
	cr_assert_eq(write(d.sv[0], raw.bytes, 8), 8);
	cr_assert_eq(imsgbuf_read(&d.r), 1);
	cr_assert_eq(imsgbuf_read_partial(&d.r), 1);
	cr_assert_eq(imsg_get(&d.r, &m), 0);
	/* The rest of the header and part of the payload. */
	cr_assert_eq(write(d.sv[0], raw.bytes + 8, 12), 12);
	cr_assert_eq(imsgbuf_read(&d.r), 1);
	cr_assert_eq(imsgbuf_read_partial(&d.r), 1);
	cr_assert_eq(imsg_get(&d.r, &m), 0);
	/* The rest: complete, not taken yet, is not partial. */
	cr_assert_eq(write(d.sv[0], raw.bytes + 20, one - 20),
	    (ssize_t)(one - 20));
	cr_assert_eq(imsgbuf_read(&d.r), 1);
	cr_assert_eq(imsgbuf_read_partial(&d.r), 0);
	expect_msg(&d.r, 7, 10, 0);
	/* A whole message and one byte of the next. */
	cr_assert_eq(write(d.sv[0], raw.bytes + one, IMSG_HEADER_SIZE),
	    IMSG_HEADER_SIZE);
	cr_assert_eq(write(d.sv[0], raw.bytes, 1), 1);
	cr_assert_eq(imsgbuf_read(&d.r), 1);
	cr_assert_eq(imsgbuf_read_partial(&d.r), 1);
	expect_msg(&d.r, 8, 0, 0);
	cr_assert_eq(imsgbuf_read_partial(&d.r), 1);
	cr_assert_eq(nlog, 0, "log: %s", lastlog);
	raw_free(&raw);
	chan_close(&c);
	chan_close(&d);
	cr_assert_eq(imsgbuf_read_partial(&d.r), 0);
}

/*
 * Fill the socket until writes stop making progress (EAGAIN folded into
 * 0), then drain everything in order.  Every 37th message carries an fd,
 * so partial writes and fd batches mix.
 */
Test(imsg, fill_until_eagain_then_drain)
{
	struct chan	 c;
	struct tpipe	 p[64];
	struct imsg	 m;
	uint32_t	 n, got, q;
	int		 np = 0, tries;

	chan_open(&c, 1, 1, 1);
	for (n = 0; n < 100000; n++) {
		if (n % 37 == 0) {
			cr_assert_lt(np, 64);
			tpipe_open(&p[np]);
			send_msg(&c.s, n, 1000 + n % 500, p[np++].wr);
		} else
			send_msg(&c.s, n, 1000 + n % 500, -1);
		cr_assert_eq(imsgbuf_write(&c.s), 0);
		if (imsgbuf_queuelen(&c.s) >= 20)
			break;
	}
	cr_assert_lt(n, 100000);
	cr_assert_gt(n, 20, "socket full after %u messages?", n);
	n++;
	/* Full: another write reports 0 and sends nothing. */
	q = imsgbuf_queuelen(&c.s);
	cr_assert_eq(imsgbuf_write(&c.s), 0);
	cr_assert_eq(imsgbuf_queuelen(&c.s), q, "wrote to a full socket");

	for (got = 0, tries = 0; got < n; tries++) {
		cr_assert_lt(tries, 100000);
		cr_assert_eq(imsgbuf_write(&c.s), 0);
		cr_assert_eq(imsgbuf_read(&c.r), 1);
		while (got < n && imsgbuf_get(&c.r, &m) == 1) {
			check_msg(&m, got, 1000 + got % 500,
			    got % 37 == 0 ? p[got / 37].ino : 0);
			got++;
		}
	}
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);
	cr_assert_eq(imsgbuf_get(&c.r, &m), 0);
	chan_close(&c);
}

Test(imsg, free_closes_unclaimed_fd)
{
	struct chan	 c;
	struct tpipe	 p, q;
	struct imsg	 m;
	int		 fd;

	chan_open(&c, 1, 1, 0);
	tpipe_open(&p);
	tpipe_open(&q);
	send_msg(&c.s, 1, 4, p.wr);
	send_msg(&c.s, 2, 4, q.wr);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);

	recv_one(&c.r, &m);
	fd = m.buf->fd;
	cr_assert_geq(fd, 0);
	cr_assert(fd_isopen(fd));
	imsg_free(&m);
	errno = 0;
	cr_assert_eq(fcntl(fd, F_GETFD), -1);
	cr_assert_eq(errno, EBADF);
	cr_assert(tpipe_orphaned(&p));

	/* A claimed fd is the caller's: imsg_free leaves it alone. */
	recv_one(&c.r, &m);
	cr_assert_geq(fd = imsg_get_fd(&m), 0);
	cr_assert_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);
	cr_assert(fd_isopen(fd));
	cr_assert_eq(fd_ino(fd), q.ino);
	close(fd);
	chan_close(&c);
}

Test(imsg, forward_carries_no_fd)
{
	struct chan	 c, d;
	struct tpipe	 p;
	struct imsg	 m;
	char		 two[2];

	chan_open(&c, 1, 1, 0);
	chan_open(&d, 1, 1, 0);
	tpipe_open(&p);
	cr_assert_eq(imsg_compose(&c.s, 5, 1005, 777, p.wr, "abcdef", 6), 1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	recv_one(&c.r, &m);
	/* Partly read: forward still sends the whole payload. */
	cr_assert_eq(imsg_get_buf(&m, two, sizeof(two)), 0);
	cr_assert_eq(imsg_forward(&d.s, &m), 1);
	cr_assert_eq(imsgbuf_flush(&d.s), 0);
	cr_assert_geq(m.buf->fd, 0, "forward took the fd");
	imsg_free(&m);
	cr_assert(tpipe_orphaned(&p));

	recv_one(&d.r, &m);
	cr_assert_eq(imsg_get_type(&m), 5);
	cr_assert_eq(imsg_get_id(&m), 1005);
	cr_assert_eq(imsg_get_pid(&m), 777);
	cr_assert_eq(imsg_get_len(&m), 6);
	cr_assert_eq(memcmp(m.data, "abcdef", 6), 0);
	cr_assert_eq(m.hdr.len & IMSG_FD_MARK, 0);
	cr_assert_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);
	chan_close(&c);
	chan_close(&d);
}

Test(imsg, failed_compose_leaves_fd_with_caller)
{
	struct chan	 c, d;
	struct tpipe	 p;
	struct iovec	 iov;
	unsigned char	*big;

	chan_open(&c, 1, 1, 0);
	chan_open(&d, 0, 0, 0);
	tpipe_open(&p);
	cr_assert_not_null(big = calloc(1, MAX_IMSGSIZE));
	errno = 0;
	cr_assert_eq(imsg_compose(&c.s, 1, 0, 0, p.wr, big, MAX_IMSGSIZE),
	    -1);
	cr_assert_eq(errno, ERANGE);
	iov.iov_base = big;
	iov.iov_len = MAX_IMSGSIZE;
	cr_assert_eq(imsg_composev(&c.s, 1, 0, 0, p.wr, &iov, 1), -1);
	cr_assert_eq(errno, ERANGE);
	/* fd passing is off on d: composing with an fd fails. */
	errno = 0;
	cr_assert_eq(imsg_compose(&d.s, 1, 0, 0, p.wr, "x", 1), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(imsg_composev(&d.s, 1, 0, 0, p.wr, &iov, 0), -1);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);
	cr_assert_eq(imsgbuf_queuelen(&d.s), 0);
	cr_assert(fd_isopen(p.wr));
	cr_assert_eq(write(p.wr, "z", 1), 1);
	free(big);
	close(p.wr);
	chan_close(&c);
	chan_close(&d);
}

/* The receiver did not allow fd passing: the fd is closed on arrival. */
Test(imsg, fdpass_not_allowed_closes_received_fd)
{
	struct chan	 c;
	struct tpipe	 p;

	chan_open(&c, 1, 0, 0);
	tpipe_open(&p);
	send_msg(&c.s, 1, 4, p.wr);
	send_msg(&c.s, 2, 4, -1);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	cr_assert(wait_fd(c.sv[1], POLLIN));
	cr_assert_eq(imsgbuf_read(&c.r), 1);
	/* Closed at once, before anyone looked at the message. */
	cr_assert(tpipe_orphaned(&p));
	expect_msg(&c.r, 1, 4, 0);
	expect_msg(&c.r, 2, 4, 0);
	cr_assert_eq(nlog, 0, "log: %s", lastlog);
	chan_close(&c);
}

Test(imsg, clear_closes_queued_fds)
{
	struct chan	 c;
	struct tpipe	 p;
	struct imsg	 m;

	chan_open(&c, 1, 1, 0);
	tpipe_open(&p);
	send_msg(&c.s, 1, 4, p.wr);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 1);
	cr_assert_not(tpipe_orphaned(&p));
	imsgbuf_clear(&c.s);
	cr_assert_eq(imsgbuf_queuelen(&c.s), 0);
	cr_assert(tpipe_orphaned(&p));
	imsgbuf_clear(&c.s);	/* twice is harmless */
	cr_assert_eq(imsgbuf_read(&c.s), -1);
	cr_assert_eq(imsg_get(&c.s, &m), -1);

	/* Received but not yet fetched messages are cleared too. */
	tpipe_open(&p);
	cr_assert_eq(imsgbuf_init(&c.s, c.sv[0]), 0);
	imsgbuf_allow_fdpass(&c.s);
	send_msg(&c.s, 2, 4, p.wr);
	cr_assert_eq(imsgbuf_flush(&c.s), 0);
	cr_assert(wait_fd(c.sv[1], POLLIN));
	cr_assert_eq(imsgbuf_read(&c.r), 1);
	cr_assert_not(tpipe_orphaned(&p));
	imsgbuf_clear(&c.r);
	cr_assert(tpipe_orphaned(&p));
	chan_close(&c);
}

/*
 * A broken or hostile peer: a header claiming an fd that never came, an
 * fd sent with a message that does not claim it.  Neither may shift an fd
 * onto a later message.  (Within a single read the kernel cannot tell
 * which message an fd came with, so each misstep is read on its own.)
 */
Test(imsg, stray_marks_and_fds_shift_nothing)
{
	struct chan	 c;
	struct tpipe	 p, q;
	struct imsg	 m;

	chan_open(&c, 1, 1, 0);
	tpipe_open(&p);
	tpipe_open(&q);
	raw_header(c.sv[0], 1, IMSG_HEADER_SIZE | IMSG_FD_MARK, 0, -1);
	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 1);
	cr_assert_eq(imsg_get_fd(&m), -1);
	cr_assert(strstr(lastlog, "claims an fd") != NULL, "%s", lastlog);
	imsg_free(&m);

	raw_header(c.sv[0], 2, IMSG_HEADER_SIZE + 4, 4, p.wr);
	close(p.wr);
	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 2);
	cr_assert_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);
	/* Nobody claimed it: closed, not kept for the next message. */
	cr_assert(tpipe_orphaned(&p));
	cr_assert(strstr(lastlog, "no message claimed") != NULL, "%s",
	    lastlog);

	raw_header(c.sv[0], 3, (IMSG_HEADER_SIZE + 4) | IMSG_FD_MARK, 4, -1);
	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 3);
	cr_assert_eq(imsg_get_fd(&m), -1);
	imsg_free(&m);
	raw_header(c.sv[0], 4, (IMSG_HEADER_SIZE + 2) | IMSG_FD_MARK, 2,
	    q.wr);
	close(q.wr);
	recv_one(&c.r, &m);
	cr_assert_eq(imsg_get_type(&m), 4);
	cr_assert_eq(fd_ino(m.buf->fd), q.ino);
	imsg_free(&m);
	chan_close(&c);
}

/*
 * A forked receiver at RLIMIT_NOFILE: the kernel drops the passed fds
 * (MSG_CTRUNC).  Those messages get -1, a warning is logged, and after the
 * limit is raised again the next fd lands on its own message.
 */
enum {
	CT_OK = 0, CT_SETUP, CT_READ, CT_TYPE, CT_FD, CT_NOLOG, CT_INO,
	CT_ACK
};

static int
ct_get(struct imsgbuf *r, struct imsg *m)
{
	int	 i, n;

	for (i = 0; i < 1000; i++) {
		if ((n = imsgbuf_get(r, m)) == 1)
			return (0);
		if (n == -1 || !wait_fd(r->fd, POLLIN) ||
		    imsgbuf_read(r) != 1)
			return (-1);
	}
	return (-1);
}

static int
ct_child(int sock)
{
	struct imsgbuf	 r;
	struct imsg	 m;
	struct rlimit	 rl, low;
	uint64_t	 ino;
	uint32_t	 i;
	int		 fd, lowest;

	if (imsgbuf_init(&r, sock) == -1)
		return (CT_SETUP);
	imsgbuf_allow_fdpass(&r);
	if ((lowest = fcntl(sock, F_DUPFD, 0)) == -1)
		return (CT_SETUP);
	close(lowest);
	if (getrlimit(RLIMIT_NOFILE, &rl) == -1)
		return (CT_SETUP);
	low = rl;
	low.rlim_cur = lowest;	/* no free slot below the limit */
	if (setrlimit(RLIMIT_NOFILE, &low) == -1)
		return (CT_SETUP);

	/* 1: fd (dropped), 2: none, 3: fd (dropped). */
	for (i = 1; i <= 3; i++) {
		if (ct_get(&r, &m) == -1)
			return (CT_READ);
		if (imsg_get_type(&m) != i)
			return (CT_TYPE);
		if (imsg_get_fd(&m) != -1)
			return (CT_FD);
		imsg_free(&m);
	}
	if (strstr(alllog, "MSG_CTRUNC") == NULL ||
	    strstr(alllog, "without its fd") == NULL)
		return (CT_NOLOG);

	if (setrlimit(RLIMIT_NOFILE, &rl) == -1)
		return (CT_SETUP);
	if (imsg_compose(&r, 100, 0, 0, -1, NULL, 0) != 1 ||
	    imsgbuf_flush(&r) == -1)
		return (CT_ACK);

	/* 4: none, 5: fd (kept now), 6: none. */
	for (i = 4; i <= 6; i++) {
		if (ct_get(&r, &m) == -1)
			return (CT_READ);
		if (imsg_get_type(&m) != i)
			return (CT_TYPE);
		fd = imsg_get_fd(&m);
		if (i == 5) {
			if (fd == -1)
				return (CT_FD);
			if (imsg_get_data(&m, &ino, sizeof(ino)) == -1 ||
			    fd_ino(fd) != ino)
				return (CT_INO);
			close(fd);
		} else if (fd != -1)
			return (CT_FD);
		imsg_free(&m);
	}
	imsgbuf_clear(&r);
	return (CT_OK);
}

Test(imsg, fd_dropped_at_rlimit_nofile)
{
	struct tpipe	 p[3];
	struct imsgbuf	 s;
	struct imsg	 m;
	uint64_t	 ino;
	pid_t		 pid;
	int		 sv[2], status, i;

	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv),
	    0);
	cr_assert_neq(pid = fork(), -1);
	if (pid == 0) {
		close(sv[0]);
		_exit(ct_child(sv[1]));
	}
	close(sv[1]);
	/* After the fork: the child must hold no copy of the write ends. */
	for (i = 0; i < 3; i++)
		tpipe_open(&p[i]);
	cr_assert_eq(imsgbuf_init(&s, sv[0]), 0);
	imsgbuf_allow_fdpass(&s);
	cr_assert_eq(imsg_compose(&s, 1, 0, 0, p[0].wr, NULL, 0), 1);
	cr_assert_eq(imsg_compose(&s, 2, 0, 0, -1, NULL, 0), 1);
	cr_assert_eq(imsg_compose(&s, 3, 0, 0, p[1].wr, NULL, 0), 1);
	cr_assert_eq(imsgbuf_flush(&s), 0);

	recv_one(&s, &m);
	cr_assert_eq(imsg_get_type(&m), 100);
	imsg_free(&m);
	/* The dropped fds are gone for good, not parked in the child. */
	cr_assert(tpipe_orphaned(&p[0]));
	cr_assert(tpipe_orphaned(&p[1]));

	ino = p[2].ino;
	cr_assert_eq(imsg_compose(&s, 4, 0, 0, -1, NULL, 0), 1);
	cr_assert_eq(imsg_compose(&s, 5, 0, 0, p[2].wr, &ino, sizeof(ino)),
	    1);
	cr_assert_eq(imsg_compose(&s, 6, 0, 0, -1, NULL, 0), 1);
	cr_assert_eq(imsgbuf_flush(&s), 0);

	for (i = 0; i < 1000; i++) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		usleep(10000);
	}
	if (i == 1000) {
		kill(pid, SIGKILL);
		waitpid(pid, &status, 0);
		cr_assert_fail("child hung");
	}
	cr_assert(WIFEXITED(status), "child died");
	cr_assert_eq(WEXITSTATUS(status), CT_OK, "child failed: step %d",
	    WEXITSTATUS(status));
	cr_assert(tpipe_orphaned(&p[2]));
	imsgbuf_clear(&s);
	close(sv[0]);
}
