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
 * common/cfgcheck.c: the checks and byacc glue the grammars share.  The
 * daemons' messages are compared whole by regress/config; here each
 * check is driven alone, at line 1 of a one-line file.  The same tests
 * run under Wine (clientd/win/win.mk), the files in the user's temporary
 * directory there.
 */

#ifdef _WIN32
#include <windows.h>
#endif

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "cfgcheck.h"
#include "cfglex.h"
#include "log.h"
#include "wiremsg.h"

enum {
	T_STRING = 257,
	T_NUMBER,
	T_ERROR,
	T_ROOM
};

static const struct cfglex_kw keywords[] = {
	{ "room",	T_ROOM },
};

static const struct cfglex_syntax syntax = {
	keywords, nitems(keywords), T_STRING, T_NUMBER, T_ERROR
};

static char		 logged[16][1024];
static int		 nlogged;
static char		 path[PATH_MAX];
static struct cfgcheck	 ck;

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
	path[0] = '\0';
}

static void
teardown(void)
{
	log_sethook(NULL);
	if (path[0] != '\0')
		unlink(path);
}

TestSuite(cfgcheck, .init = setup, .fini = teardown);

/* A lexer on a file holding text. */
static void
open_text(const char *text)
{
	FILE	*fp;
	int	 fd;
#ifdef _WIN32
	char	 base[MAX_PATH];
	DWORD	 n;
#endif

#ifdef _WIN32
	n = GetTempPathA(sizeof(base), base);
	cr_assert(n > 0 && n < sizeof(base));
	cr_assert_lt((size_t)snprintf(path, sizeof(path),
	    "%stest_cfgcheck.XXXXXX", base), sizeof(path));
#else
	strlcpy(path, "/tmp/test_cfgcheck.XXXXXX", sizeof(path));
#endif
	cr_assert_neq(fd = mkstemp(path), -1);
	cr_assert_not_null(fp = fdopen(fd, "w"));
	cr_assert_eq(fputs(text, fp) >= 0, 1);
	cr_assert_eq(fclose(fp), 0);
	cr_assert_eq(cfgcheck_open(&ck, &syntax, path, NULL, 0), 0);
}

/*
 * The lexer reports one error a line: each check that fails is made on
 * a line of its own, the first word of the next line of a file of "x"
 * lines, so that message i is at line i + 1.
 */
static void
open_lines(void)
{
	open_text("x\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\nx\n");
}

static void
step(void)
{
	char	*str = NULL;
	int64_t	 num;
	int	 tok, line;

	while ((tok = cfgcheck_lex(&ck, &str, &num, &line)) == '\n')
		;
	cr_assert_eq(tok, T_STRING, "out of lines");
	free(str);
}

static void
assert_msg(int i, const char *msg)
{
	char	 want[PATH_MAX + 1200];

	cr_assert_lt(i, nlogged, "message %d of %d", i, nlogged);
	snprintf(want, sizeof(want), "test: %s:%d: %s", path, i + 1, msg);
	cr_assert_str_eq(logged[i], want);
}

static void
verr(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cfgcheck_verror(&ck, fmt, ap);
	va_end(ap);
}

Test(cfgcheck, host_valid)
{
	static const struct {
		const char	*host;
		int		 valid;
	} t[] = {
		{ "relay.example.org",	1 },
		{ "relay.example.org.",	1 },
		{ "a-b_c.d1",		1 },
		{ "192.0.2.1",		1 },
		{ "2001:db8::1",	1 },
		{ "",			0 },
		{ ".",			0 },
		{ "a..b",		0 },
		{ "-a.b",		0 },
		{ "a-.b",		0 },
		{ "a.b-",		0 },
		{ "a b",		0 },
		{ "a/b",		0 },
	};
	char	 label[66];
	size_t	 i;

	for (i = 0; i < nitems(t); i++)
		cr_assert_eq(cfgcheck_host_valid(t[i].host), t[i].valid,
		    "\"%s\"", t[i].host);

	/* A label of 63 characters, not 64. */
	memset(label, 'a', sizeof(label));
	label[63] = '\0';
	cr_assert_eq(cfgcheck_host_valid(label), 1);
	label[63] = '.';
	label[64] = 'b';
	label[65] = '\0';
	cr_assert_eq(cfgcheck_host_valid(label), 1);
	label[63] = 'a';
	label[64] = '\0';
	cr_assert_eq(cfgcheck_host_valid(label), 0);
}

