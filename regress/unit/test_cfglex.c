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
 * common/cfglex.c.  The same tests run under Wine (clientd/win/win.mk):
 * files are made in the user's temporary directory there, and what
 * Windows has no equivalent of is left out with #ifdef _WIN32 where it
 * is: FIFOs (mkfifo) and /dev/zero; NUL, Windows' null device, stands in
 * for /dev/null.
 */

#include <sys/stat.h>

#ifdef _WIN32
#include <windows.h>
#endif

#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include <criterion/criterion.h>
#include <criterion/parameterized.h>

#include "cfglex.h"
#include "log.h"

enum {
	T_STRING = 257,
	T_NUMBER,
	T_ERROR,
	T_INCLUDE,
	T_LISTEN,
	T_ON,
	T_PORT,
	T_ROOM
};

static const struct cfglex_kw keywords[] = {
	{ "include",	T_INCLUDE },
	{ "listen",	T_LISTEN },
	{ "on",		T_ON },
	{ "port",	T_PORT },
	{ "room",	T_ROOM },
};

static const struct cfglex_syntax syntax = {
	keywords, nitems(keywords), T_STRING, T_NUMBER, T_ERROR
};

#define MAXLINES	(CFGLEX_MAXERRORS + 8)

static char	logged[MAXLINES][1024];
static int	nlogged;
static char	tmpdir[PATH_MAX];
static char	created[32][PATH_MAX];	/* to remove, in reverse */
static int	ncreated;

static void
capture(int pri, const char *line)
{
	(void)pri;
	if (nlogged < MAXLINES)
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
	tmpdir[0] = '\0';
	ncreated = 0;
}

static void
teardown(void)
{
	log_sethook(NULL);
	/* remove() takes no directory on Windows: rmdir() then. */
	while (ncreated > 0)
		if (remove(created[--ncreated]) == -1 &&
		    rmdir(created[ncreated]) == -1)
			fprintf(stderr, "remove %s failed\n",
			    created[ncreated]);
	if (tmpdir[0] != '\0' && rmdir(tmpdir) == -1)
		fprintf(stderr, "rmdir %s failed\n", tmpdir);
}

TestSuite(cfglex, .init = setup, .fini = teardown);

static void
append(char *out, size_t outsz, const char *s)
{
	if (out[0] != '\0')
		strlcat(out, " ", outsz);
	cr_assert_lt(strlcat(out, s, outsz), outsz, "output too long");
}

/* One token as text: <keyword> "string" #number ! for an error. */
static void
tokstr(int tok, const char *str, int64_t num, char *buf, size_t bufsz)
{
	size_t	 i;

	if (tok == T_STRING)
		snprintf(buf, bufsz, "\"%s\"", str);
	else if (tok == T_NUMBER)
		snprintf(buf, bufsz, "#%lld", (long long)num);
	else if (tok == T_ERROR)
		snprintf(buf, bufsz, "!");
	else if (tok == '\n')
		snprintf(buf, bufsz, ";");
	else if (tok > 0 && tok < 256)
		snprintf(buf, bufsz, "%c", tok);
	else {
		snprintf(buf, bufsz, "?%d", tok);
		for (i = 0; i < nitems(keywords); i++)
			if (keywords[i].token == tok)
				snprintf(buf, bufsz, "<%s>", keywords[i].name);
	}
}

/* Every token up to the end, '\n' shown as ';'. */
static void
lexraw(struct cfglex *lx, char *out, size_t outsz)
{
	char	 buf[CFGLEX_MAXTOK + 8];
	char	*str;
	int64_t	 num;
	int	 tok, n = 0;

	out[0] = '\0';
	while ((tok = cfglex_next(lx, &str, &num)) != 0) {
		if (tok == T_STRING)
			cr_assert_not_null(str);
		else
			cr_assert_null(str);
		tokstr(tok, str, num, buf, sizeof(buf));
		free(str);
		append(out, outsz, buf);
		cr_assert_lt(++n, 10000, "no end of input");
	}
	/* The end stays the end. */
	cr_assert_eq(cfglex_next(lx, &str, &num), 0);
	cr_assert_null(str);
}

/* A path's last component; on Windows '\\' separates too. */
static const char *
basename_of(const char *path)
{
	const char	*p, *base = path;

	for (p = path; *p != '\0'; p++)
#ifdef _WIN32
		if (*p == '/' || *p == '\\')
#else
		if (*p == '/')
#endif
			base = p + 1;
	return (base);
}

/*
 * A stand-in for a grammar: "name = value" lines define macros, "include
 * path" includes (at once, as byacc reduces the rule before reading the
 * '\n'), a line with an error token gets a "syntax error" like byacc's,
 * and every other non-empty line is written out as "file:line: tokens".
 */
static void
parse(struct cfglex *lx, char *out, size_t outsz)
{
	char		 line[4096], buf[CFGLEX_MAXTOK + 8];
	char		 where[PATH_MAX + 32];
	char		*str, *s[3];
	const char	*name;
	int		 toks[3];
	int64_t		 num;
	int		 tok, ntok = 0, bad = 0, n = 0;

	out[0] = '\0';
	line[0] = '\0';
	where[0] = '\0';
	memset(s, 0, sizeof(s));
	for (;;) {
		tok = cfglex_next(lx, &str, &num);
		cr_assert_lt(++n, 10000, "no end of input");
		if (tok == 0)
			break;
		if (tok == '\n') {
			if (bad)
				cfglex_error(lx, "syntax error");
			else if (ntok == 3 && toks[0] == T_STRING &&
			    toks[1] == '=' && toks[2] == T_STRING)
				cfglex_macro_set(lx, s[0], s[2], 0);
			else if (line[0] != '\0') {
				if (out[0] != '\0')
					strlcat(out, "\n", outsz);
				strlcat(out, where, outsz);
				cr_assert_lt(strlcat(out, line, outsz), outsz);
			}
			free(s[0]);
			free(s[2]);
			memset(s, 0, sizeof(s));
			line[0] = '\0';
			ntok = bad = 0;
			continue;
		}
		if (tok == T_ERROR)
			bad = 1;
		if (ntok == 1 && toks[0] == T_INCLUDE && tok == T_STRING) {
			cfglex_include(lx, str);
			free(str);
			line[0] = '\0';
			ntok = 0;
			continue;
		}
		if (line[0] == '\0') {
			name = basename_of(cfglex_filename(lx));
			snprintf(where, sizeof(where), "%s:%d: ", name,
			    cfglex_lineno(lx));
		}
		tokstr(tok, str, num, buf, sizeof(buf));
		if (line[0] != '\0')
			strlcat(line, " ", sizeof(line));
		strlcat(line, buf, sizeof(line));
		/* Keep what "name = value" needs. */
		if (ntok < 3)
			toks[ntok] = tok;
		if (ntok == 0 || ntok == 2)
			s[ntok] = str;
		else
			free(str);
		ntok++;
	}
	free(s[0]);
	free(s[2]);
}

