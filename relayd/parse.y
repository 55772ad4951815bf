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
 * relayd.conf(5).  The lexer, include and macros are common/cfglex.c,
 * the checks the daemons' grammars share common/cfgcheck.c; this file is
 * the grammar and its own checks.  Every value is checked where it is
 * read and reported as "file:line: message"; parsing goes on after an
 * error so that one run reports every bad line.  What can only be checked
 * at the end (a certificate without its key, no certificate at all) is
 * reported with the line of the statement concerned.
 *
 * Decisions (documented in relayd.conf.5):
 *  - "listen on *" stands for two statements, 0.0.0.0 and ::, which is
 *    how -nv prints it; no listen statement at all means "listen on *
 *    port 443".  Addresses are literals: the parent resolves no names.
 *  - A global setting or a room option given twice is an error rather
 *    than "the last one wins".
 *  - File paths must be absolute: the daemon does not depend on the
 *    directory it was started from.
 *  - "broadcast-rate N" without "burst" gives a burst of 2 * N.
 */

%{
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <limits.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cfgcheck.h"
#include "cfglex.h"
#include "compat.h"
#include "log.h"
#include "mtu.h"
#include "relayd.h"
#include "wiremsg.h"

/* Bounds of the settings room.h leaves open (see relayd.conf.5). */
#define MAX_ROOMS_LIMIT		100000
#define MAX_PEERS_LIMIT		1000000
#define MAC_AGE_LIMIT		86400		/* seconds */
#define MAX_LEARNED_LIMIT	65536
#define BCAST_RATE_LIMIT	1000000		/* frames per second */
#define BCAST_BURST_LIMIT	(2 * BCAST_RATE_LIMIT)
#define RETRY_LIMIT		1000000
#define HANDSHAKES_LIMIT	65536
#define PER_SOURCE_LIMIT	65535

/* Settings that may be given once: bits of ck.seen. */
enum setting {
	S_CERTIFICATE,
	S_KEY,
	S_DEV_CERTIFICATE,
	S_RESET_SECRET,
	S_CONTROL,
	S_USER,
	S_OPEN_ROOMS,
	S_MTU,
	S_MAX_ROOMS,
	S_MAX_PEERS,
	S_MAX_CLIENTS,
	S_MAC_AGE,
	S_MAX_LEARNED,
	S_BROADCAST_RATE,
	S_RETRY_THRESHOLD,
	S_MAX_PER_SOURCE,
	S_MAX_HANDSHAKES,
	S_MAX
};

/* Where a statement was, for the checks made at the end. */
struct where {
	char	*file;
	int	 line;
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

static void	 listen_add(const char *, int64_t);
static void	 listen_one(const struct sockaddr *, socklen_t, const char *,
		    int64_t);
static void	 room_begin(const char *);
static void	 room_end(void);
static void	 where_set(struct where *);
static void	 where_free(struct where *);
static void	 where_error(const struct where *, const char *, ...)
		    __attribute__((__format__ (printf, 2, 3)));
static void	 final_checks(const char *);

static struct cfgcheck		 ck;
static struct relayd_conf	*conf;
static struct room_decl		*room;		/* being declared */
static int			 room_ok;	/* name valid and new */
static unsigned int		 room_seen;	/* its options */
static int			 errors;	/* besides cfglex's */
static struct where		 cert_at, key_at;
%}

%token	BROADCAST_RATE BURST CERTIFICATE CONTROL DEV_CERTIFICATE INCLUDE KEY
%token	LISTEN MAC_AGE MAX_CLIENTS MAX_HANDSHAKES MAX_LEARNED MAX_PEERS
%token	MAX_PER_SOURCE PER_SOURCE
%token	MAX_ROOMS MTU NO ON OPEN_ROOMS PORT RESET_SECRET RETRY_THRESHOLD ROOM
%token	SECRET USER YES ERROR
%token	<v.string>	STRING
%token	<v.number>	NUMBER
%type	<v.number>	number port burst persource yesno
%destructor	{ free($$); } <v.string>

%%

grammar		: /* empty */
		| grammar '\n'
		| grammar include '\n'
		| grammar varset '\n'
		| grammar main '\n'
		| grammar room '\n'
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

port		: /* empty */		{ $$ = RELAYD_PORT; }
		| PORT number {
			if (cfgcheck_range(&ck, "port", $2, 1, 65535) == -1)
				$$ = -1;
			else
				$$ = $2;
		}
		;

persource	: /* empty */		{ $$ = -1; }
		| PER_SOURCE number {
			if (cfgcheck_range(&ck, "per-source", $2, 1,
			    HANDSHAKES_LIMIT) == -1)
				$$ = -2;
			else
				$$ = $2;
		}
		;

burst		: /* empty */		{ $$ = -1; }
		| BURST number {
			if (cfgcheck_range(&ck, "burst", $2, 1,
			    BCAST_BURST_LIMIT) == -1)
				$$ = -2;
			else
				$$ = $2;
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

main		: LISTEN ON STRING port {
			listen_add($3, $4);
			free($3);
		}
		| CERTIFICATE STRING {
			if (cfgcheck_once(&ck, S_CERTIFICATE,
			    "certificate") == 0) {
				where_set(&cert_at);
				if (ck.seen & (1U << S_DEV_CERTIFICATE))
					yyerror("certificate and "
					    "dev-certificate cannot be used "
					    "together");
				cfgcheck_path(&ck, conf->certificate,
				    sizeof(conf->certificate), "certificate",
				    $2);
			}
			free($2);
		}
		| KEY STRING {
			if (cfgcheck_once(&ck, S_KEY, "key") == 0) {
				where_set(&key_at);
				if (ck.seen & (1U << S_DEV_CERTIFICATE))
					yyerror("key and dev-certificate "
					    "cannot be used together");
				cfgcheck_path(&ck, conf->key,
				    sizeof(conf->key), "key", $2);
			}
			free($2);
		}
		| DEV_CERTIFICATE STRING {
			if (cfgcheck_once(&ck, S_DEV_CERTIFICATE,
			    "dev-certificate") == 0) {
				if (ck.seen & (1U << S_CERTIFICATE |
				    1U << S_KEY))
					yyerror("dev-certificate cannot be "
					    "used with certificate and key");
				cfgcheck_path(&ck, conf->dev_certificate,
				    sizeof(conf->dev_certificate),
				    "dev-certificate", $2);
			}
			free($2);
		}
		| RESET_SECRET STRING {
			if (cfgcheck_once(&ck, S_RESET_SECRET,
			    "reset-secret") == 0)
				cfgcheck_path(&ck, conf->reset_secret,
				    sizeof(conf->reset_secret),
				    "reset-secret", $2);
			free($2);
		}
		| CONTROL STRING {
			if (cfgcheck_once(&ck, S_CONTROL, "control") == 0)
				cfgcheck_socket(&ck, conf->control,
				    sizeof(conf->control), "control", $2);
			free($2);
		}
		| USER STRING {
			if (cfgcheck_once(&ck, S_USER, "user") == 0)
				cfgcheck_user(&ck, conf->user,
				    sizeof(conf->user), $2);
			free($2);
		}
		| OPEN_ROOMS yesno {
			if (cfgcheck_once(&ck, S_OPEN_ROOMS,
			    "open-rooms") == 0 && $2 != -1)
				conf->rc.open_rooms = $2;
		}
		| MTU number {
			if (cfgcheck_once(&ck, S_MTU, "mtu") == 0 &&
			    cfgcheck_range(&ck, "mtu", $2, MTU_ROOM_MIN,
			    MTU_ROOM_MAX) == 0)
				conf->rc.mtu = $2;
		}
		| MAX_ROOMS number {
			if (cfgcheck_once(&ck, S_MAX_ROOMS, "max-rooms") == 0 &&
			    cfgcheck_range(&ck, "max-rooms", $2, 1,
			    MAX_ROOMS_LIMIT) == 0)
				conf->rc.max_rooms = $2;
		}
		| MAX_PEERS number {
			if (cfgcheck_once(&ck, S_MAX_PEERS, "max-peers") == 0 &&
			    cfgcheck_range(&ck, "max-peers", $2, 1,
			    MAX_PEERS_LIMIT) == 0)
				conf->rc.max_peers = $2;
		}
		| MAX_CLIENTS number {
			if (cfgcheck_once(&ck, S_MAX_CLIENTS,
			    "max-clients") == 0 &&
			    cfgcheck_range(&ck, "max-clients", $2, 1,
			    WIREMSG_MAX_PEERS) == 0)
				conf->rc.max_clients = $2;
		}
		| MAC_AGE number {
			if (cfgcheck_once(&ck, S_MAC_AGE, "mac-age") == 0 &&
			    cfgcheck_range(&ck, "mac-age", $2, 1,
			    MAC_AGE_LIMIT) == 0)
				conf->rc.mac_age = (uint64_t)$2 * 1000;
		}
		| MAX_LEARNED number {
			if (cfgcheck_once(&ck, S_MAX_LEARNED,
			    "max-learned") == 0 &&
			    cfgcheck_range(&ck, "max-learned", $2, 1,
			    MAX_LEARNED_LIMIT) == 0)
				conf->rc.max_learned = $2;
		}
		| BROADCAST_RATE number burst {
			if (cfgcheck_once(&ck, S_BROADCAST_RATE,
			    "broadcast-rate") == 0 &&
			    cfgcheck_range(&ck, "broadcast-rate", $2, 0,
			    BCAST_RATE_LIMIT) == 0 && $3 != -2) {
				if ($2 == 0 && $3 != -1)
					yyerror("broadcast-rate 0 (no limit) "
					    "takes no burst");
				else {
					conf->rc.bcast_rate = $2;
					if ($2 == 0)
						conf->rc.bcast_burst = 0;
					else if ($3 == -1)
						conf->rc.bcast_burst = 2 * $2;
					else
						conf->rc.bcast_burst = $3;
				}
			}
		}
		| RETRY_THRESHOLD number {
			if (cfgcheck_once(&ck, S_RETRY_THRESHOLD,
			    "retry-threshold") == 0 &&
			    cfgcheck_range(&ck, "retry-threshold", $2, 0,
			    RETRY_LIMIT) == 0)
				conf->retry_threshold = $2;
		}
		| MAX_PER_SOURCE number {
			if (cfgcheck_once(&ck, S_MAX_PER_SOURCE,
			    "max-per-source") == 0 &&
			    cfgcheck_range(&ck, "max-per-source", $2, 1,
			    PER_SOURCE_LIMIT) == 0)
				conf->max_per_source = $2;
		}
		| MAX_HANDSHAKES number persource {
			if (cfgcheck_once(&ck, S_MAX_HANDSHAKES,
			    "max-handshakes") == 0 &&
			    cfgcheck_range(&ck, "max-handshakes", $2, 1,
			    HANDSHAKES_LIMIT) == 0 && $3 != -2) {
				if ($3 > $2)
					yyerror("max-handshakes %lld "
					    "per-source %lld: more per source "
					    "than in all", (long long)$2,
					    (long long)$3);
				else {
					conf->max_handshakes = $2;
					if ($3 != -1)
						conf->hs_per_source = $3;
					else if ($2 < RELAYD_HS_PER_SOURCE)
						conf->hs_per_source = $2;
					else
						conf->hs_per_source =
						    RELAYD_HS_PER_SOURCE;
				}
			}
		}
		;

room		: ROOM STRING {
			room_begin($2);
		} optnl '{' roomopts '}' {
			/* Freed here: a syntax error in between leaves it. */
			free($2);
			room_end();
		}
		;

roomopts	: /* empty */
		| roomopts roomopt
		| roomopts '\n'
		| roomopts error '\n'	{ yyerrok; }
		;

roomopt		: SECRET STRING {
			if (room_seen & 1)
				yyerror("room \"%s\": secret set twice",
				    room->name);
			else
				cfgcheck_secret(&ck, room->secret,
				    sizeof(room->secret), room->name, $2);
			room_seen |= 1;
			freezero($2, strlen($2));
		}
		| MTU number {
			if (room_seen & 2)
				yyerror("room \"%s\": mtu set twice",
				    room->name);
			else if (cfgcheck_range(&ck, "mtu", $2, MTU_ROOM_MIN,
			    MTU_ROOM_MAX) == 0)
				room->mtu = $2;
			room_seen |= 2;
		}
		| MAX_CLIENTS number {
			if (room_seen & 4)
				yyerror("room \"%s\": max-clients set twice",
				    room->name);
			else if (cfgcheck_range(&ck, "max-clients", $2, 1,
			    WIREMSG_MAX_PEERS) == 0)
				room->max_clients = $2;
			room_seen |= 4;
		}
		;

optnl		: /* empty */
		| optnl '\n'
		;

%%

static const struct cfglex_kw keywords[] = {
	{ "broadcast-rate",	BROADCAST_RATE },
	{ "burst",		BURST },
	{ "certificate",	CERTIFICATE },
	{ "control",		CONTROL },
	{ "dev-certificate",	DEV_CERTIFICATE },
	{ "include",		INCLUDE },
	{ "key",		KEY },
	{ "listen",		LISTEN },
	{ "mac-age",		MAC_AGE },
	{ "max-clients",	MAX_CLIENTS },
	{ "max-handshakes",	MAX_HANDSHAKES },
	{ "max-learned",	MAX_LEARNED },
	{ "max-peers",		MAX_PEERS },
	{ "max-per-source",	MAX_PER_SOURCE },
	{ "max-rooms",		MAX_ROOMS },
	{ "mtu",		MTU },
	{ "no",			NO },
	{ "on",			ON },
	{ "open-rooms",		OPEN_ROOMS },
	{ "per-source",		PER_SOURCE },
	{ "port",		PORT },
	{ "reset-secret",	RESET_SECRET },
	{ "retry-threshold",	RETRY_THRESHOLD },
	{ "room",		ROOM },
	{ "secret",		SECRET },
	{ "user",		USER },
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

/* "listen on ADDRESS port N"; port is -1 after an error. */
static void
listen_add(const char *addr, int64_t port)
{
	struct sockaddr_in	 sin;
	struct sockaddr_in6	 sin6;
	struct addrinfo		 hints, *res;
	int			 rv;

	if (port == -1)
		return;
	if (strcmp(addr, "*") == 0) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_addr.s_addr = htonl(INADDR_ANY);
		listen_one((struct sockaddr *)&sin, sizeof(sin), "0.0.0.0",
		    port);
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_addr = in6addr_any;
		listen_one((struct sockaddr *)&sin6, sizeof(sin6), "::",
		    port);
		return;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_DGRAM;
	hints.ai_flags = AI_NUMERICHOST | AI_PASSIVE;
	if ((rv = getaddrinfo(addr, NULL, &hints, &res)) != 0) {
		yyerror("listen on %s: not an IPv4 or IPv6 address", addr);
		return;
	}
	if (res->ai_addrlen > sizeof(struct sockaddr_storage))
		yyerror("listen on %s: address too long", addr);
	else
		listen_one(res->ai_addr, res->ai_addrlen, addr, port);
	freeaddrinfo(res);
}

static void
listen_one(const struct sockaddr *sa, socklen_t salen, const char *addr,
    int64_t port)
{
	struct listen_addr	*la, *l;
	int			 n = 0;

	if ((la = calloc(1, sizeof(*la))) == NULL)
		fatal("%s", __func__);
	memcpy(&la->ss, sa, salen);
	la->sslen = salen;
	if (sa->sa_family == AF_INET)
		((struct sockaddr_in *)&la->ss)->sin_port = htons(port);
	else
		((struct sockaddr_in6 *)&la->ss)->sin6_port = htons(port);

	TAILQ_FOREACH(l, &conf->listens, entry) {
		n++;
		if (l->sslen == la->sslen &&
		    memcmp(&l->ss, &la->ss, la->sslen) == 0) {
			yyerror("listen on %s port %lld: given twice", addr,
			    (long long)port);
			free(la);
			return;
		}
	}
	if (n >= RELAYD_MAX_LISTEN) {
		yyerror("listen on %s: more than %d listening addresses",
		    addr, RELAYD_MAX_LISTEN);
		free(la);
		return;
	}
	TAILQ_INSERT_TAIL(&conf->listens, la, entry);
}

static void
room_begin(const char *name)
{
	struct room_decl	*r;

	/* One a syntax error left behind. */
	if (room != NULL)
		freezero(room, sizeof(*room));
	if ((room = calloc(1, sizeof(*room))) == NULL)
		fatal("%s", __func__);
	room_seen = 0;
	room_ok = 0;
	if (cfgcheck_room(&ck, room->name, sizeof(room->name), name) == -1) {
		/* For the messages about its options. */
		snprintf(room->name, sizeof(room->name), "%s", name);
		return;
	}
	TAILQ_FOREACH(r, &conf->rooms, entry) {
		if (strcmp(r->name, name) == 0) {
			yyerror("room \"%s\": declared twice", name);
			return;
		}
	}
	room_ok = 1;
}

static void
room_end(void)
{
	if (room == NULL)
		return;
	if (room_ok)
		TAILQ_INSERT_TAIL(&conf->rooms, room, entry);
	else
		freezero(room, sizeof(*room));
	room = NULL;
}

static void
where_set(struct where *w)
{
	where_free(w);
	if ((w->file = strdup(cfglex_filename(ck.lx))) == NULL)
		fatal("%s", __func__);
	w->line = cfglex_lineno(ck.lx);
}

static void
where_free(struct where *w)
{
	free(w->file);
	w->file = NULL;
	w->line = 0;
}

static void
where_error(const struct where *w, const char *fmt, ...)
{
	va_list	 ap;
	char	 msg[1024];

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_warnx("%s:%d: %s", w->file, w->line, msg);
	errors++;
}

/* What only the whole file can tell. */
static void
final_checks(const char *path)
{
	if (conf->certificate[0] != '\0' && conf->key[0] == '\0' &&
	    !(ck.seen & (1U << S_KEY)))
		where_error(&cert_at, "certificate without key");
	if (conf->key[0] != '\0' && conf->certificate[0] == '\0' &&
	    !(ck.seen & (1U << S_CERTIFICATE)))
		where_error(&key_at, "key without certificate");
	if (!(ck.seen & (1U << S_CERTIFICATE | 1U << S_KEY |
	    1U << S_DEV_CERTIFICATE))) {
		log_warnx("%s: no certificate: certificate and key, or "
		    "dev-certificate, are required", path);
		errors++;
	}
}

void
config_defaults(struct relayd_conf *c)
{
	memset(c, 0, sizeof(*c));
	TAILQ_INIT(&c->listens);
	TAILQ_INIT(&c->rooms);
	relay_conf_init(&c->rc);
	/* The defaults fit: relayd.h and the buffers are sized together. */
	strlcpy(c->reset_secret, RELAYD_RESET_SECRET, sizeof(c->reset_secret));
	strlcpy(c->control, RELAYD_SOCKET, sizeof(c->control));
	strlcpy(c->user, RELAYD_USER, sizeof(c->user));
	c->retry_threshold = RELAYD_RETRY_THRESHOLD;
	c->max_per_source = RELAYD_MAX_PER_SOURCE;
	c->max_handshakes = RELAYD_MAX_HANDSHAKES;
	c->hs_per_source = RELAYD_HS_PER_SOURCE;
}

struct relayd_conf *
parse_config(const char *path, char **defines, int ndefines)
{
	struct relayd_conf	*c;
	int			 nerr;

	if ((c = calloc(1, sizeof(*c))) == NULL)
		fatal("%s", __func__);
	config_defaults(c);
	conf = c;
	room = NULL;
	errors = 0;

	if (cfgcheck_open(&ck, &syntax, path, defines, ndefines) == 0) {
		yyparse();
		/* A room left open by a syntax error. */
		if (room != NULL) {
			freezero(room, sizeof(*room));
			room = NULL;
		}
		if (TAILQ_EMPTY(&c->listens))
			listen_add("*", RELAYD_PORT);
		final_checks(path);
	}
	nerr = cfgcheck_close(&ck) + errors;
	conf = NULL;
	where_free(&cert_at);
	where_free(&key_at);

	if (nerr > 0) {
		free_config(c);
		return (NULL);
	}
	return (c);
}

void
free_config(struct relayd_conf *c)
{
	struct listen_addr	*la;
	struct room_decl	*r;

	if (c == NULL)
		return;
	while ((la = TAILQ_FIRST(&c->listens)) != NULL) {
		TAILQ_REMOVE(&c->listens, la, entry);
		free(la);
	}
	while ((r = TAILQ_FIRST(&c->rooms)) != NULL) {
		TAILQ_REMOVE(&c->rooms, r, entry);
		freezero(r, sizeof(*r));
	}
	freezero(c, sizeof(*c));
}