Test(cfgcheck, once_and_range)
{
	open_lines();
	step();
	cr_assert_eq(cfgcheck_once(&ck, 3, "mtu"), 0);
	cr_assert_eq(cfgcheck_once(&ck, 4, "port"), 0);
	cr_assert_eq(cfgcheck_once(&ck, 3, "mtu"), -1);
	cr_assert_eq(ck.seen, 1U << 3 | 1U << 4);
	step();
	cr_assert_eq(cfgcheck_range(&ck, "n", 5, 5, 6), 0);
	cr_assert_eq(cfgcheck_range(&ck, "n", 6, 5, 6), 0);
	cr_assert_eq(cfgcheck_range(&ck, "n", -1, 5, 6), -1);
	cr_assert_eq(cfgcheck_close(&ck), 2);
	assert_msg(0, "mtu set twice");
	assert_msg(1, "n -1 out of range 5-6");
}

Test(cfgcheck, port)
{
	uint16_t	 port = 7;

	open_lines();
	step();
	cfgcheck_port(&ck, 0, 0, &port);
	cr_assert_eq(port, 7);
	cfgcheck_port(&ck, 1, 443, &port);
	cr_assert_eq(port, 443);
	step();
	cfgcheck_port(&ck, 1, 444, &port);
	cr_assert_eq(port, 443);
	cr_assert_eq(cfgcheck_close(&ck), 2);
	assert_msg(0, "port 0 out of range 1-65535");
	assert_msg(1, "port set twice");
}

Test(cfgcheck, paths_and_names)
{
	char	 dst[8], sock[200];

	memset(sock, 'a', sizeof(sock) - 1);
	sock[0] = '/';
	sock[sizeof(sock) - 1] = '\0';
	open_lines();
	cfgcheck_path(&ck, dst, sizeof(dst), "key", "/a/b");
	cr_assert_str_eq(dst, "/a/b");
	step();
	cfgcheck_path(&ck, dst, sizeof(dst), "key", "a/b");
	step();
	cfgcheck_path(&ck, dst, sizeof(dst), "key", "/a/bcdefgh");
	cr_assert_str_eq(dst, "");
	step();
	cfgcheck_socket(&ck, dst, sizeof(dst), "control", sock);
	cfgcheck_socket(&ck, dst, sizeof(dst), "control", "/s");
	cr_assert_str_eq(dst, "/s");
	step();
	cfgcheck_user(&ck, dst, sizeof(dst), "-x");
	step();
	cfgcheck_user(&ck, dst, sizeof(dst), "a b");
	step();
	cfgcheck_user(&ck, dst, sizeof(dst), "_softlan");
	cfgcheck_user(&ck, dst, sizeof(dst), "relay");
	cr_assert_str_eq(dst, "relay");
	step();
	cfgcheck_ifname(&ck, dst, sizeof(dst), "tap", "..");
	step();
	cfgcheck_ifname(&ck, dst, sizeof(dst), "tap", "a:b");
	cfgcheck_ifname(&ck, dst, sizeof(dst), "tap", "tap0");
	cr_assert_str_eq(dst, "tap0");
	step();
	cfgcheck_host(&ck, dst, sizeof(dst), "relay", "a..b");
	step();
	cfgcheck_host(&ck, dst, sizeof(dst), "relay", "a.example");
	cr_assert_eq(cfgcheck_close(&ck), 10);
	assert_msg(0, "key \"a/b\": not an absolute path");
	assert_msg(1, "key: path longer than 7 bytes");
	cr_assert(strstr(logged[2], ": longer than 107 bytes") != NULL,
	    "%s", logged[2]);
	assert_msg(3, "user \"-x\": invalid user name");
	assert_msg(4, "user \"a b\": invalid user name (letters, digits, "
	    "'_', '-' and '.' only)");
	assert_msg(5, "user \"_softlan\": longer than 7 bytes");
	assert_msg(6, "tap \"..\": invalid interface name");
	assert_msg(7, "tap \"a:b\": invalid interface name (no '/', ':', "
	    "blanks or control characters)");
	assert_msg(8, "relay \"a..b\": not a host name or an IPv4 or IPv6 "
	    "address");
	assert_msg(9, "relay: host name longer than 7 bytes");
}