static struct cfglex *
lexbuf(const char *text)
{
	struct cfglex	*lx;

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open_buffer(lx, "buf", text), 0);
	return (lx);
}

static void
mktmpdir(void)
{
#ifdef _WIN32
	char	 base[MAX_PATH];
	DWORD	 n;

	n = GetTempPathA(sizeof(base), base);
	cr_assert(n > 0 && n < sizeof(base));
	cr_assert_lt((size_t)snprintf(tmpdir, sizeof(tmpdir), "%scfglex.XXXXXX",
	    base), sizeof(tmpdir));
#else
	strlcpy(tmpdir, "/tmp/cfglex.XXXXXX", sizeof(tmpdir));
#endif
	cr_assert_not_null(mkdtemp(tmpdir));
}

/* tmpdir/name, in a static buffer. */
static const char *
tmppath(const char *name)
{
	static char	 path[PATH_MAX];

	cr_assert_lt((size_t)snprintf(path, sizeof(path), "%s/%s", tmpdir,
	    name), sizeof(path));
	return (path);
}

static void
created_add(const char *path)
{
	int	 i;

	for (i = 0; i < ncreated; i++)
		if (strcmp(created[i], path) == 0)
			return;
	cr_assert_lt(ncreated, (int)nitems(created));
	strlcpy(created[ncreated++], path, sizeof(created[0]));
}

static void
mksubdir(const char *name)
{
	cr_assert_eq(mkdir(tmppath(name), 0700), 0);
	created_add(tmppath(name));
}

/* Write tmpdir/name; returns its path, in a static buffer. */
static const char *
writefile(const char *name, const char *text, size_t len)
{
	const char	*path;
	FILE		*fp;

	path = tmppath(name);
	/* Binary: on Windows "w" would write "\r\n" for each '\n'. */
	cr_assert_not_null(fp = fopen(path, "wb"), "%s", path);
	cr_assert_eq(fwrite(text, 1, len, fp), len);
	cr_assert_eq(fclose(fp), 0);
	created_add(path);
	return (path);
}

#define WRITE(name, text)	writefile((name), (text), strlen(text))

/*
 * Text in a buffer, lexed (lexraw) or run through the stand-in grammar
 * (parse): a row per text.  Criterion copies the rows into the process
 * that runs them, so the strings are arrays, not pointers.
 */
struct lexcase {
	char	 name[48];
	int	 parse;		/* parse() rather than lexraw() */
	char	 text[192];
	char	 want[256];
	int	 errors;	/* cfglex_errors(), -1 if not checked */
	int	 nlogged;	/* lines logged, -1 if not checked */
	char	 log[2][80];	/* the first lines logged, "" if not checked */
};

static struct lexcase lexcases[] = {
	{ "tokens of a small config", 0,
	    "listen on eth0 port 443\n"
	    "room \"a b\" { x, y }\n"
	    "mtu -1400 0 007\n"
	    "relay.example.org:4433 198.18.0.1/24 - 12ab -x 1.5\n",
	    "<listen> <on> \"eth0\" <port> #443 ; "
	    "<room> \"a b\" { \"x\" , \"y\" } ; "
	    "\"mtu\" #-1400 #0 #7 ; "
	    "\"relay.example.org:4433\" \"198.18.0.1/24\" \"-\" \"12ab\" "
	    "\"-x\" \"1.5\" ;",
	    0, 0, { "" } },
	{ "single characters are tokens", 0,
	    "a=b{c}(d)<e>!f,g;h\n",
	    "\"a\" = \"b\" { \"c\" } ( \"d\" ) < \"e\" > "
	    "! \"f\" , \"g\" ; \"h\" ;",
	    -1, -1, { "" } },
	{ "quoted strings and escapes", 0,
	    "\"a\\\"b\" \"c\\\\d\" 'it\\'s' \"e\\q\" \"443\" "
	    "\"listen\" \"x # y\" \"\" 'say \"hi\"'\n",
	    "\"a\"b\" \"c\\d\" \"it's\" \"e\\q\" \"443\" "
	    "\"listen\" \"x # y\" \"\" \"say \"hi\"\" ;",
	    0, -1, { "" } },
	{ "numbers at the int64 bounds", 0,
	    "9223372036854775807 -9223372036854775808\n"
	    "room 9223372036854775808\n"
	    "room -9223372036854775809\n",
	    "#9223372036854775807 #-9223372036854775808 ; "
	    "<room> ! ; <room> ! ;",
	    2, 2, { "test: buf:2: number 9223372036854775808 is too large",
	    "test: buf:3: number -9223372036854775809 is too small" } },
	{ "comments", 0,
	    "# a comment \"not a string\n"
	    "listen # trailing { \"\n"
	    "   # indented\n"
	    "room \"a # b\"#c\n"
	    "port x#y\n",
	    "; <listen> ; ; <room> \"a # b\" ; <port> \"x\" ;",
	    0, -1, { "" } },
	/* Line numbers still count the joined lines. */
	{ "continuation lines", 1,
	    "listen \\\n"
	    "   on eth0\n"
	    "room \"ab\\\ncd\" ho\\\nst\n"
	    "port 1 \\\n"
	    "\\\n"
	    "  2\n"
	    "room x $\n",
	    "buf:1: <listen> <on> \"eth0\"\n"
	    "buf:3: <room> \"abcd\" \"host\"\n"
	    "buf:6: <port> #1 #2",
	    -1, 1, { "test: buf:9: '$' is not followed by a macro name" } },
	{ "last line without newline, CRLF", 0,
	    "listen a\r\nroom b",
	    "<listen> \"a\" ; <room> \"b\" ;",
	    -1, -1, { "" } },
	{ "empty text", 0,
	    "",
	    "",
	    -1, -1, { "" } },
	{ "unterminated quote", 0,
	    "room \"abc\nlisten x\nroom 'y",
	    "<room> ! ; <listen> \"x\" ; <room> ! ;",
	    2, -1, { "test: buf:1: unterminated quoted string",
	    "test: buf:3: unterminated quoted string" } },
	{ "undefined macro", 1,
	    "room x\nlisten on $nope port 1\nroom y\n",
	    "buf:1: <room> \"x\"\nbuf:3: <room> \"y\"",
	    1, 1, { "test: buf:2: macro 'nope' is not defined" } },
	{ "missing include file", 1,
	    "room a\ninclude \"/nonexistent/x.conf\"\nroom b\n",
	    "buf:1: <room> \"a\"\nbuf:3: <room> \"b\"",
	    1, -1, { "test: buf:2: include \"/nonexistent/x.conf\": "
	    "No such file or directory" } },
};

