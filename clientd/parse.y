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
 * clientd.conf(5).  The lexer, include and macros are common/cfglex.c;
 * this file is the grammar and the checks, in the manner of relayd's.
 * Every value is checked where it is read and reported as
 * "file:line: message"; parsing goes on after an error so that one run
 * reports every bad line.  A required statement that is missing is
 * reported at the end, with the file name.
 *
 * Decisions (documented in clientd.conf.5):
 *  - "relay HOST" takes an optional "port N"; "port N" may also stand
 *    alone.  The host is a DNS name or an address literal, checked for
 *    form only: the parent resolves it at start.
 *  - server-name defaults to the relay host; the parsed configuration
 *    holds it explicitly, so the daemon need not know the rule.
 *  - A setting given twice is an error rather than "the last one wins".
 *  - File paths must be absolute.
 *  - virtual-mac must be a MAC a client may use (unicast, non-zero,
 *    locally administered); without it the parent derives one from
 *    /etc/machine-id at start, which the parser cannot know.
 *  - "address ADDR/PREFIX" takes an IPv4 or IPv6 literal and a prefix
 *    length that leaves room for hosts (1-32 or 1-128); the address may
 *    not be unspecified, loopback, multicast or, for IPv4, the broadcast
 *    address or the network address of its prefix.
 */

%{
#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfglex.h"
#include "compat.h"
#include "ctlmsg.h"
#include "clientd.h"
#include "ether.h"
#include "log.h"

/* Settings that may be given once. */
enum setting {
	S_RELAY,
	S_PORT,
	S_SERVER_NAME,
	S_CA_CERTIFICATE,
	S_ROOM,
	S_SECRET,
	S_VIRTUAL_MAC,
	S_TAP,
	S_ADDRESS,
	S_ROUTE_PINNING,
	S_USER,
	S_CONTROL,
	S_MAX
};

typedef struct {
	union {
		int64_t	 number;
		char	*string;
	} v;
	int lineno;
} YYSTYPE;

/* The %destructor below frees a string the parser drops on an error. */
#define YYDESTRUCT_DECL()	yydestruct(const char *msg __unused, \
				    int psymb, YYSTYPE *val)

int		 yylex(void);
int		 yyerror(const char *, ...)
		    __attribute__((__format__ (printf, 1, 2)));
int		 yyparse(void);

static int	 once(enum setting, const char *);
static int	 range(const char *, int64_t, int64_t, int64_t);
static int	 host_valid(const char *);
static void	 set_host(char *, size_t, const char *, const char *);
static void	 set_port(int64_t);
static void	 set_path(char *, size_t, const char *, const char *);
static void	 set_room(const char *);
static void	 set_secret(const char *);
static void	 set_ifname(char *, size_t, const char *, const char *);
static void	 set_user(const char *);
static void	 set_mac(const char *);
static void	 set_address(const char *);
static void	 final_checks(const char *);

static struct cfglex		*lx;
static struct clientd_conf	*conf;
static unsigned int		 seen;		/* enum setting bits */
static int			 errors;	/* besides cfglex's */
static int			 linetok;	/* tokens read on the line */
static int			 unknown;	/* it starts with a word */
static char			 firstword[64];	/* that word */
%}

%token	ADDRESS CA_CERTIFICATE CONTROL INCLUDE NO PORT RELAY ROOM
%token	ROUTE_PINNING SECRET SERVER_NAME TAP USER VIRTUAL_MAC YES ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.number>	number yesno
%destructor	{ free($$); } <v.string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar main '\n'
		| grammar error '\n'	{ yyerrok; }	/* report the next line too */
		;

include		: INCLUDE STRING {
			int	 rv;

			/* On YYERROR the %destructor frees what is left. */
			rv = cfglex_include(lx, $2);
			if (rv == -1)
				YYERROR;
			free($2);
		}
		;

