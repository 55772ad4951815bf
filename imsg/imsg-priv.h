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

#ifndef SOFTLAN_IMSG_PRIV_H
#define SOFTLAN_IMSG_PRIV_H

/*
 * The framing core shared by imsg-buffer.c and imsg.c: a write queue of
 * ibufs drained with sendmsg (one fd per call) and a reader that turns a
 * byte stream back into whole messages.  Not part of the public API.
 * On Windows imsg-win.c replaces the byte I/O (msgbuf_read, msgbuf_write,
 * imsgbuf_flush) with overlapped I/O on a named pipe HANDLE; the framing
 * is the same code.
 */

#ifndef MINIMUM
#define MINIMUM(a, b)	(((a) < (b)) ? (a) : (b))
#endif
#ifndef MAXIMUM
#define MAXIMUM(a, b)	(((a) > (b)) ? (a) : (b))
#endif
#ifndef nitems
#define nitems(_a)	(sizeof((_a)) / sizeof((_a)[0]))
#endif

#ifdef _WIN32
/*
 * MinGW has no <endian.h>.  Every Windows target (x86, x64, ARM64) is
 * little-endian.
 */
#ifndef htobe16
#define htobe16(x)	__builtin_bswap16(x)
#define htobe32(x)	__builtin_bswap32(x)
#define htobe64(x)	__builtin_bswap64(x)
#define be16toh(x)	__builtin_bswap16(x)
#define be32toh(x)	__builtin_bswap32(x)
#define be64toh(x)	__builtin_bswap64(x)
#endif
#endif

/*
 * MinGW's printf archetype is Microsoft's, which rejects %zu; the library
 * is built with __USE_MINGW_ANSI_STDIO there, so GNU's is the right one.
 */
#ifdef _WIN32
#define IMSG_PRINTF	__gnu_printf__
#else
#define IMSG_PRINTF	__printf__
#endif

/* A warning through the hook of imsg_set_warn(); nothing without one. */
void		 imsg_warnx(const char *, ...)
		    __attribute__((__format__ (IMSG_PRINTF, 1, 2)));

/* The ibuf lives on the stack (ibuf_from_buffer): never free it. */
#define IBUF_FD_MARK_ON_STACK	-2

/* At most this many fds are accepted from one recvmsg; extras are closed. */
#define MSGBUF_CMSG_FDS		8

/*
 * A descriptor received by one recvmsg, waiting for the header that claims
 * it.  The sender attaches an fd to the first byte of its message, so the
 * claiming header starts inside [start, end), the stream range that the
 * same recvmsg delivered.  fd is -1 when the kernel dropped it (MSG_CTRUNC)
 * or when the buffer does not accept fds.
 */
struct msgbuf_rfd {
	uint64_t	 start;
	uint64_t	 end;
	int		 fd;
	int		 lost;
};

/*
 * Called with a view of the first hdrsize bytes of a message.  Returns a
 * new ibuf sized for the whole message (header included, ibuf_left() ==
 * message size) and sets *wantfd if the header claims a passed fd, or
 * NULL with errno set: the stream is then dead.
 */
typedef struct ibuf	*(*msgbuf_readhdr_cb)(struct ibuf *, void *, int *);

struct msgbuf {
	TAILQ_HEAD(, ibuf)	 bufs;	/* write queue */
	TAILQ_HEAD(, ibuf)	 rbufs;	/* complete messages */
	uint32_t		 queued;
	unsigned char		*rbuf;	/* IBUF_READ_SIZE bytes */
	size_t			 roff;	/* bytes held in rbuf */
	size_t			 hdrsize;
	struct ibuf		*rpmsg;	/* message being filled */
	uint64_t		 rtotal; /* stream bytes received */
	struct msgbuf_rfd	 rfds[2]; /* pending fds, msgbuf_rfd_add() */
	int			 nrfds;
	int			 rerrno; /* != 0: the stream is dead */
#ifdef _WIN32
	struct msgbuf_win	*win;	/* imsg-win.c: the HANDLE and its I/O */
#endif
};

/* imsg-buffer.c */
struct msgbuf	*msgbuf_new_reader(size_t);
void		 msgbuf_free(struct msgbuf *);
uint32_t	 msgbuf_queuelen(struct msgbuf *);
int		 msgbuf_rpartial(struct msgbuf *);
void		 msgbuf_enqueue(struct msgbuf *, struct ibuf *);
void		 msgbuf_drain(struct msgbuf *, size_t);
int		 msgbuf_process(struct msgbuf *, int, msgbuf_readhdr_cb,
		    void *);
int		 msgbuf_write(int, struct msgbuf *);
int		 msgbuf_read(int, struct msgbuf *, int, msgbuf_readhdr_cb,
		    void *);
int		 msgbuf_get(struct msgbuf *, struct ibuf **);

#ifdef _WIN32
/* imsg-win.c */
int		 msgbuf_win_attach(struct msgbuf *, void *);
void		 msgbuf_win_free(struct msgbuf *);
int		 msgbuf_win_wait(struct msgbuf *, unsigned int);
#endif

#endif /* SOFTLAN_IMSG_PRIV_H */