ParameterizedTestParameters(cfglex, texts)
{
	return (cr_make_param_array(struct lexcase, lexcases,
	    nitems(lexcases)));
}

ParameterizedTest(const struct lexcase *c, cfglex, texts)
{
	struct cfglex	*lx;
	char		 out[1024];
	size_t		 i;

	lx = lexbuf(c->text);
	if (c->parse)
		parse(lx, out, sizeof(out));
	else
		lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, c->want, "%s: got\n%s\nwant\n%s", c->name, out,
	    c->want);
	if (c->errors != -1)
		cr_assert_eq(cfglex_errors(lx), c->errors,
		    "%s: %d errors, want %d", c->name, cfglex_errors(lx),
		    c->errors);
	if (c->nlogged != -1)
		cr_assert_eq(nlogged, c->nlogged,
		    "%s: %d lines logged, want %d", c->name, nlogged,
		    c->nlogged);
	for (i = 0; i < nitems(c->log) && c->log[i][0] != '\0'; i++)
		cr_assert_str_eq(logged[i], c->log[i],
		    "%s: line %zu logged \"%s\", want \"%s\"", c->name, i,
		    logged[i], c->log[i]);
	cfglex_free(lx);
}

Test(cfglex, macros_expand_in_words_not_in_quotes)
{
	struct cfglex	*lx;
	char		 out[1024];

	lx = lexbuf("ext = \"eth0\"\n"
	    "p = \"443\"\n"
	    "two = \"a b\"\n"
	    "blk = \"{ x }\"\n"
	    "none = \"\"\n"
	    "listen on $ext port $p\n"
	    "room pre$ext.x $ext$p\n"
	    "room \"$ext\" '$ext'\n"
	    "room $two $none z\n"
	    "room $blk\n"
	    "ind = \"$ext/$p\"\n"
	    "room $ind\n");
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out,
	    "buf:6: <listen> <on> \"eth0\" <port> #443\n"
	    "buf:7: <room> \"preeth0.x\" \"eth0443\"\n"
	    "buf:8: <room> \"$ext\" \"$ext\"\n"
	    "buf:9: <room> \"a\" \"b\" \"z\"\n"
	    "buf:10: <room> { \"x\" }\n"
	    "buf:12: <room> \"eth0/443\"");
	cr_assert_eq(cfglex_errors(lx), 0);
	cr_assert_str_eq(cfglex_macro_get(lx, "ext"), "eth0");
	cr_assert_str_eq(cfglex_macro_get(lx, "ind"), "$ext/$p");
	cr_assert_eq(cfglex_unused_macros(lx), 0);
	cfglex_free(lx);
}

Test(cfglex, macro_redefined_and_unset)
{
	struct cfglex	*lx;
	char		 out[256];

	lx = lexbuf("a = one\nroom $a\na = two\nroom $a\n");
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "buf:2: <room> \"one\"\nbuf:4: <room> \"two\"");
	cr_assert_eq(cfglex_macro_unset(lx, "a"), 0);
	cr_assert_null(cfglex_macro_get(lx, "a"));
	cr_assert_eq(cfglex_macro_unset(lx, "a"), -1);
	cfglex_free(lx);
}

Test(cfglex, recursive_macro_is_bounded)
{
	struct cfglex	*lx;
	char		 out[256];

	lx = lexbuf("a = \"$a\"\n"
	    "b = \"x$c\"\n"
	    "c = \"$b\"\n"
	    "room $a\n"
	    "room $b\n"
	    "room ok\n");
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "buf:6: <room> \"ok\"");
	cr_assert_eq(cfglex_errors(lx), 2);
	cr_assert_eq(nlogged, 2);
	cr_assert_str_eq(logged[0], "test: buf:4: macro 'a': expansions "
	    "nested deeper than 16 (a macro referring to itself?)");
	cr_assert(strstr(logged[1], "test: buf:5: macro '") == logged[1],
	    "%s", logged[1]);
	cr_assert_not_null(strstr(logged[1], "nested deeper than 16"));
	cfglex_free(lx);
}