varset		: STRING '=' STRING {
			int	 rv;

			rv = cfglex_macro_set(lx, $1, $3, 0);
			if (rv == -1)
				YYERROR;
			free($1);
			free($3);
		}
		| STRING '=' NUMBER {
			char	 buf[32];
			int	 rv;

			snprintf(buf, sizeof(buf), "%lld", (long long)$3);
			rv = cfglex_macro_set(lx, $1, buf, 0);
			if (rv == -1)
				YYERROR;
			free($1);
		}
		;

/* A number where one is expected; -1 (out of every range) if not. */
number		: NUMBER
		| STRING {
			yyerror("\"%s\" is not a number", $1);
			free($1);
			$$ = -1;
		}
		;

yesno		: YES			{ $$ = 1; }
		| NO			{ $$ = 0; }
		| STRING {
			yyerror("\"%s\": expected yes or no", $1);
			free($1);
			$$ = -1;
		}
		;

main		: RELAY STRING {
			if (once(S_RELAY, "relay") == 0)
				set_host(conf->relay, sizeof(conf->relay),
				    "relay", $2);
			free($2);
		}
		| RELAY STRING PORT number {
			if (once(S_RELAY, "relay") == 0)
				set_host(conf->relay, sizeof(conf->relay),
				    "relay", $2);
			set_port($4);
			free($2);
		}
		| PORT number {
			set_port($2);
		}
		| SERVER_NAME STRING {
			if (once(S_SERVER_NAME, "server-name") == 0)
				set_host(conf->server_name,
				    sizeof(conf->server_name), "server-name",
				    $2);
			free($2);
		}
		| CA_CERTIFICATE STRING {
			if (once(S_CA_CERTIFICATE, "ca-certificate") == 0)
				set_path(conf->ca_certificate,
				    sizeof(conf->ca_certificate),
				    "ca-certificate", $2);
			free($2);
		}
		| ROOM STRING {
			if (once(S_ROOM, "room") == 0)
				set_room($2);
			free($2);
		}
		| SECRET STRING {
			if (once(S_SECRET, "secret") == 0)
				set_secret($2);
			freezero($2, strlen($2));
		}
		| VIRTUAL_MAC STRING {
			if (once(S_VIRTUAL_MAC, "virtual-mac") == 0)
				set_mac($2);
			free($2);
		}
		| VIRTUAL_MAC NUMBER {
			if (once(S_VIRTUAL_MAC, "virtual-mac") == 0)
				yyerror("virtual-mac %lld: not a MAC address "
				    "(xx:xx:xx:xx:xx:xx)", (long long)$2);
		}
		| TAP STRING {
			if (once(S_TAP, "tap") == 0)
				set_ifname(conf->tap, sizeof(conf->tap), "tap",
				    $2);
			free($2);
		}
		| ADDRESS STRING {
			if (once(S_ADDRESS, "address") == 0)
				set_address($2);
			free($2);
		}
		| ROUTE_PINNING yesno {
			if (once(S_ROUTE_PINNING, "route-pinning") == 0 &&
			    $2 != -1)
				conf->pin_route = $2;
		}
		| USER STRING {
			if (once(S_USER, "user") == 0)
				set_user($2);
			free($2);
		}
		| CONTROL STRING {
			struct sockaddr_un	 sun;

			if (once(S_CONTROL, "control") == 0) {
				if (strlen($2) >= sizeof(sun.sun_path))
					yyerror("control \"%s\": longer than "
					    "%zu bytes", $2,
					    sizeof(sun.sun_path) - 1);
				else
					set_path(conf->control,
					    sizeof(conf->control), "control",
					    $2);
			}
			free($2);
		}
		;

%%

