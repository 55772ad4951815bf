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
 * gatewayd.conf(5).  The lexer, include and macros are common/cfglex.c,
 * the checks the daemons' grammars share common/cfgcheck.c; this file is
 * the grammar and its own checks, in the manner of relayd's.
 * Every value is checked where it is read and reported as
 * "file:line: message"; parsing goes on after an error so that one run
 * reports every bad line.  A required statement that is missing is
 * reported at the end, with the file name.
 *
 * Decisions (documented in gatewayd.conf.5):
 *  - "relay HOST" takes an optional "port N"; "port N" may also stand
 *    alone.  The host is a DNS name or an address literal, checked for
 *    form only: the parent resolves it at start.
 *  - server-name defaults to the relay host; the parsed configuration
 *    holds it explicitly, so the daemon need not know the rule.
 *  - A setting given twice is an error rather than "the last one wins".
 *  - File paths must be absolute.
 */

%{
#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgcheck.h"
#include "cfglex.h"
#include "compat.h"
#include "gatewayd.h"
#include "log.h"
#include "mssclamp.h"
#include "wiremsg.h"

#define CAM_REFRESH_SEC_MIN	1		/* seconds */
#define CAM_REFRESH_SEC_MAX	3600

/* Settings that may be given once: bits of ck.seen. */
enum setting {
	S_RELAY,
	S_PORT,
	S_SERVER_NAME,
	S_CA_CERTIFICATE,
	S_ROOM,
	S_SECRET,
	S_INTERFACE,
	S_CAM_REFRESH,
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
		    __attribute__((__format__ (printf, 1, 2)));
int		 yyparse(void);

static void	 final_checks(const char *);

static struct cfgcheck		 ck;
static struct gatewayd_conf	*conf;
static int			 errors;	/* besides cfglex's */
%}

%token	CA_CERTIFICATE CAM_REFRESH CONTROL INCLUDE INTERFACE PORT RELAY
%token	MSS_CLAMP ROOM SECRET SERVER_NAME USER ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.number>	number mssclamp
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

/*
 * mss-clamp auto | no | N; -1 (reported) if none of them.  "auto" and
 * "no" are words, not keywords: they stay usable as names elsewhere.
 */
mssclamp	: NUMBER {
			if (cfgcheck_range(&ck, "mss-clamp", $1, MSSCLAMP_MIN,
			    MSSCLAMP_MAX) == 0)
				$$ = $1;
			else
				$$ = -1;
		}
		| STRING {
			if (strcmp($1, "auto") == 0)
				$$ = MSSCLAMP_AUTO;
			else if (strcmp($1, "no") == 0)
				$$ = MSSCLAMP_OFF;
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
		| INTERFACE STRING {
			if (cfgcheck_once(&ck, S_INTERFACE, "interface") == 0)
				cfgcheck_ifname(&ck, conf->interface,
				    sizeof(conf->interface), "interface", $2);
			free($2);
		}
		| MSS_CLAMP mssclamp {
			if (cfgcheck_once(&ck, S_MSS_CLAMP, "mss-clamp") == 0 &&
			    $2 != -1)
				conf->mss_clamp = $2;
		}
		| CAM_REFRESH number {
			if (cfgcheck_once(&ck, S_CAM_REFRESH,
			    "cam-refresh") == 0 &&
			    cfgcheck_range(&ck, "cam-refresh", $2,
			    CAM_REFRESH_SEC_MIN, CAM_REFRESH_SEC_MAX) == 0)
				conf->cam_refresh = $2;
		}
		| USER STRING {
			if (cfgcheck_once(&ck, S_USER, "user") == 0)
				cfgcheck_user(&ck, conf->user,
				    sizeof(conf->user), $2);
			free($2);
		}
		| CONTROL STRING {
			if (cfgcheck_once(&ck, S_CONTROL, "control") == 0)
				cfgcheck_socket(&ck, conf->control,
				    sizeof(conf->control), "control", $2);
			free($2);
		}
		;

%%

static const struct cfglex_kw keywords[] = {
	{ "ca-certificate",	CA_CERTIFICATE },
	{ "cam-refresh",	CAM_REFRESH },
	{ "control",		CONTROL },
	{ "include",		INCLUDE },
	{ "interface",		INTERFACE },
	{ "mss-clamp",		MSS_CLAMP },
	{ "port",		PORT },
	{ "relay",		RELAY },
	{ "room",		ROOM },
	{ "secret",		SECRET },
	{ "server-name",	SERVER_NAME },
	{ "user",		USER },
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
		{ S_INTERFACE,		"interface" },
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
config_defaults(struct gatewayd_conf *c)
{
	memset(c, 0, sizeof(*c));
	c->port = GATEWAYD_PORT;
	c->cam_refresh = GATEWAYD_CAM_REFRESH;
	c->mss_clamp = MSSCLAMP_DEFAULT;
	/* The defaults fit: gatewayd.h and the buffers are sized together. */
	strlcpy(c->user, GATEWAYD_USER, sizeof(c->user));
	strlcpy(c->control, GATEWAYD_SOCKET, sizeof(c->control));
}

struct gatewayd_conf *
parse_config(const char *path, char **defines, int ndefines)
{
	struct gatewayd_conf	*c;
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
free_config(struct gatewayd_conf *c)
{
	if (c == NULL)
		return;
	freezero(c, sizeof(*c));
}
