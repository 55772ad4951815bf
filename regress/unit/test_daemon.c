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
 * common/daemon.c: the parents' file reader (certificates, CAs, keys)
 * and the blob a parent hands its child in imsg pieces.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/stat.h>

#include <errno.h>
#include <event.h>
#include <limits.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "daemon.h"
#include "imsg.h"
#include "log.h"
#include "proc.h"

#define T_BLOB		(IMSG_PROC_FIRST + 1)

static char	logged[16][1024];
static int	nlogged;
static char	tmpdir[64];
static char	created[8][PATH_MAX];	/* to remove, in reverse */
static int	ncreated;

static void
capture(int pri, const char *line)
{
	(void)pri;
	if (nlogged < (int)nitems(logged))
		strlcpy(logged[nlogged], line, sizeof(logged[0]));
	nlogged++;
}

static void
setup(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("test");
	log_sethook(capture);
	nlogged = 0;
	ncreated = 0;
	tmpdir[0] = '\0';
}

static void
teardown(void)
{
	log_sethook(NULL);
	while (ncreated > 0)
		/* A name may have been taken for a file never made. */
		if (remove(created[--ncreated]) == -1 && errno != ENOENT)
			fprintf(stderr, "remove %s failed\n",
			    created[ncreated]);
	if (tmpdir[0] != '\0' && rmdir(tmpdir) == -1)
		fprintf(stderr, "rmdir %s failed\n", tmpdir);
}

TestSuite(daemon, .init = setup, .fini = teardown);

/*
 * tmpdir/name, to be removed at the end.  The directory is made on first
 * use: a test that ends in fatal makes none, as its teardown does not run.
 */
static const char *
tmpfile_add(const char *name)
{
	char	*path;

	if (tmpdir[0] == '\0') {
		strlcpy(tmpdir, "/tmp/test_daemon.XXXXXX", sizeof(tmpdir));
		cr_assert_not_null(mkdtemp(tmpdir));
	}
	cr_assert_lt(ncreated, (int)nitems(created));
	path = created[ncreated++];
	snprintf(path, PATH_MAX, "%s/%s", tmpdir, name);
	return (path);
}

static const char *
write_tmp(const char *name, const void *data, size_t len)
{
	const char	*path = tmpfile_add(name);
	FILE		*fp;

	cr_assert_not_null(fp = fopen(path, "w"));
	cr_assert_eq(fwrite(data, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
	return (path);
}

/* The log line for path, "test: <path><rest>". */
static void
assert_logged(int i, const char *path, const char *rest)
{
	char	 want[PATH_MAX + 128];

	snprintf(want, sizeof(want), "test: %s%s", path, rest);
	cr_assert_str_eq(logged[i], want);
}

Test(daemon, read_file_whole)
{
	const char	*path;
	uint8_t		*buf;
	size_t		 len = 0;

	path = write_tmp("cert.pem", "-----BEGIN-----\n", 16);
	cr_assert_not_null(buf = daemon_read_file(path, 16, &len));
	cr_assert_eq(len, 16);
	cr_assert_eq(memcmp(buf, "-----BEGIN-----\n", 16), 0);
	cr_assert_eq(nlogged, 0);
	free(buf);
}

Test(daemon, read_file_empty_or_too_large_is_refused)
{
	const char	*empty, *big;
	size_t		 len = 0;

	empty = write_tmp("empty", "", 0);
	big = write_tmp("big", "0123456789", 10);
	cr_assert_null(daemon_read_file(empty, 10, &len));
	cr_assert_null(daemon_read_file(big, 9, &len));
	cr_assert_eq(nlogged, 2);
	assert_logged(0, empty, ": not a regular file of 1 to 10 bytes");
	assert_logged(1, big, ": not a regular file of 1 to 9 bytes");
}

/*
 * A FIFO as a certificate path: without O_NONBLOCK the open would wait
 * for a writer for ever.  It must be refused at once, by name.
 */
Test(daemon, read_file_fifo_is_refused_at_once, .timeout = 10)
{
	const char	*fifo;
	size_t		 len = 0;

	fifo = tmpfile_add("fifo");
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	cr_assert_null(daemon_read_file(fifo, 4096, &len));
	cr_assert_eq(nlogged, 1);
	assert_logged(0, fifo, ": not a regular file of 1 to 4096 bytes");
}

Test(daemon, read_file_device_directory_missing_link)
{
	const char	*target, *link, *missing;
	uint8_t		*buf;
	size_t		 len = 0;

	missing = tmpfile_add("missing");
	cr_assert_null(daemon_read_file("/dev/zero", 4096, &len));
	assert_logged(0, "/dev/zero", ": not a regular file of 1 to 4096 "
	    "bytes");
	cr_assert_null(daemon_read_file(tmpdir, 4096, &len));
	assert_logged(1, tmpdir, ": not a regular file of 1 to 4096 bytes");

	cr_assert_null(daemon_read_file(missing, 4096, &len));
	assert_logged(2, missing, ": No such file or directory");

	target = write_tmp("target", "x", 1);
	link = tmpfile_add("link");
	cr_assert_eq(symlink(target, link), 0);
	/* Followed: certbot's live/ and /etc/ssl/certs are links. */
	cr_assert_not_null(buf = daemon_read_file(link, 4096, &len));
	cr_assert_eq(len, 1);
	cr_assert_eq(buf[0], 'x');
	freezero(buf, len);
	cr_assert_eq(nlogged, 3);
}

/* A proc whose imsgs can be read back from the other end of a pair. */
struct pipe {
	struct event_base	*base;
	struct proc		 p;
	struct imsgbuf		 r;
	int			 sv[2];
};

static void
pipe_open(struct pipe *pp)
{
	memset(pp, 0, sizeof(*pp));
	cr_assert_not_null(pp->base = event_init());
	cr_assert_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0,
	    pp->sv), 0);
	cr_assert_eq(imsgev_init(&pp->p.p_iev, pp->sv[0], NULL, NULL), 0);
	cr_assert_eq(imsgbuf_init(&pp->r, pp->sv[1]), 0);
}