Test(cfgcheck, room_and_secret)
{
	char	 room[WIREMSG_ROOM_MAX + 1], secret[WIREMSG_SECRET_MAX + 1];
	char	 longsecret[WIREMSG_SECRET_MAX + 2];
	char	 want[128];

	memset(longsecret, 's', sizeof(longsecret) - 1);
	longsecret[sizeof(longsecret) - 1] = '\0';
	open_lines();
	cr_assert_eq(cfgcheck_room(&ck, room, sizeof(room), "lan"), 0);
	cr_assert_str_eq(room, "lan");
	step();
	cr_assert_eq(cfgcheck_room(&ck, room, sizeof(room), "l a n"), -1);
	cr_assert_str_eq(room, "lan");
	step();
	cfgcheck_secret(&ck, secret, sizeof(secret), NULL, "");
	step();
	cfgcheck_secret(&ck, secret, sizeof(secret), "lan", "");
	step();
	cfgcheck_secret(&ck, secret, sizeof(secret), "lan", longsecret);
	cfgcheck_secret(&ck, secret, sizeof(secret), NULL, "hunter2");
	cr_assert_str_eq(secret, "hunter2");
	cr_assert_eq(cfgcheck_close(&ck), 4);
	snprintf(want, sizeof(want), "room \"l a n\": invalid name (1-%d "
	    "characters of A-Z a-z 0-9 _ -)", WIREMSG_ROOM_MAX);
	assert_msg(0, want);
	assert_msg(1, "empty secret");
	assert_msg(2, "room \"lan\": empty secret");
	snprintf(want, sizeof(want), "room \"lan\": secret longer than %d "
	    "characters", WIREMSG_SECRET_MAX);
	assert_msg(3, want);
}

/*
 * byacc's "syntax error" on a line (or in a block after its '{') that
 * starts with a word that is not a keyword or a macro definition.
 */
Test(cfgcheck, unknown_keyword)
{
	static const char *const text =
	    "frob 1\n"		/* 1: the error comes at the number */
	    "x = 1 2\n"		/* 2: a macro definition: syntax error */
	    "{\n"		/* 3: no word: syntax error */
	    "room a { colour blue }\n"	/* 4: the block's first word */
	    "room a {\n";	/* 5: syntax error at the '{' */
	char	*str;
	int64_t	 num;
	int	 tok, line, lastline = 0, n = 0;

	open_text(text);
	while ((tok = cfgcheck_lex(&ck, &str, &num, &line)) != 0) {
		/* The parser stands in: one error per line, where noted. */
		if (line != lastline && ((line == 1 && tok == T_NUMBER) ||
		    (line == 2 && tok == T_NUMBER && num == 2) ||
		    (line == 3 && tok == '{') ||
		    (line == 4 && tok == T_STRING &&
		    strcmp(str, "blue") == 0) ||
		    (line == 5 && tok == '{'))) {
			verr("syntax error");
			lastline = line;
		}
		free(str);
		cr_assert_lt(++n, 100);
	}
	cr_assert_eq(cfgcheck_close(&ck), 5);
	cr_assert_eq(nlogged, 5);
	cr_assert(strstr(logged[0], ":1: unknown keyword \"frob\"") != NULL,
	    "%s", logged[0]);
	cr_assert(strstr(logged[1], ":2: syntax error") != NULL, "%s",
	    logged[1]);
	cr_assert(strstr(logged[2], ":3: syntax error") != NULL, "%s",
	    logged[2]);
	cr_assert(strstr(logged[3], ":4: unknown keyword \"colour\"") != NULL,
	    "%s", logged[3]);
	cr_assert(strstr(logged[4], ":5: syntax error") != NULL, "%s",
	    logged[4]);
}

/* Only "syntax error" is rewritten; other messages pass as they are. */
Test(cfgcheck, other_errors_pass_through)
{
	open_text("frob 1\n");
	step();
	verr("\"%s\" is not a number", "x");
	cr_assert_eq(cfgcheck_close(&ck), 1);
	assert_msg(0, "\"x\" is not a number");
}

#ifdef _WIN32
/* Windows paths: with a drive, UNC, or rooted; not drive-relative. */
Test(cfgcheck, windows_paths)
{
	char	 dst[64];

	open_lines();
	cfgcheck_path(&ck, dst, sizeof(dst), "key", "C:\\ProgramData\\a.pem");
	cr_assert_str_eq(dst, "C:\\ProgramData\\a.pem");
	cfgcheck_path(&ck, dst, sizeof(dst), "key", "\\\\srv\\share\\a.pem");
	cr_assert_str_eq(dst, "\\\\srv\\share\\a.pem");
	cfgcheck_path(&ck, dst, sizeof(dst), "key", "d:/a.pem");
	cr_assert_str_eq(dst, "d:/a.pem");
	step();
	cfgcheck_path(&ck, dst, sizeof(dst), "key", "C:a.pem");
	cr_assert_str_eq(dst, "d:/a.pem");
	cr_assert_eq(cfgcheck_close(&ck), 1);
	assert_msg(0, "key \"C:a.pem\": not an absolute path");
}
#endif