Test(cfglex, nested_macros_within_the_bound)
{
	struct cfglex	*lx;
	char		 out[256], name[8], value[16];
	int		 i;

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_macro_set(lx, "m0", "end", 0), 0);
	for (i = 1; i < CFGLEX_MAXEXPAND; i++) {
		snprintf(name, sizeof(name), "m%d", i);
		snprintf(value, sizeof(value), "$m%d", i - 1);
		cr_assert_eq(cfglex_macro_set(lx, name, value, 0), 0);
	}
	cr_assert_eq(cfglex_open_buffer(lx, "buf", "room $m15\n"), 0);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "<room> \"end\" ;");
	cr_assert_eq(cfglex_errors(lx), 0);
	cfglex_free(lx);
}

Test(cfglex, cmdline_macro_wins_over_the_file)
{
	struct cfglex	*lx;
	char		 out[256];

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_cmdline_macro(lx, "ext=wan0"), 0);
	cr_assert_eq(cfglex_cmdline_macro(lx, "unused=1"), 0);
	cr_assert_eq(cfglex_cmdline_macro(lx, "empty="), 0);
	cr_assert_eq(cfglex_open_buffer(lx, "buf",
	    "ext = \"eth0\"\nlisten on $ext$empty\nmine = x\n"), 0);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "buf:2: <listen> <on> \"wan0\"");
	cr_assert_eq(cfglex_errors(lx), 0);

	nlogged = 0;
	cr_assert_eq(cfglex_unused_macros(lx), 2);
	/* The -D one is a warning, the file's one is for -vv only. */
	cr_assert_eq(nlogged, 1);
	cr_assert_str_eq(logged[0], "test: macro 'unused' set with -D is not "
	    "used");
	cfglex_free(lx);
}

Test(cfglex, bad_cmdline_macros)
{
	struct cfglex	*lx;

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_cmdline_macro(lx, "noequals"), -1);
	cr_assert_eq(cfglex_cmdline_macro(lx, "=x"), -1);
	cr_assert_eq(cfglex_cmdline_macro(lx, "1abc=x"), -1);
	cr_assert_eq(cfglex_cmdline_macro(lx, "a-b=x"), -1);
	cr_assert_eq(cfglex_cmdline_macro(lx, "listen=x"), -1);
	cr_assert_eq(cfglex_cmdline_macro(lx, "nl=a\nb"), -1);
	cr_assert_eq(cfglex_cmdline_macro(lx, "ok=a=b"), 0);
	cr_assert_eq(cfglex_errors(lx), 6);
	cr_assert_eq(nlogged, 6);
	cr_assert_str_eq(logged[0], "test: -D noequals: expected name=value");
	cr_assert_str_eq(logged[1], "test: -D =x: expected name=value");
	cr_assert_str_eq(logged[2], "test: -D 1abc=x: invalid macro name: "
	    "letters, digits and '_' only, not starting with a digit");
	cr_assert(strncmp(logged[3], "test: -D a-b=x: invalid macro name",
	    34) == 0, "%s", logged[3]);
	cr_assert_str_eq(logged[4],
	    "test: -D listen=x: a keyword cannot be a macro name");
	cr_assert_str_eq(logged[5],
	    "test: -D nl=a\nb: macro value contains a newline");
	cr_assert_str_eq(cfglex_macro_get(lx, "ok"), "a=b");
	cr_assert_null(cfglex_macro_get(lx, "noequals"));
	cr_assert_null(cfglex_macro_get(lx, "1abc"));
	cfglex_free(lx);
}

Test(cfglex, bad_file_macro_names)
{
	struct cfglex	*lx;
	char		 out[256];

	lx = lexbuf("foo-bar = \"x\"\nroom y\n");
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "buf:2: <room> \"y\"");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert(strncmp(logged[0],
	    "test: buf:1: macro 'foo-bar': invalid macro name", 48) == 0,
	    "%s", logged[0]);
	cr_assert_eq(cfglex_macro_set(lx, "room", "x", 0), -1);
	cr_assert_null(cfglex_macro_get(lx, "foo-bar"));
	cfglex_free(lx);
}

Test(cfglex, include_relative_to_the_including_file)
{
	struct cfglex	*lx;
	char		 out[1024], top[PATH_MAX];

	mktmpdir();
	mksubdir("inc");
	WRITE("inc/sub.conf", "# sub\nport 1\ninclude \"deeper.conf\"\n"
	    "port 2");
	WRITE("inc/deeper.conf", "port 3\n");
	/* Same name next to main.conf: must not be the one read. */
	WRITE("deeper.conf", "port 99\n");
	strlcpy(top, WRITE("main.conf", "listen a\n"
	    "include \"inc/sub.conf\"\n"
	    "room b\n"
	    "room $nope\n"), sizeof(top));

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "main.conf:1: <listen> \"a\"\n"
	    "sub.conf:2: <port> #1\n"
	    "deeper.conf:1: <port> #3\n"
	    "sub.conf:4: <port> #2\n"
	    "main.conf:3: <room> \"b\"");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_eq(nlogged, 1);
	cr_assert(strstr(logged[0], "/main.conf:4: macro 'nope' is not "
	    "defined") != NULL, "%s", logged[0]);
	cfglex_free(lx);
}

Test(cfglex, include_gives_newline_tokens_in_place)
{
	struct cfglex	*lx;
	char		 out[256], path[PATH_MAX], text[PATH_MAX + 64];
	char		*str;
	int64_t		 num;

	mktmpdir();
	strlcpy(path, WRITE("a.conf", "room x"), sizeof(path));
	snprintf(text, sizeof(text), "include \"%s\"\nport 1\n", path);
	lx = lexbuf(text);
	cr_assert_eq(cfglex_next(lx, &str, &num), T_INCLUDE);
	cr_assert_eq(cfglex_next(lx, &str, &num), T_STRING);
	cr_assert_eq(cfglex_include(lx, str), 0);
	free(str);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "; <room> \"x\" ; ; <port> #1 ;");
	cfglex_free(lx);
}