static const struct cfglex_kw keywords[] = {
	{ "address",		ADDRESS },
	{ "ca-certificate",	CA_CERTIFICATE },
	{ "control",		CONTROL },
	{ "include",		INCLUDE },
	{ "no",			NO },
	{ "port",		PORT },
	{ "relay",		RELAY },
	{ "room",		ROOM },
	{ "route-pinning",	ROUTE_PINNING },
	{ "secret",		SECRET },
	{ "server-name",	SERVER_NAME },
	{ "tap",		TAP },
	{ "user",		USER },
	{ "virtual-mac",	VIRTUAL_MAC },
	{ "yes",		YES },
};

static const struct cfglex_syntax syntax = {
	keywords, nitems(keywords), STRING, NUMBER, ERROR
};

int
yylex(void)
{
	int	 tok;

	tok = cfglex_next(lx, &yylval.v.string, &yylval.v.number);
	yylval.lineno = cfglex_lineno(lx);

	/*
	 * A line starting with a word that is not a keyword can only be a
	 * macro definition: if it is not, say so rather than "syntax error".
	 */
	if (tok == '\n')
		linetok = 0;
	else if (++linetok == 1) {
		unknown = tok == STRING;
		if (unknown)
			strlcpy(firstword, yylval.v.string, sizeof(firstword));
	} else if (linetok == 2 && tok == '=')
		unknown = 0;
	return (tok);
}

int
yyerror(const char *fmt, ...)
{
	va_list	 ap;

	if (unknown && strcmp(fmt, "syntax error") == 0) {
		cfglex_error(lx, "unknown keyword \"%s\"", firstword);
		return (0);
	}
	va_start(ap, fmt);
	cfglex_verror(lx, fmt, ap);
	va_end(ap);
	return (0);
}

/* Whether a setting is given for the first time; an error if not. */
static int
once(enum setting s, const char *kw)
{
	if (seen & (1U << s)) {
		yyerror("%s set twice", kw);
		return (-1);
	}
	seen |= 1U << s;
	return (0);
}

static int
range(const char *kw, int64_t n, int64_t min, int64_t max)
{
	if (n < min || n > max) {
		yyerror("%s %lld out of range %lld-%lld", kw, (long long)n,
		    (long long)min, (long long)max);
		return (-1);
	}
	return (0);
}

/*
 * An IPv4 or IPv6 literal, or a DNS name: dot-separated labels of 1-63
 * letters, digits, '-' and '_', not starting or ending with '-', with an
 * optional final dot.  Returns 1 if valid.
 */
static int
host_valid(const char *host)
{
	struct in_addr	 in;
	struct in6_addr	 in6;
	const char	*p;
	size_t		 label = 0;

	if (inet_pton(AF_INET, host, &in) == 1 ||
	    inet_pton(AF_INET6, host, &in6) == 1)
		return (1);
	if (host[0] == '\0' || strcmp(host, ".") == 0)
		return (0);
	for (p = host; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return (0);
		if (*p == '-' && label == 0)
			return (0);
		if (++label > 63)
			return (0);
	}
	return (label == 0 || p[-1] != '-');
}

static void
set_host(char *dst, size_t dstsz, const char *kw, const char *host)
{
	if (strlen(host) >= dstsz) {
		yyerror("%s: host name longer than %zu bytes", kw, dstsz - 1);
		return;
	}
	if (!host_valid(host)) {
		yyerror("%s \"%s\": not a host name or an IPv4 or IPv6 "
		    "address", kw, host);
		return;
	}
	strlcpy(dst, host, dstsz);
}

/* "port N" alone or after "relay HOST". */
static void
set_port(int64_t port)
{
	if (once(S_PORT, "port") == 0 && range("port", port, 1, 65535) == 0)
		conf->port = port;
}

static void
set_path(char *dst, size_t dstsz, const char *kw, const char *path)
{
	if (path[0] != '/') {
		yyerror("%s \"%s\": not an absolute path", kw, path);
		return;
	}
	if (strlcpy(dst, path, dstsz) >= dstsz) {
		dst[0] = '\0';
		yyerror("%s: path longer than %zu bytes", kw, dstsz - 1);
	}
}

