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
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "imsg.h"

/* ibuf: the buffer layer under imsg (imsg-buffer.c). */

Test(ibuf, dynamic_max_below_initial_fails)
{
	struct ibuf	*buf;

	errno = 0;
	cr_assert_null(ibuf_dynamic(10, 5));
	cr_assert_eq(errno, EINVAL);
	errno = 0;
	cr_assert_null(ibuf_dynamic(0, 0));
	cr_assert_eq(errno, EINVAL);
	cr_assert_not_null(buf = ibuf_dynamic(5, 5));
	ibuf_free(buf);
	cr_assert_not_null(buf = ibuf_dynamic(0, 5));
	cr_assert_eq(ibuf_size(buf), 0);
	cr_assert_eq(ibuf_left(buf), 5);
	ibuf_free(buf);
}

Test(ibuf, open_zero_fails)
{
	errno = 0;
	cr_assert_null(ibuf_open(0));
	cr_assert_eq(errno, EINVAL);
}

Test(ibuf, reserve_size_max_fails)
{
	struct ibuf	*buf;

	cr_assert_not_null(buf = ibuf_dynamic(8, 1024));
	cr_assert_eq(ibuf_add(buf, "ab", 2), 0);
	errno = 0;
	cr_assert_null(ibuf_reserve(buf, SIZE_MAX));
	cr_assert_eq(errno, ERANGE);
	errno = 0;
	cr_assert_null(ibuf_reserve(buf, SIZE_MAX - 1));
	cr_assert_eq(errno, ERANGE);
	/* One past max fails, exactly max fits; nothing was disturbed. */
	cr_assert_null(ibuf_reserve(buf, 1023));
	cr_assert_eq(ibuf_size(buf), 2);
	cr_assert_not_null(ibuf_reserve(buf, 1022));
	cr_assert_eq(ibuf_size(buf), 1024);
	cr_assert_eq(ibuf_left(buf), 0);
	cr_assert_eq(memcmp(ibuf_data(buf), "ab", 2), 0);
	ibuf_free(buf);

	cr_assert_not_null(buf = ibuf_open(16));
	errno = 0;
	cr_assert_null(ibuf_reserve(buf, SIZE_MAX));
	cr_assert_eq(errno, ERANGE);
	cr_assert_null(ibuf_reserve(buf, 17));
	cr_assert_eq(ibuf_size(buf), 0);
	ibuf_free(buf);
}

Test(ibuf, seek_and_set_bounds)
{
	struct ibuf	*buf;
	unsigned char	*p;

	cr_assert_not_null(buf = ibuf_open(8));
	cr_assert_eq(ibuf_add(buf, "0123", 4), 0);
	cr_assert_not_null(p = ibuf_seek(buf, 1, 3));
	cr_assert_eq(memcmp(p, "123", 3), 0);
	cr_assert_not_null(ibuf_seek(buf, 4, 0));
	errno = 0;
	cr_assert_null(ibuf_seek(buf, 2, 3));
	cr_assert_eq(errno, ERANGE);
	errno = 0;
	cr_assert_null(ibuf_seek(buf, 5, 0));
	cr_assert_eq(errno, ERANGE);
	errno = 0;
	cr_assert_null(ibuf_seek(buf, 1, SIZE_MAX));
	cr_assert_eq(errno, ERANGE);
	cr_assert_null(ibuf_seek(buf, SIZE_MAX, 1));

	cr_assert_eq(ibuf_set(buf, 2, "xy", 2), 0);
	cr_assert_eq(memcmp(ibuf_data(buf), "01xy", 4), 0);
	cr_assert_eq(ibuf_set(buf, 3, "zz", 2), -1);
	cr_assert_eq(memcmp(ibuf_data(buf), "01xy", 4), 0);

	/* Positions are relative to the read position. */
	cr_assert_eq(ibuf_skip(buf, 2), 0);
	cr_assert_not_null(p = ibuf_seek(buf, 0, 2));
	cr_assert_eq(memcmp(p, "xy", 2), 0);
	cr_assert_null(ibuf_seek(buf, 1, 2));
	ibuf_free(buf);
}