Test(cfglex, include_nesting_is_bounded)
{
	struct cfglex	*lx;
	char		 out[1024], name[32], text[64], top[PATH_MAX];
	int		 i;

	mktmpdir();
	for (i = 0; i < CFGLEX_MAXFILES + 2; i++) {
		snprintf(name, sizeof(name), "n%d.conf", i);
		snprintf(text, sizeof(text), "port %d\ninclude \"n%d.conf\"\n",
		    i, i + 1);
		WRITE(name, text);
	}
	strlcpy(top, tmppath("n0.conf"), sizeof(top));
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "n0.conf:1: <port> #0\nn1.conf:1: <port> #1\n"
	    "n2.conf:1: <port> #2\nn3.conf:1: <port> #3\n"
	    "n4.conf:1: <port> #4\nn5.conf:1: <port> #5\n"
	    "n6.conf:1: <port> #6\nn7.conf:1: <port> #7");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert(strstr(logged[0], "/n7.conf:2: include \"") != NULL,
	    "%s", logged[0]);
	cr_assert(strstr(logged[0], "/n8.conf\": includes nested too deeply "
	    "(more than 8 files)") != NULL, "%s", logged[0]);
	cfglex_free(lx);
}

Test(cfglex, include_loops_are_refused)
{
	struct cfglex	*lx;
	char		 out[1024], top[PATH_MAX];

	mktmpdir();
	WRITE("b.conf", "port 2\ninclude \"a.conf\"\nport 3\n");
	WRITE("self.conf", "include \"self.conf\"\n");
	strlcpy(top, WRITE("a.conf", "port 1\ninclude \"b.conf\"\n"
	    "include \"self.conf\"\nport 4\n"), sizeof(top));
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "a.conf:1: <port> #1\nb.conf:1: <port> #2\n"
	    "b.conf:3: <port> #3\na.conf:4: <port> #4");
	cr_assert_eq(cfglex_errors(lx), 2);
	cr_assert(strstr(logged[0], "/b.conf:2: include \"") != NULL,
	    "%s", logged[0]);
	cr_assert(strstr(logged[0], "/a.conf\": include loop, ") != NULL,
	    "%s", logged[0]);
	cr_assert(strstr(logged[1], "/self.conf:1: include \"") != NULL,
	    "%s", logged[1]);
	cr_assert(strstr(logged[1], "include loop") != NULL, "%s", logged[1]);
	cfglex_free(lx);
}

Test(cfglex, errors_are_all_reported_one_per_line)
{
	struct cfglex	*lx;
	char		 out[1024];

	lx = lexbuf("room $undef\n"
	    "room fine\n"
	    "port 99999999999999999999 $also \"open\n"
	    "listen \"unterminated\n"
	    "port 1\n"
	    "room \\ x\n");
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "buf:2: <room> \"fine\"\nbuf:5: <port> #1\n"
	    "buf:6: <room> \\ \"x\"");
	/* Each bad line once, though line 3 has three problems. */
	cr_assert_eq(cfglex_errors(lx), 3);
	cr_assert_eq(nlogged, 3);
	cr_assert_str_eq(logged[0],
	    "test: buf:1: macro 'undef' is not defined");
	cr_assert_str_eq(logged[1],
	    "test: buf:3: number 99999999999999999999 is too large");
	cr_assert_str_eq(logged[2], "test: buf:4: unterminated quoted string");

	/* A later error on a line already reported is not counted again. */
	cfglex_error(lx, "again");
	cr_assert_eq(cfglex_errors(lx), 4);
	cfglex_error(lx, "and again");
	cr_assert_eq(cfglex_errors(lx), 4);
	cfglex_free(lx);
}

Test(cfglex, findeol_skips_the_rest_of_the_line)
{
	struct cfglex	*lx;
	char		 out[256];
	char		*str;
	int64_t		 num;

	lx = lexbuf("listen a b \\\n c { d\nroom x\n");
	cr_assert_eq(cfglex_next(lx, &str, &num), T_LISTEN);
	cr_assert_eq(cfglex_findeol(lx), T_ERROR);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "; <room> \"x\" ;");
	cfglex_free(lx);
}

#define NULTEXT	"room a\0b\nroom \"c\0\"\nport 1\n"

Test(cfglex, nul_byte_is_an_error_not_the_end)
{
	struct cfglex	*lx;
	char		 out[256], top[PATH_MAX];

	/* Not "nul.conf": on Windows that names the NUL device. */
	mktmpdir();
	strlcpy(top, writefile("nuls0.conf", NULTEXT, sizeof(NULTEXT) - 1),
	    sizeof(top));
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "<room> \"a\" ! ; <room> ! ; <port> #1 ;");
	cr_assert_eq(cfglex_errors(lx), 2);
	cr_assert(strstr(logged[0], "nuls0.conf:1: NUL byte in input") != NULL,
	    "%s", logged[0]);
	cr_assert(strstr(logged[1], "nuls0.conf:2: NUL byte in quoted "
	    "string") != NULL, "%s", logged[1]);
	cfglex_free(lx);
}

Test(cfglex, long_words_are_refused)
{
	struct cfglex	*lx;
	char		 out[256], *text;
	size_t		 len = CFGLEX_MAXTOK + 16;

	cr_assert_not_null(text = malloc(len + 32));
	strlcpy(text, "room ", len + 32);
	memset(text + 5, 'w', len);
	strlcpy(text + 5 + len, " more\nport 1\n", 32);
	lx = lexbuf(text);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "<room> ! ; <port> #1 ;");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_str_eq(logged[0], "test: buf:1: word longer than 8191 bytes");
	free(text);
	cfglex_free(lx);
}

Test(cfglex, missing_top_file)
{
	struct cfglex	*lx;

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, "/nonexistent/softlan.conf"), -1);
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_str_eq(logged[0],
	    "test: /nonexistent/softlan.conf: No such file or directory");
	cr_assert_eq(cfglex_next(lx, NULL, NULL), 0);
	cfglex_free(lx);
}