static void
pipe_close(struct pipe *pp)
{
	imsgev_clear(&pp->p.p_iev);
	imsgbuf_clear(&pp->r);
	close(pp->sv[1]);
	event_base_free(pp->base);
}

/* Every message sent so far, appended as the child does. */
static int
pipe_receive(struct pipe *pp, uint8_t **bufp, size_t *lenp, size_t max)
{
	struct pollfd	 pfd;
	struct imsg	 imsg;
	int		 n, nmsg = 0;

	cr_assert_eq(imsgbuf_flush(&pp->p.p_iev.ibuf), 0);
	shutdown(pp->sv[0], SHUT_WR);
	for (;;) {
		while ((n = imsgbuf_get(&pp->r, &imsg)) == 1) {
			cr_assert_eq(imsg_get_type(&imsg), T_BLOB);
			cr_assert_leq(imsg_get_len(&imsg), DAEMON_BLOB_CHUNK);
			daemon_blob_append(bufp, lenp, &imsg, max, "T_BLOB");
			imsg_free(&imsg);
			nmsg++;
		}
		cr_assert_eq(n, 0);
		pfd.fd = pp->sv[1];
		pfd.events = POLLIN;
		cr_assert_eq(poll(&pfd, 1, 5000), 1);
		if ((n = imsgbuf_read(&pp->r)) == 0)
			break;
		cr_assert_eq(n, 1, "imsgbuf_read: %s", strerror(errno));
	}
	return (nmsg);
}

Test(daemon, blob_in_pieces_of_at_most_a_chunk)
{
	static const size_t	 sizes[] = {
		1, DAEMON_BLOB_CHUNK - 1, DAEMON_BLOB_CHUNK,
		DAEMON_BLOB_CHUNK + 1, 3 * DAEMON_BLOB_CHUNK + 17
	};
	struct pipe		 pp;
	uint8_t			*src, *buf;
	size_t			 i, j, len;

	for (i = 0; i < nitems(sizes); i++) {
		cr_assert_not_null(src = malloc(sizes[i]));
		for (j = 0; j < sizes[i]; j++)
			src[j] = (uint8_t)(j * 7 + i);
		pipe_open(&pp);
		daemon_blob_send(&pp.p, T_BLOB, src, sizes[i]);
		buf = NULL;
		len = 0;
		cr_assert_eq(pipe_receive(&pp, &buf, &len, sizes[i]),
		    (int)((sizes[i] + DAEMON_BLOB_CHUNK - 1) /
		    DAEMON_BLOB_CHUNK), "size %zu", sizes[i]);
		cr_assert_eq(len, sizes[i]);
		cr_assert_eq(memcmp(buf, src, len), 0);
		daemon_blob_free(&buf, &len);
		cr_assert_null(buf);
		cr_assert_eq(len, 0);
		pipe_close(&pp);
		free(src);
	}
}

Test(daemon, blob_of_nothing_sends_nothing)
{
	struct pipe	 pp;
	uint8_t		*buf = NULL;
	size_t		 len = 0;

	pipe_open(&pp);
	daemon_blob_send(&pp.p, T_BLOB, NULL, 0);
	cr_assert_eq(pipe_receive(&pp, &buf, &len, 1), 0);
	cr_assert_null(buf);
	pipe_close(&pp);
}

/* The parent never sends more than the child takes: a bug, fatal. */
Test(daemon, blob_past_its_max_is_fatal, .exit_code = 1)
{
	struct pipe	 pp;
	uint8_t		 src[100], *buf = NULL;
	size_t		 len = 0;

	memset(src, 'k', sizeof(src));
	pipe_open(&pp);
	daemon_blob_send(&pp.p, T_BLOB, src, sizeof(src));
	pipe_receive(&pp, &buf, &len, sizeof(src) - 1);
}

Test(daemon, blob_empty_piece_is_fatal, .exit_code = 1)
{
	struct pipe	 pp;
	uint8_t		*buf = NULL;
	size_t		 len = 0;

	pipe_open(&pp);
	cr_assert_eq(proc_compose(&pp.p, T_BLOB, -1, NULL, 0), 0);
	pipe_receive(&pp, &buf, &len, 100);
}