Test(ibuf, network_order_round_trip)
{
	struct ibuf	*buf, rd;
	uint8_t		 v8;
	uint16_t	 v16;
	uint32_t	 v32;
	uint64_t	 v64;
	static const unsigned char want[] = {
		0xab,
		0x12, 0x34,
		0x01, 0x02, 0x03, 0x04,
		0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08
	};

	cr_assert_not_null(buf = ibuf_dynamic(0, 64));
	cr_assert_eq(ibuf_add_n8(buf, 0xab), 0);
	cr_assert_eq(ibuf_add_n16(buf, 0x1234), 0);
	cr_assert_eq(ibuf_add_n32(buf, 0x01020304), 0);
	cr_assert_eq(ibuf_add_n64(buf, 0x0102030405060708ULL), 0);
	cr_assert_eq(ibuf_size(buf), sizeof(want));
	cr_assert_eq(memcmp(ibuf_data(buf), want, sizeof(want)), 0);

	errno = 0;
	cr_assert_eq(ibuf_add_n8(buf, 0x100), -1);
	cr_assert_eq(errno, EINVAL);
	cr_assert_eq(ibuf_add_n16(buf, 0x10000), -1);
	cr_assert_eq(ibuf_add_n32(buf, 0x100000000ULL), -1);
	cr_assert_eq(ibuf_size(buf), sizeof(want));

	ibuf_from_buffer(&rd, ibuf_data(buf), ibuf_size(buf));
	cr_assert_eq(ibuf_get_n8(&rd, &v8), 0);
	cr_assert_eq(v8, 0xab);
	cr_assert_eq(ibuf_get_n16(&rd, &v16), 0);
	cr_assert_eq(v16, 0x1234);
	cr_assert_eq(ibuf_get_n32(&rd, &v32), 0);
	cr_assert_eq(v32, 0x01020304);
	cr_assert_eq(ibuf_get_n64(&rd, &v64), 0);
	cr_assert_eq(v64, 0x0102030405060708ULL);
	errno = 0;
	cr_assert_eq(ibuf_get_n8(&rd, &v8), -1);
	cr_assert_eq(errno, EBADMSG);
	ibuf_free(buf);
}

Test(ibuf, getters_stop_at_the_end)
{
	struct ibuf	 rd, sub;
	char		 data[] = "abcdef";
	char		 out[8];

	ibuf_from_buffer(&rd, data, 6);
	cr_assert_eq(ibuf_left(&rd), 0);
	cr_assert_eq(ibuf_get(&rd, out, 2), 0);
	cr_assert_eq(memcmp(out, "ab", 2), 0);
	errno = 0;
	cr_assert_eq(ibuf_get(&rd, out, 5), -1);
	cr_assert_eq(errno, EBADMSG);
	cr_assert_eq(ibuf_size(&rd), 4);
	cr_assert_eq(ibuf_get_ibuf(&rd, 3, &sub), 0);
	cr_assert_eq(ibuf_size(&sub), 3);
	cr_assert_eq(memcmp(ibuf_data(&sub), "cde", 3), 0);
	cr_assert_eq(ibuf_size(&rd), 1);
	cr_assert_eq(ibuf_get_ibuf(&rd, 2, &sub), -1);
	cr_assert_eq(ibuf_skip(&rd, 2), -1);
	cr_assert_eq(ibuf_skip(&rd, 1), 0);
	cr_assert_eq(ibuf_size(&rd), 0);
	ibuf_rewind(&rd);
	cr_assert_eq(ibuf_size(&rd), 6);

	/* A stack ibuf cannot grow. */
	errno = 0;
	cr_assert_null(ibuf_reserve(&rd, 1));
	cr_assert_eq(errno, EINVAL);
}