Test(cfglex, lexers_are_independent)
{
	struct cfglex	*a, *b;
	char		*str;
	int64_t		 num;

	a = lexbuf("x = one\nroom $x\n");
	b = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open_buffer(b, "other", "x = two\nroom $x\n"), 0);
	cr_assert_eq(cfglex_next(a, &str, &num), T_STRING);
	cr_assert_eq(cfglex_macro_set(a, str, "one", 0), 0);
	free(str);
	cr_assert_eq(cfglex_next(b, &str, &num), T_STRING);
	cr_assert_eq(cfglex_macro_set(b, str, "two", 0), 0);
	free(str);
	cr_assert_str_eq(cfglex_macro_get(a, "x"), "one");
	cr_assert_str_eq(cfglex_macro_get(b, "x"), "two");
	cr_assert_str_eq(cfglex_filename(b), "other");
	cr_assert_eq(cfglex_findeol(a), T_ERROR);
	cr_assert_eq(cfglex_next(a, &str, &num), '\n');
	cr_assert_eq(cfglex_next(a, &str, &num), T_ROOM);
	cr_assert_eq(cfglex_next(a, &str, &num), T_STRING);
	cr_assert_str_eq(str, "one");
	free(str);
	cr_assert_eq(cfglex_lineno(a), 2);
	cr_assert_eq(cfglex_lineno(b), 1);
	cfglex_free(a);
	cfglex_free(b);
}

static const struct cfglex_kw unsorted[] = {
	{ "room",	T_ROOM },
	{ "listen",	T_LISTEN },
};

static const struct cfglex_syntax bad_syntax = {
	unsorted, nitems(unsorted), T_STRING, T_NUMBER, T_ERROR
};

Test(cfglex, unsorted_keywords_are_a_bug, .exit_code = 1)
{
	cfglex_new(&bad_syntax);
}

/*
 * Input that never ends, or is too much: every case below ends by itself,
 * in bounded time, with the error.  Without the checks /dev/zero and a
 * FIFO would block or spin for ever.
 */

#ifndef _WIN32
Test(cfglex, top_file_must_be_a_regular_file)
{
	struct cfglex	*lx;
	const char	*fifo;

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, "/dev/zero"), -1);
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_str_eq(logged[0], "test: /dev/zero: not a regular file");
	cr_assert_eq(cfglex_next(lx, NULL, NULL), 0);
	cfglex_free(lx);

	/* Refused, not waited on for a writer. */
	mktmpdir();
	fifo = tmppath("fifo");
	cr_assert_eq(mkfifo(fifo, 0600), 0);
	created_add(fifo);
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, fifo), -1);
	cr_assert(strstr(logged[1], "/fifo: not a regular file") != NULL,
	    "%s", logged[1]);

	cfglex_free(lx);
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, tmpdir), -1);
	cr_assert(strstr(logged[2], ": is a directory") != NULL, "%s",
	    logged[2]);
	cfglex_free(lx);
}

Test(cfglex, include_of_a_device_or_fifo_is_refused)
{
	struct cfglex	*lx;
	char		 out[256], text[PATH_MAX + 64];

	mktmpdir();
	cr_assert_eq(mkfifo(tmppath("fifo"), 0600), 0);
	created_add(tmppath("fifo"));
	snprintf(text, sizeof(text), "room a\ninclude \"/dev/zero\"\n"
	    "include \"/dev/null\"\ninclude \"%s\"\nroom b\n", tmppath("fifo"));
	lx = lexbuf(text);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "buf:1: <room> \"a\"\nbuf:5: <room> \"b\"");
	cr_assert_eq(cfglex_errors(lx), 3);
	cr_assert_eq(nlogged, 3);
	cr_assert_str_eq(logged[0],
	    "test: buf:2: include \"/dev/zero\": not a regular file");
	cr_assert_str_eq(logged[1],
	    "test: buf:3: include \"/dev/null\": not a regular file");
	cr_assert(strncmp(logged[2], "test: buf:4: include \"", 22) == 0 &&
	    strstr(logged[2], "/fifo\": not a regular file") != NULL,
	    "%s", logged[2]);
	cfglex_free(lx);
}
#else /* _WIN32 */
/* Windows has no FIFO to make, nor /dev/zero: its null device, NUL. */
Test(cfglex, top_file_must_be_a_regular_file)
{
	struct cfglex	*lx;

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, "NUL"), -1);
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_str_eq(logged[0], "test: NUL: not a regular file");
	cr_assert_eq(cfglex_next(lx, NULL, NULL), 0);
	cfglex_free(lx);

	mktmpdir();
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, tmpdir), -1);
	cr_assert(strstr(logged[1], ": is a directory") != NULL, "%s",
	    logged[1]);
	cfglex_free(lx);
}

Test(cfglex, include_of_a_device_or_directory_is_refused)
{
	struct cfglex	*lx;
	char		 out[256], text[PATH_MAX + 64];

	mktmpdir();
	snprintf(text, sizeof(text), "room a\ninclude \"NUL\"\n"
	    "include \"%s\"\nroom b\n", tmpdir);
	lx = lexbuf(text);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "buf:1: <room> \"a\"\nbuf:4: <room> \"b\"");
	cr_assert_eq(cfglex_errors(lx), 2);
	cr_assert_eq(nlogged, 2);
	cr_assert_str_eq(logged[0],
	    "test: buf:2: include \"NUL\": not a regular file");
	cr_assert(strncmp(logged[1], "test: buf:3: include \"", 22) == 0 &&
	    strstr(logged[1], "\": is a directory") != NULL, "%s",
	    logged[1]);
	cfglex_free(lx);
}
#endif /* _WIN32 */

/* Count the tokens to the end, which must come. */
static int
drain(struct cfglex *lx, int max)
{
	char	*str;
	int64_t	 num;
	int	 tok, n = 0;

	while ((tok = cfglex_next(lx, &str, &num)) != 0) {
		free(str);
		cr_assert_lt(++n, max, "no end of input");
	}
	cr_assert_eq(cfglex_next(lx, &str, &num), 0);
	return (n);
}

