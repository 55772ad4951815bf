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
 * clientd.conf(5).  The lexer, include and macros are common/cfglex.c,
 * the checks the daemons' grammars share common/cfgcheck.c; this file is
 * the grammar and its own checks, in the manner of relayd's.
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
 *  - File paths must be absolute (cfglex_path_absolute(): on Windows
 *    "C:\dir\file", "C:/dir/file", "\\server\share\file" or "\dir\file").
 *  - virtual-mac must be a MAC a client may use (unicast, non-zero,
 *    locally administered); without it the parent derives one from the
 *    machine id (clientconf.h) at start, which the parser cannot know.
 *  - "address ADDR/PREFIX" takes an IPv4 or IPv6 literal and a prefix
 *    length that leaves room for hosts (1-32 or 1-128); the address may
 *    not be unspecified, loopback, multicast or, for IPv4, the broadcast
 *    address or the network address of its prefix.
 *
 * The same grammar builds on Windows (clientconf.h), where three values
 * mean something else:
 *  - "tap" is the adapter's connection name (ncpa.cpl), 1 to 255 bytes
 *    without control characters, or its GUID in braces, checked for form
 *    if the value starts with '{'.
 *  - "control" is the control pipe's name, \\.\pipe\NAME, up to the 256
 *    characters Windows allows.
 *  - "user" has no meaning (no chroot, no user switch): it is parsed and
 *    checked as on Linux, so that one file may serve both, and draws a
 *    warning, "file:line: user is not used on Windows", not an error.
 */

%{
#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <ctype.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgcheck.h"
#include "cfglex.h"
#include "clientconf.h"
#include "compat.h"
#include "ether.h"
#include "log.h"
#include "mssclamp.h"
#include "wiremsg.h"

#ifdef _WIN32
#define PIPE_PREFIX	"\\\\.\\pipe\\"
#define PIPE_NAME_MAX	256	/* Windows' limit, with the prefix */
/* <wingdi.h>'s, through <sys/socket.h>: the token below is ours. */
#undef ERROR
#endif

/* Settings that may be given once: bits of ck.seen. */
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
	S_MSS_CLAMP,
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
		    __printflike(1, 2);
int		 yyparse(void);

static void	 set_mac(const char *);
static void	 set_tap(const char *);
static void	 set_address(const char *);
static void	 set_user(const char *);
static void	 set_control(const char *);
static void	 final_checks(const char *);
#ifdef _WIN32
static int	 guid_braced_valid(const char *);
#endif

static struct cfgcheck		 ck;
static struct clientd_conf	*conf;
static int			 errors;	/* besides cfglex's */
%}

%token	ADDRESS CA_CERTIFICATE CONTROL INCLUDE NO PORT RELAY ROOM
%token	MSS_CLAMP
%token	ROUTE_PINNING SECRET SERVER_NAME TAP USER VIRTUAL_MAC YES ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.number>	number yesno mssclamp
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
			rv = cfglex_include(ck.lx, $2);
			if (rv == -1)
				YYERROR;
			free($2);
		}
		;