Test(ibuf, get_strbuf_needs_nul)
{
	struct ibuf	 rd;
	char		 good[] = { 'e', 't', 'h', '0', '\0' };
	char		 bad[] = { 'e', 't', 'h', '0', '1' };
	char		 out[5];

	ibuf_from_buffer(&rd, good, sizeof(good));
	cr_assert_eq(ibuf_get_strbuf(&rd, out, sizeof(out)), 0);
	cr_assert_str_eq(out, "eth0");

	ibuf_from_buffer(&rd, bad, sizeof(bad));
	errno = 0;
	cr_assert_eq(ibuf_get_strbuf(&rd, out, sizeof(out)), -1);
	cr_assert_eq(errno, EBADMSG);
	cr_assert_eq(out[sizeof(out) - 1], '\0');

	ibuf_from_buffer(&rd, good, 3);
	cr_assert_eq(ibuf_get_strbuf(&rd, out, sizeof(out)), -1);
	cr_assert_eq(out[0], '\0');
}

Test(ibuf, truncate_shrinks_and_zero_extends)
{
	struct ibuf	*buf;
	unsigned char	*p;

	cr_assert_not_null(buf = ibuf_dynamic(4, 16));
	cr_assert_eq(ibuf_add(buf, "abcdef", 6), 0);
	cr_assert_eq(ibuf_truncate(buf, 2), 0);
	cr_assert_eq(ibuf_size(buf), 2);
	cr_assert_eq(ibuf_truncate(buf, 5), 0);
	cr_assert_eq(ibuf_size(buf), 5);
	p = ibuf_data(buf);
	cr_assert_eq(memcmp(p, "ab\0\0\0", 5), 0);
	cr_assert_eq(ibuf_truncate(buf, 17), -1);
	cr_assert_eq(ibuf_size(buf), 5);
	ibuf_free(buf);
}

/* Growth is geometric: 10000 one-byte adds must not realloc each time. */
Test(ibuf, dynamic_growth_is_not_per_byte)
{
	struct ibuf	*buf;
	size_t		 i, lastsize = 0, changes = 0;
	unsigned char	 c;

	cr_assert_not_null(buf = ibuf_dynamic(1, 10000));
	for (i = 0; i < 10000; i++) {
		c = i & 0xff;
		cr_assert_eq(ibuf_add(buf, &c, 1), 0);
		if (buf->size != lastsize) {
			lastsize = buf->size;
			changes++;
		}
	}
	cr_assert_leq(changes, 16, "%zu reallocations", changes);
	cr_assert_eq(ibuf_add(buf, &c, 1), -1);
	cr_assert_eq(errno, ERANGE);
	for (i = 0; i < 10000; i++)
		cr_assert_eq(((unsigned char *)ibuf_data(buf))[i], i & 0xff);
	ibuf_free(buf);
}

Test(ibuf, free_closes_the_fd)
{
	struct ibuf	*buf;
	int		 p[2], fd;
	char		 c;

	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	cr_assert_not_null(buf = ibuf_open(4));
	cr_assert_eq(ibuf_fd_avail(buf), 0);
	ibuf_fd_set(buf, p[1]);
	cr_assert_eq(ibuf_fd_avail(buf), 1);
	ibuf_free(buf);
	/* The only write end is gone: the read end sees EOF. */
	cr_assert_eq(read(p[0], &c, 1), 0);
	close(p[0]);

	cr_assert_eq(pipe2(p, O_CLOEXEC | O_NONBLOCK), 0);
	cr_assert_not_null(buf = ibuf_open(4));
	ibuf_fd_set(buf, p[1]);
	fd = ibuf_fd_get(buf);
	cr_assert_eq(fd, p[1]);
	cr_assert_eq(ibuf_fd_get(buf), -1);
	cr_assert_eq(ibuf_fd_avail(buf), 0);
	ibuf_free(buf);
	cr_assert_neq(fcntl(fd, F_GETFD), -1);
	close(p[0]);
	close(p[1]);
}

Test(ibuf, free_of_stack_ibuf_aborts, .signal = SIGABRT)
{
	struct ibuf	 rd;
	char		 data[4];

	ibuf_from_buffer(&rd, data, sizeof(data));
	ibuf_free(&rd);
}