Test(cfglex, file_of_nuls_ends_with_an_error)
{
	struct cfglex	*lx;
	char		 out[256], top[PATH_MAX];
	char		*zeros;
	size_t		 len = 64 * 1024;

	/* No newline anywhere: the error skips to the end, once. */
	mktmpdir();
	cr_assert_not_null(zeros = calloc(1, len));
	strlcpy(top, writefile("nuls0.conf", zeros, len), sizeof(top));
	free(zeros);
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "! ;");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_eq(nlogged, 1);
	cr_assert(strstr(logged[0], "/nuls0.conf:1: NUL byte in input") !=
	    NULL, "%s", logged[0]);
	cfglex_free(lx);
}

Test(cfglex, errors_stop_after_the_limit)
{
	struct cfglex	*lx;
	char		 top[PATH_MAX], *text;
	size_t		 i, len = 2 * 10000;

	/* A NUL on every line: not reported line by line to the end. */
	mktmpdir();
	cr_assert_not_null(text = malloc(len));
	for (i = 0; i < len; i += 2) {
		text[i] = '\0';
		text[i + 1] = '\n';
	}
	strlcpy(top, writefile("nuls.conf", text, len), sizeof(top));
	free(text);
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	cr_assert_leq(drain(lx, 4 * CFGLEX_MAXERRORS), 2 * CFGLEX_MAXERRORS +
	    1);
	cr_assert_eq(cfglex_errors(lx), CFGLEX_MAXERRORS);
	cr_assert_eq(nlogged, CFGLEX_MAXERRORS + 1);
	cr_assert(strstr(logged[CFGLEX_MAXERRORS - 1],
	    "/nuls.conf:100: NUL byte in input") != NULL, "%s",
	    logged[CFGLEX_MAXERRORS - 1]);
	cr_assert(strstr(logged[CFGLEX_MAXERRORS],
	    "/nuls.conf:100: 100 errors, not read further") != NULL, "%s",
	    logged[CFGLEX_MAXERRORS]);
	cfglex_free(lx);
}

/* A sparse file of len NUL bytes. */
static const char *
sparsefile(const char *name, off_t len)
{
	const char	*path;

	path = writefile(name, "", 0);
	cr_assert_eq(truncate(path, len), 0, "%s", path);
	return (path);
}

Test(cfglex, file_size_is_capped)
{
	struct cfglex	*lx;
	char		 out[256], path[PATH_MAX];

	mktmpdir();
	strlcpy(path, sparsefile("huge.conf", (off_t)CFGLEX_MAXINPUT + 1),
	    sizeof(path));
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, path), -1);
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert(strstr(logged[0], "/huge.conf: too large: 16777217 bytes, "
	    "and a configuration is read up to 16777216 bytes in all") != NULL,
	    "%s", logged[0]);
	cfglex_free(lx);

	/* At the limit it is read, to its end. */
	strlcpy(path, sparsefile("max.conf", CFGLEX_MAXINPUT), sizeof(path));
	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, path), 0);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "! ;");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert(strstr(logged[1], "/max.conf:1: NUL byte in input") != NULL,
	    "%s", logged[1]);
	cfglex_free(lx);
}

Test(cfglex, input_is_capped_over_all_includes)
{
	struct cfglex	*lx;
	char		 out[1024], top[PATH_MAX], *text;
	size_t		 len = CFGLEX_MAXINPUT / 16 - 1024, i;
	int		 n;

	/* A file included again and again, each time counted. */
	mktmpdir();
	cr_assert_not_null(text = malloc(len));
	memset(text, 'x', len);
	text[0] = '#';
	text[len - 1] = '\n';
	writefile("big.conf", text, len);
	free(text);
	cr_assert_not_null(text = malloc(64 * 20));
	text[0] = '\0';
	for (i = 0; i < 17; i++)
		strlcat(text, "include \"big.conf\"\n", 64 * 20);
	strlcat(text, "room a\n", 64 * 20);
	strlcpy(top, WRITE("main.conf", text), sizeof(top));
	free(text);

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "main.conf:18: <room> \"a\"");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert(strstr(logged[0], "/main.conf:17: include \"") != NULL,
	    "%s", logged[0]);
	n = snprintf(out, sizeof(out), "/big.conf\": too large: %zu bytes, "
	    "and a configuration is read up to %d bytes in all", len,
	    CFGLEX_MAXINPUT);
	cr_assert_lt((size_t)n, sizeof(out));
	cr_assert(strstr(logged[0], out) != NULL, "%s", logged[0]);
	cfglex_free(lx);
}

Test(cfglex, input_that_grows_is_cut_off)
{
	struct cfglex	*lx;
	char		 out[256], *text;
	size_t		 len = CFGLEX_MAXINPUT + 64;

	/*
	 * A buffer is not checked when opened, like a file that grows while
	 * it is read: reading stops at the limit, here in a comment.
	 */
	cr_assert_not_null(text = malloc(len + 32));
	strlcpy(text, "room a\n#", len + 32);
	memset(text + 8, 'c', len - 8);
	strlcpy(text + len, "\nroom b\n", 32);
	lx = lexbuf(text);
	free(text);
	lexraw(lx, out, sizeof(out));
	cr_assert_str_eq(out, "<room> \"a\" ; ;");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_eq(nlogged, 1);
	cr_assert_str_eq(logged[0], "test: buf:2: configuration longer than "
	    "16777216 bytes in all, not read further");
	cfglex_free(lx);
}

#define BIGVALUE	1024