static void
set_room(const char *name)
{
	if (!ctlmsg_room_valid(name)) {
		yyerror("room \"%s\": invalid name (1-%d characters of "
		    "A-Z a-z 0-9 _ -)", name, CTLMSG_ROOM_MAX);
		return;
	}
	/* ctlmsg_room_valid() bounds the length. */
	strlcpy(conf->room, name, sizeof(conf->room));
}

static void
set_secret(const char *secret)
{
	size_t	 len;

	len = strlen(secret);
	if (len == 0) {
		yyerror("empty secret");
		return;
	}
	if (len > CTLMSG_SECRET_MAX) {
		yyerror("secret longer than %d characters", CTLMSG_SECRET_MAX);
		return;
	}
	strlcpy(conf->secret, secret, sizeof(conf->secret));
}

/* What the kernel takes as a network interface name. */
static void
set_ifname(char *dst, size_t dstsz, const char *kw, const char *name)
{
	const char	*p;

	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		yyerror("%s \"%s\": invalid interface name", kw, name);
		return;
	}
	for (p = name; *p != '\0'; p++) {
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f) {
			yyerror("%s \"%s\": invalid interface name (no '/', "
			    "':', blanks or control characters)", kw, name);
			return;
		}
	}
	if (strlcpy(dst, name, dstsz) >= dstsz) {
		dst[0] = '\0';
		yyerror("%s \"%s\": longer than %zu bytes", kw, name,
		    dstsz - 1);
	}
}

static void
set_user(const char *name)
{
	const char	*p;

	if (name[0] == '\0' || name[0] == '-') {
		yyerror("user \"%s\": invalid user name", name);
		return;
	}
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.')) {
			yyerror("user \"%s\": invalid user name (letters, "
			    "digits, '_', '-' and '.' only)", name);
			return;
		}
	}
	if (strlcpy(conf->user, name, sizeof(conf->user)) >=
	    sizeof(conf->user)) {
		conf->user[0] = '\0';
		yyerror("user \"%s\": longer than %zu bytes", name,
		    sizeof(conf->user) - 1);
	}
}

static void
set_mac(const char *s)
{
	struct ether_mac	 mac;

	if (ether_mac_parse(s, &mac) == -1) {
		yyerror("virtual-mac \"%s\": not a MAC address "
		    "(xx:xx:xx:xx:xx:xx)", s);
		return;
	}
	/* The relay's check, explained. */
	if (!ether_mac_valid_client(&mac)) {
		if (ether_mac_is_zero(&mac))
			yyerror("virtual-mac %s: all zeros", s);
		else if (ether_mac_is_multicast(&mac))
			yyerror("virtual-mac %s: a multicast address (the "
			    "low bit of the first octet is set)", s);
		else
			yyerror("virtual-mac %s: not locally administered "
			    "(bit 0x02 of the first octet must be set, as in "
			    "02:...)", s);
		return;
	}
	conf->mac = mac;
	conf->mac_set = 1;
}