varset		: STRING '=' STRING {
			int	 rv;

			rv = cfglex_macro_set(ck.lx, $1, $3, 0);
			if (rv == -1)
				YYERROR;
			free($1);
			free($3);
		}
		| STRING '=' NUMBER {
			char	 buf[32];
			int	 rv;

			snprintf(buf, sizeof(buf), "%lld", (long long)$3);
			rv = cfglex_macro_set(ck.lx, $1, buf, 0);
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

/* mss-clamp auto | no | N; -1 (reported) if none of them. */
mssclamp	: NO			{ $$ = MSSCLAMP_OFF; }
		| NUMBER {
			if (cfgcheck_range(&ck, "mss-clamp", $1, MSSCLAMP_MIN,
			    MSSCLAMP_MAX) == 0)
				$$ = $1;
			else
				$$ = -1;
		}
		| YES {
			yyerror("\"yes\": expected auto, no or %d-%d",
			    MSSCLAMP_MIN, MSSCLAMP_MAX);
			$$ = -1;
		}
		| STRING {
			if (strcmp($1, "auto") == 0)
				$$ = MSSCLAMP_AUTO;
			else {
				yyerror("\"%s\": expected auto, no or %d-%d",
				    $1, MSSCLAMP_MIN, MSSCLAMP_MAX);
				$$ = -1;
			}
			free($1);
		}
		;

main		: RELAY STRING {
			if (cfgcheck_once(&ck, S_RELAY, "relay") == 0)
				cfgcheck_host(&ck, conf->relay,
				    sizeof(conf->relay), "relay", $2);
			free($2);
		}
		| RELAY STRING PORT number {
			if (cfgcheck_once(&ck, S_RELAY, "relay") == 0)
				cfgcheck_host(&ck, conf->relay,
				    sizeof(conf->relay), "relay", $2);
			cfgcheck_port(&ck, S_PORT, $4, &conf->port);
			free($2);
		}
		| PORT number {
			cfgcheck_port(&ck, S_PORT, $2, &conf->port);
		}
		| SERVER_NAME STRING {
			if (cfgcheck_once(&ck, S_SERVER_NAME,
			    "server-name") == 0)
				cfgcheck_host(&ck, conf->server_name,
				    sizeof(conf->server_name), "server-name",
				    $2);
			free($2);
		}
		| CA_CERTIFICATE STRING {
			if (cfgcheck_once(&ck, S_CA_CERTIFICATE,
			    "ca-certificate") == 0)
				cfgcheck_path(&ck, conf->ca_certificate,
				    sizeof(conf->ca_certificate),
				    "ca-certificate", $2);
			free($2);
		}
		| ROOM STRING {
			if (cfgcheck_once(&ck, S_ROOM, "room") == 0)
				(void)cfgcheck_room(&ck, conf->room,
				    sizeof(conf->room), $2);
			free($2);
		}
		| SECRET STRING {
			if (cfgcheck_once(&ck, S_SECRET, "secret") == 0)
				cfgcheck_secret(&ck, conf->secret,
				    sizeof(conf->secret), NULL, $2);
			freezero($2, strlen($2));
		}
		| VIRTUAL_MAC STRING {
			if (cfgcheck_once(&ck, S_VIRTUAL_MAC,
			    "virtual-mac") == 0)
				set_mac($2);
			free($2);
		}
		| VIRTUAL_MAC NUMBER {
			if (cfgcheck_once(&ck, S_VIRTUAL_MAC,
			    "virtual-mac") == 0)
				yyerror("virtual-mac %lld: not a MAC address "
				    "(xx:xx:xx:xx:xx:xx)", (long long)$2);
		}
		| TAP STRING {
			if (cfgcheck_once(&ck, S_TAP, "tap") == 0)
				set_tap($2);
			free($2);
		}
		| ADDRESS STRING {
			if (cfgcheck_once(&ck, S_ADDRESS, "address") == 0)
				set_address($2);
			free($2);
		}
		| ROUTE_PINNING yesno {
			if (cfgcheck_once(&ck, S_ROUTE_PINNING,
			    "route-pinning") == 0 && $2 != -1)
				conf->pin_route = $2;
		}
		| MSS_CLAMP mssclamp {
			if (cfgcheck_once(&ck, S_MSS_CLAMP, "mss-clamp") == 0 &&
			    $2 != -1)
				conf->mss_clamp = $2;
		}
		| USER STRING {
			if (cfgcheck_once(&ck, S_USER, "user") == 0)
				set_user($2);
			free($2);
		}
		| CONTROL STRING {
			if (cfgcheck_once(&ck, S_CONTROL, "control") == 0)
				set_control($2);
			free($2);
		}
		;

%%

static const struct cfglex_kw keywords[] = {
	{ "address",		ADDRESS },
	{ "ca-certificate",	CA_CERTIFICATE },
	{ "control",		CONTROL },
	{ "include",		INCLUDE },
	{ "mss-clamp",		MSS_CLAMP },
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
	return (cfgcheck_lex(&ck, &yylval.v.string, &yylval.v.number,
	    &yylval.lineno));
}

int
yyerror(const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cfgcheck_verror(&ck, fmt, ap);
	va_end(ap);
	return (0);
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

#ifdef _WIN32
/* "{xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx}", an adapter's GUID. */
static int
guid_braced_valid(const char *s)
{
	size_t	 i;

	if (strlen(s) != 38 || s[0] != '{' || s[37] != '}')
		return (0);
	for (i = 1; i < 37; i++) {
		if (i == 9 || i == 14 || i == 19 || i == 24) {
			if (s[i] != '-')
				return (0);
		} else if (!isxdigit((unsigned char)s[i]))
			return (0);
	}
	return (1);
}
#endif

/*
 * The TAP: on Linux an interface name; on Windows the adapter's
 * connection name or its GUID (see the top of the file).
 */
static void
set_tap(const char *s)
{
#ifdef _WIN32
	const char	*p;

	if (*s == '\0') {
		yyerror("tap \"\": empty adapter name");
		return;
	}
	if (strlen(s) >= sizeof(conf->tap)) {
		yyerror("tap: adapter name longer than %zu bytes",
		    sizeof(conf->tap) - 1);
		return;
	}
	for (p = s; *p != '\0'; p++) {
		if ((unsigned char)*p < ' ' || *p == 0x7f) {
			yyerror("tap \"%s\": control character in the adapter "
			    "name", s);
			return;
		}
	}
	if (s[0] == '{' && !guid_braced_valid(s)) {
		yyerror("tap \"%s\": not a GUID "
		    "({xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx})", s);
		return;
	}
	(void)strlcpy(conf->tap, s, sizeof(conf->tap));
#else
	cfgcheck_ifname(&ck, conf->tap, sizeof(conf->tap), "tap", s);
#endif
}

/* The child's user on Linux; on Windows checked the same, then unused. */
static void
set_user(const char *s)
{
	cfgcheck_user(&ck, conf->user, sizeof(conf->user), s);
#ifdef _WIN32
	/* A warning, not counted: the file stays good. */
	log_warnx("%s:%d: user is not used on Windows",
	    cfglex_filename(ck.lx), cfglex_lineno(ck.lx));
#endif
}

/*
 * The control socket's path on Linux; on Windows the control pipe's
 * name, \\.\pipe\NAME, NAME without '\', 256 characters at most.
 */
static void
set_control(const char *s)
{
#ifdef _WIN32
	size_t	 plen = strlen(PIPE_PREFIX);

	if (strlen(s) <= plen || strncasecmp(s, PIPE_PREFIX, plen) != 0 ||
	    strchr(s + plen, '\\') != NULL) {
		yyerror("control \"%s\": not a pipe name (%sNAME, in "
		    "quotes \"\\\\\\\\.\\\\pipe\\\\NAME\")", s, PIPE_PREFIX);
		return;
	}
	if (strlen(s) > PIPE_NAME_MAX ||
	    strlcpy(conf->control, s, sizeof(conf->control)) >=
	    sizeof(conf->control)) {
		conf->control[0] = '\0';
		yyerror("control: pipe name longer than %d characters",
		    PIPE_NAME_MAX);
		return;
	}
#else
	cfgcheck_socket(&ck, conf->control, sizeof(conf->control), "control",
	    s);
#endif
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
		if (!(ck.seen & (1U << required[i].s))) {
			log_warnx("%s: no %s statement (required)", path,
			    required[i].what);
			errors++;
		}
	}
	if (!(ck.seen & (1U << S_SERVER_NAME)))
		strlcpy(conf->server_name, conf->relay,
		    sizeof(conf->server_name));
}

void
config_defaults(struct clientd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = CLIENTD_PORT;
	c->pin_route = 1;
	c->mss_clamp = MSSCLAMP_DEFAULT;
	/* The defaults fit: clientd.h and the buffers are sized together. */
	strlcpy(c->tap, CLIENTD_TAP, sizeof(c->tap));
	strlcpy(c->user, CLIENTD_USER, sizeof(c->user));
	strlcpy(c->control, CLIENTD_SOCKET, sizeof(c->control));
}

struct clientd_conf *
parse_config(const char *path, char **defines, int ndefines)
{
	struct clientd_conf	*c;
	int			 nerr;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s", __func__);
	config_defaults(c);
	conf = c;
	errors = 0;

	if (cfgcheck_open(&ck, &syntax, path, defines, ndefines) == 0) {
		yyparse();
		final_checks(path);
	}
	nerr = cfgcheck_close(&ck) + errors;
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