Test(cfglex, macro_expansion_is_capped_exactly)
{
	struct cfglex	*lx;
	char		*value, *text, *p;
	size_t		 i, refs = CFGLEX_MAXEXPANDED / BIGVALUE;
	size_t		 textsz = (refs + 4) * 16;
	int		 n;

	/* refs references fit exactly; the one after is refused. */
	cr_assert_not_null(value = malloc(BIGVALUE + 1));
	memset(value, 'v', BIGVALUE);
	value[BIGVALUE] = '\0';
	cr_assert_not_null(text = malloc(textsz));
	p = text;
	for (i = 0; i < refs + 2; i++)
		p += snprintf(p, textsz - (p - text), "room $big\n");
	strlcpy(p, "port 1\n", textsz - (p - text));

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_macro_set(lx, "big", value, 0), 0);
	cr_assert_eq(cfglex_open_buffer(lx, "buf", text), 0);
	n = drain(lx, 4 * (int)refs);
	/* <room> "vvv..." ; for each, <room> ! ; for the last: the end. */
	cr_assert_eq(n, 3 * (int)refs + 3, "%d tokens", n);
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_eq(nlogged, 1);
	cr_assert_str_eq(logged[0], "test: buf:1025: macros expand to more "
	    "than 1048576 bytes in all, not read further");
	free(value);
	free(text);
	cfglex_free(lx);
}

/*
 * m0 = x, m1 = "$m0,$m0", ... m15 = "$m14,$m14": a reference to m15 is
 * 2^15 words.  From the file or from -D, the total is capped, the error
 * names the line, and nothing after it is read.
 */
static void
doubling_chain(int cmdline)
{
	struct cfglex	*lx;
	char		 def[64], msg[128], text[1024];
	size_t		 cost[CFGLEX_MAXEXPAND], len, refs;
	int		 i, n, line;

	lx = cfglex_new(&syntax);
	for (i = 0; i < CFGLEX_MAXEXPAND; i++) {
		if (i == 0)
			len = snprintf(def, sizeof(def), "m0=x");
		else
			len = snprintf(def, sizeof(def), "m%d=$m%d,$m%d", i,
			    i - 1, i - 1);
		/* What one reference costs: its value and what it refers to. */
		len -= strchr(def, '=') + 1 - def;
		cost[i] = len + (i == 0 ? 0 : 2 * cost[i - 1]);
		if (cmdline)
			cr_assert_eq(cfglex_cmdline_macro(lx, def), 0);
		else {
			*strchr(def, '=') = '\0';
			cr_assert_eq(cfglex_macro_set(lx, def,
			    def + strlen(def) + 1, 0), 0);
		}
	}
	text[0] = '\0';
	for (i = 0; i < 40; i++)
		strlcat(text, "room $m15\n", sizeof(text));
	strlcat(text, "port 1\n", sizeof(text));
	cr_assert_eq(cfglex_open_buffer(lx, "buf", text), 0);

	/* Whole references that fit, then the line of the one that does not. */
	refs = CFGLEX_MAXEXPANDED / cost[CFGLEX_MAXEXPAND - 1];
	cr_assert_gt(refs, 0);
	cr_assert_lt(refs, 40);
	line = (int)refs + 1;
	n = drain(lx, CFGLEX_MAXEXPANDED);
	/* Each expanded byte gives at most one token. */
	cr_assert_leq(n, CFGLEX_MAXEXPANDED + 3 * 40, "%d tokens", n);
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert_eq(nlogged, 1);
	snprintf(msg, sizeof(msg), "test: buf:%d: macros expand to more than "
	    "%d bytes in all, not read further", line, CFGLEX_MAXEXPANDED);
	cr_assert_str_eq(logged[0], msg);
	cfglex_free(lx);
}

Test(cfglex, doubling_macro_chain_is_capped)
{
	doubling_chain(0);
}

Test(cfglex, doubling_cmdline_macro_chain_is_capped)
{
	doubling_chain(1);
}

Test(cfglex, absolute_paths)
{
	static const struct {
		const char	*path;
		int		 on_linux, on_windows;
	} t[] = {
		{ "/etc/clientd.conf",			1, 1 },
		{ "etc/clientd.conf",			0, 0 },
		{ "clientd.conf",			0, 0 },
		{ "",					0, 0 },
		{ "C:\\ProgramData\\softlan\\x.conf",	0, 1 },
		{ "c:/ProgramData/softlan/x.conf",	0, 1 },
		{ "\\\\server\\share\\x.conf",		0, 1 },
		{ "\\x.conf",				0, 1 },
		{ "C:x.conf",				0, 0 },
		{ "1:\\x.conf",				0, 0 },
		{ "softlan\\x.conf",			0, 0 },
	};
	size_t	 i;
	int	 want;

	for (i = 0; i < nitems(t); i++) {
#ifdef _WIN32
		want = t[i].on_windows;
#else
		want = t[i].on_linux;
#endif
		cr_assert_eq(cfglex_path_absolute(t[i].path), want, "\"%s\"",
		    t[i].path);
	}
}

#ifdef _WIN32
/*
 * Windows: a file named with '\' includes relative to its directory, the
 * path joined with '\' too, and an include loop is still found (by the
 * volume serial number and file index: st_ino is 0 there).
 */
Test(cfglex, include_with_backslashes)
{
	struct cfglex	*lx;
	char		 out[1024], top[PATH_MAX];
	char		*p;

	mktmpdir();
	mksubdir("inc");
	WRITE("inc/sub.conf", "port 1\ninclude \"deeper.conf\"\n");
	WRITE("inc/deeper.conf", "port 2\ninclude \"..\\inc\\sub.conf\"\n");
	strlcpy(top, WRITE("main.conf", "include \"inc\\sub.conf\"\n"
	    "room a\n"), sizeof(top));
	for (p = top; *p != '\0'; p++)
		if (*p == '/')
			*p = '\\';

	lx = cfglex_new(&syntax);
	cr_assert_eq(cfglex_open(lx, top), 0);
	parse(lx, out, sizeof(out));
	cr_assert_str_eq(out, "sub.conf:1: <port> #1\n"
	    "deeper.conf:1: <port> #2\n"
	    "main.conf:2: <room> \"a\"");
	cr_assert_eq(cfglex_errors(lx), 1);
	cr_assert(strstr(logged[0], "\\inc\\deeper.conf:2: include \"") !=
	    NULL, "%s", logged[0]);
	cr_assert(strstr(logged[0], "\\inc\\..\\inc\\sub.conf\": include "
	    "loop, ") != NULL, "%s", logged[0]);
	cfglex_free(lx);
}
#endif