/* "ADDR/PREFIX": an address a host may have on the TAP. */
static void
set_address(const char *s)
{
	struct sockaddr_in	*sin;
	struct sockaddr_in6	*sin6;
	char			 buf[INET6_ADDRSTRLEN];
	const char		*slash, *errstr;
	size_t			 len;
	uint32_t		 a, mask;
	long long		 prefix;
	int			 maxprefix;

	if ((slash = strchr(s, '/')) == NULL) {
		yyerror("address \"%s\": expected address/prefix-length", s);
		return;
	}
	len = slash - s;
	if (len >= sizeof(buf)) {
		yyerror("address \"%s\": not an IPv4 or IPv6 address", s);
		return;
	}
	memcpy(buf, s, len);
	buf[len] = '\0';

	memset(&conf->addr, 0, sizeof(conf->addr));
	sin = (struct sockaddr_in *)&conf->addr;
	sin6 = (struct sockaddr_in6 *)&conf->addr;
	if (inet_pton(AF_INET, buf, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		maxprefix = 32;
	} else if (inet_pton(AF_INET6, buf, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		maxprefix = 128;
	} else {
		yyerror("address \"%s\": not an IPv4 or IPv6 address", s);
		return;
	}

	prefix = strtonum(slash + 1, 1, maxprefix, &errstr);
	if (errstr != NULL) {
		yyerror("address \"%s\": prefix length \"%s\" is %s "
		    "(1-%d)", s, slash + 1, errstr, maxprefix);
		return;
	}

	if (conf->addr.ss_family == AF_INET) {
		a = ntohl(sin->sin_addr.s_addr);
		mask = prefix == 32 ? 0xffffffff :
		    ~(0xffffffffU >> prefix);
		if (a == 0 || (a >> 24) == 127 || (a >> 28) == 0xe ||
		    a == 0xffffffff) {
			yyerror("address \"%s\": unspecified, loopback, "
			    "multicast or broadcast", s);
			return;
		}
		if (prefix <= 30 && ((a & ~mask) == 0 ||
		    (a & ~mask) == ~mask)) {
			yyerror("address \"%s\": the network or broadcast "
			    "address of its prefix", s);
			return;
		}
	} else {
		if (IN6_IS_ADDR_UNSPECIFIED(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_LOOPBACK(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_MULTICAST(&sin6->sin6_addr) ||
		    IN6_IS_ADDR_V4MAPPED(&sin6->sin6_addr)) {
			yyerror("address \"%s\": unspecified, loopback, "
			    "multicast or IPv4-mapped", s);
			return;
		}
	}
	conf->prefixlen = prefix;
	conf->addr_set = 1;
}

/* The required statements; one given with a bad value was reported. */
static void
final_checks(const char *path)
{
	static const struct {
		enum setting	 s;
		const char	*what;
	} required[] = {
		{ S_RELAY,		"relay" },
		{ S_CA_CERTIFICATE,	"ca-certificate" },
		{ S_ROOM,		"room" },
	};
	size_t	 i;

	for (i = 0; i < nitems(required); i++) {
		if (!(seen & (1U << required[i].s))) {
			log_warnx("%s: no %s statement (required)", path,
			    required[i].what);
			errors++;
		}
	}
	if (!(seen & (1U << S_SERVER_NAME)))
		strlcpy(conf->server_name, conf->relay,
		    sizeof(conf->server_name));
}

void
config_defaults(struct clientd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = CLIENTD_PORT;
	c->pin_route = 1;
	/* The defaults fit: clientd.h and the buffers are sized together. */
	strlcpy(c->tap, CLIENTD_TAP, sizeof(c->tap));
	strlcpy(c->user, CLIENTD_USER, sizeof(c->user));
	strlcpy(c->control, CLIENTD_SOCKET, sizeof(c->control));
}

struct clientd_conf *
parse_config(const char *path, char **defines, int ndefines)
{
	struct clientd_conf	*c;
	int			 i, nerr;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s", __func__);
	config_defaults(c);
	conf = c;
	seen = 0;
	errors = 0;
	linetok = 0;
	unknown = 0;

	lx = cfglex_new(&syntax);
	for (i = 0; i < ndefines; i++)
		cfglex_cmdline_macro(lx, defines[i]);
	if (cfglex_open(lx, path) == 0) {
		yyparse();
		final_checks(path);
	}
	cfglex_unused_macros(lx);
	nerr = cfglex_errors(lx) + errors;
	cfglex_free(lx);
	lx = NULL;
	conf = NULL;

	if (nerr > 0) {
		free_config(c);
		return (NULL);
	}
	return (c);
}

void
free_config(struct clientd_conf *c)
{
	if (c == NULL)
		return;
	freezero(c, sizeof(*c));
}
