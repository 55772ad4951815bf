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

#include <errno.h>
#include <string.h>
#include <syslog.h>

#include <criterion/criterion.h>

#include "log.h"

static char	last[1024];
static int	lastpri = -1;
static int	calls;

static void
capture(int pri, const char *line)
{
	strlcpy(last, line, sizeof(last));
	lastpri = pri;
	calls++;
}

static void
setup(void)
{
	log_init(1, LOG_DAEMON);
	log_procinit("relay");
	log_sethook(capture);
	last[0] = '\0';
	lastpri = -1;
	calls = 0;
}

static void
teardown(void)
{
	log_sethook(NULL);
}

TestSuite(log, .init = setup, .fini = teardown);

Test(log, names_the_process)
{
	log_info("peer %d joined", 7);
	cr_assert_str_eq(last, "relay: peer 7 joined");
	cr_assert_eq(lastpri, LOG_INFO);
}

Test(log, warn_appends_strerror_and_keeps_errno)
{
	errno = ENOENT;
	log_warn("%s: open", "x");
	cr_assert_str_eq(last, "relay: x: open: No such file or directory");
	cr_assert_eq(lastpri, LOG_ERR);
	cr_assert_eq(errno, ENOENT);
}

Test(log, warnx_has_no_strerror)
{
	errno = ENOENT;
	log_warnx("bad frame");
	cr_assert_str_eq(last, "relay: bad frame");
}

Test(log, debug_needs_verbose_2)
{
	log_setverbose(1);
	log_debug("hidden");
	cr_assert_eq(calls, 0);
	log_setverbose(2);
	log_debug("shown");
	cr_assert_eq(calls, 1);
	cr_assert_str_eq(last, "relay: shown");
	cr_assert_eq(lastpri, LOG_DEBUG);
}

Test(log, long_lines_are_truncated_not_overrun)
{
	char	 big[4096];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_warnx("%s", big);
	cr_assert_eq(strlen(last), 1023);
	cr_assert(strncmp(last, "relay: aaa", 10) == 0);
}

Test(log, fatalx_exits_1_after_logging, .exit_code = 1)
{
	log_sethook(NULL);
	fatalx("giving up");
}
