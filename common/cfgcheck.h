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

#ifndef SOFTLAN_CFGCHECK_H
#define SOFTLAN_CFGCHECK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/*
 * What the daemons' grammars share besides the lexer (common/cfglex.c):
 * the glue between byacc and the lexer, the checks of the values their
 * statements take, and the quoting their -nv printers use.
 *
 * A grammar keeps one struct cfgcheck and wraps it in byacc's functions:
 *
 *	static struct cfgcheck	 ck;
 *
 *	int
 *	yylex(void)
 *	{
 *		return (cfgcheck_lex(&ck, &yylval.v.string,
 *		    &yylval.v.number, &yylval.lineno));
 *	}
 *
 *	int
 *	yyerror(const char *fmt, ...)
 *	{
 *		(va_list through to cfgcheck_verror(&ck, fmt, ap))
 *		return (0);
 *	}
 *
 *	parse_config():
 *		if (cfgcheck_open(&ck, &syntax, path, defines, n) == 0) {
 *			yyparse();
 *			(checks of the whole file)
 *		}
 *		errors = cfgcheck_close(&ck);
 *
 * A line (or a block after its '{') that starts with a word that is not
 * a keyword can only be a macro definition: if it is not, the parser's
 * "syntax error" is reported as 'unknown keyword "word"'.
 *
 * Every check reports its error as cfglex_error() does, "file:line:
 * message", and leaves the destination as it was (or empty, for a value
 * too long for it).  The settings a grammar takes once are numbered from
 * 0 (fewer than 32); ck.seen has a bit for each one given.
 */

struct cfglex;
struct cfglex_syntax;

struct cfgcheck {
	struct cfglex	*lx;
	unsigned int	 seen;		/* settings given, a bit each */
	int		 string_tok;	/* the grammar's STRING */
	int		 linetok;	/* tokens read on the line */
	int		 unknown;	/* it starts with a word */
	char		 firstword[64];	/* that word */
};

/*
 * A new lexer for the file at path, with the -D macros: 0, or -1 if the
 * file cannot be read (reported).  cfgcheck_close() ends it, whatever
 * the result, reports the macros never used and returns the number of
 * errors reported through the lexer.
 */
int	 cfgcheck_open(struct cfgcheck *, const struct cfglex_syntax *,
	    const char *, char **, int);
int	 cfgcheck_close(struct cfgcheck *);

/* yylex() and yyerror() of a grammar; see above. */
int	 cfgcheck_lex(struct cfgcheck *, char **, int64_t *, int *);
void	 cfgcheck_verror(struct cfgcheck *, const char *, va_list)
	    __printflike(2, 0);

/* Setting s is given for the first time: 0; "KW set twice": -1. */
int	 cfgcheck_once(struct cfgcheck *, unsigned int, const char *);
/* "KW N out of range MIN-MAX": -1. */
int	 cfgcheck_range(struct cfgcheck *, const char *, int64_t, int64_t,
	    int64_t);

/*
 * The values, into a buffer of the given size; a value too long for it
 * is an error.  The keyword names the statement in the message.
 *   path	an absolute path (cfglex_path_absolute)
 *   socket	an absolute path that fits a UNIX socket's address
 *   host	an IPv4 or IPv6 literal, or a DNS name (cfgcheck_host_valid)
 *   ifname	what the kernel takes as a network interface name
 *   user	a user name: letters, digits, '_', '-', '.', not "-..."
 *   room	a room name (wiremsg_room_valid); 0 or -1
 *   secret	a room secret of 1 to WIREMSG_SECRET_MAX characters; the
 *		message names the room unless it is NULL
 *   port	"port N" as a setting given once (bit s): 1-65535
 */
void	 cfgcheck_path(struct cfgcheck *, char *, size_t, const char *,
	    const char *);
void	 cfgcheck_socket(struct cfgcheck *, char *, size_t, const char *,
	    const char *);
int	 cfgcheck_host_valid(const char *);
void	 cfgcheck_host(struct cfgcheck *, char *, size_t, const char *,
	    const char *);
void	 cfgcheck_ifname(struct cfgcheck *, char *, size_t, const char *,
	    const char *);
void	 cfgcheck_user(struct cfgcheck *, char *, size_t, const char *);
int	 cfgcheck_room(struct cfgcheck *, char *, size_t, const char *);
void	 cfgcheck_secret(struct cfgcheck *, char *, size_t, const char *,
	    const char *);
void	 cfgcheck_port(struct cfgcheck *, unsigned int, int64_t,
	    uint16_t *);

/*
 * For -nv, on stdout: a string in double quotes with the lexer's escapes
 * for " and \, and "KW "value"" as a line.
 */
void	 cfgcheck_print_quoted(const char *);
void	 cfgcheck_print_string(const char *, const char *);

#endif /* SOFTLAN_CFGCHECK_H */
