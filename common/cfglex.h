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

#ifndef SOFTLAN_CFGLEX_H
#define SOFTLAN_CFGLEX_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include "compat.h"

/*
 * The configuration lexer shared by every daemon's parse.y, with the
 * include and macro machinery that OpenBSD copies into each grammar.
 *
 * Input is split into tokens:
 *
 *	# comment	to the end of the line (not inside quotes)
 *	\<newline>	joins two lines, also inside quoted strings
 *	"text" 'text'	a STRING; \" \' and \\ are escapes; no macros
 *	-123 42		a NUMBER (int64_t, range checked)
 *	word		a keyword from the grammar's table, else a STRING;
 *			letters, digits and punctuation but for
 *			( ) { } < > ! = , # " ' ; \ and blanks
 *	$name		a macro reference, in a word or as one: the value
 *			is read again in its place (so "a b" gives two
 *			words); references in values are expanded up to
 *			CFGLEX_MAXEXPAND deep, and CFGLEX_MAXEXPANDED
 *			bytes of values in all
 *	anything else	returned as itself: { } = , '\n' ...
 *
 * Every file ends with a '\n' token even when its last line does not, so
 * a grammar can end each statement with '\n'.  An included file is read in
 * place of the rest of the current line and begins with a '\n' token.
 *
 * Errors are logged with log_warnx() as "file:line: message" and counted.
 * Only the first error of a line is logged and counted: a lexer error
 * followed by the parser's "syntax error" on the same line gives one
 * message, and a grammar with an "error '\n'" rule reports every bad line
 * of every file in one run, up to CFGLEX_MAXERRORS: then the input ends.
 *
 * Only regular files are read: a device, FIFO or socket may never end,
 * or block.  On Windows files are read in binary mode (a CR before a
 * newline is a blank, as everywhere) and may be named with '\' or '/'.
 * A configuration, its file and all it includes, each time
 * they are read, is at most CFGLEX_MAXINPUT bytes, and its macro
 * references, to macros from the file or from -D, expand to at most
 * CFGLEX_MAXEXPANDED bytes in all (a chain of macros each referring twice
 * to the one before doubles at each of the CFGLEX_MAXEXPAND levels).
 * Past either limit the error names the file and line, the line gives
 * error_tok and '\n', and the input ends there: the lexer's time and
 * memory are bounded by these two limits, whatever the input holds.
 *
 * All state lives in one struct cfglex; several can be used at once.
 *
 * Use from a byacc grammar:
 *
 *	%token	INCLUDE LISTEN PORT ERROR
 *	%token	<v.string>	STRING
 *	%token	<v.number>	NUMBER
 *
 *	grammar	: ...
 *		| grammar include '\n'
 *		| grammar varset '\n'
 *		| grammar error '\n'
 *		;
 *	include	: INCLUDE STRING {
 *			int rv = cfglex_include(lx, $2);
 *			free($2);
 *			if (rv == -1)
 *				YYERROR;
 *		}
 *		;
 *	varset	: STRING '=' STRING {
 *			int rv = cfglex_macro_set(lx, $1, $3, 0);
 *			free($1);
 *			free($3);
 *			if (rv == -1)
 *				YYERROR;
 *		}
 *		;
 *	%%
 *	static struct cfglex *lx;
 *
 *	static const struct cfglex_kw keywords[] = {	(sorted by name)
 *		{ "include",	INCLUDE },
 *		{ "listen",	LISTEN },
 *		{ "port",	PORT },
 *	};
 *	static const struct cfglex_syntax syntax = {
 *		keywords, nitems(keywords), STRING, NUMBER, ERROR
 *	};
 *
 *	int
 *	yylex(void)
 *	{
 *		int	 tok;
 *
 *		tok = cfglex_next(lx, &yylval.v.string, &yylval.v.number);
 *		yylval.lineno = cfglex_lineno(lx);
 *		return (tok);
 *	}
 *
 *	int
 *	yyerror(const char *fmt, ...)
 *	{
 *		(va_list through to cfglex_verror(lx, fmt, ap))
 *		return (0);
 *	}
 *
 *	int
 *	parse_config(const char *path, char **defines, int ndefines)
 *	{
 *		lx = cfglex_new(&syntax);
 *		for (i = 0; i < ndefines; i++)	(-D arguments)
 *			cfglex_cmdline_macro(lx, defines[i]);
 *		if (cfglex_open(lx, path) == 0)
 *			yyparse();
 *		cfglex_unused_macros(lx);
 *		errors = cfglex_errors(lx);
 *		cfglex_free(lx);
 *		return (errors ? -1 : 0);
 *	}
 */

#define CFGLEX_MAXTOK	8192	/* longest word or quoted string */
#define CFGLEX_MAXNAME	64	/* longest macro name */
#define CFGLEX_MAXFILES	8	/* files open at once, with the top */
#define CFGLEX_MAXEXPAND 16	/* macro references nested in values */
/* Bytes read from files, and bytes of macro values expanded; see above. */
#define CFGLEX_MAXINPUT	(16 * 1024 * 1024)
#define CFGLEX_MAXEXPANDED (1024 * 1024)
#define CFGLEX_MAXERRORS 100	/* file errors reported before giving up */

struct cfglex;

struct cfglex_kw {
	const char	*name;
	int		 token;
};

/* What the grammar provides: keywords sorted by name, and token codes. */
struct cfglex_syntax {
	const struct cfglex_kw	*kw;
	size_t			 nkw;
	int			 string_tok;
	int			 number_tok;
	int			 error_tok;
};

/*
 * A new lexer with no input.  The keyword table must stay valid and be
 * sorted (an unsorted table is a bug: fatalx).
 */
struct cfglex	*cfglex_new(const struct cfglex_syntax *);
void		 cfglex_free(struct cfglex *);

/*
 * The top input: a file, or a string for tests.  Once per lexer.  A file
 * that cannot be opened, is not a regular file or is larger than
 * CFGLEX_MAXINPUT is logged as "path: why", counted as an error and
 * gives -1.
 */
int		 cfglex_open(struct cfglex *, const char *);
int		 cfglex_open_buffer(struct cfglex *, const char *,
		    const char *);

/*
 * The next token: 0 at the end of the top input, a keyword's token, a
 * character, or one of the syntax's codes.  For string_tok *strp is set
 * to a string the caller must free; otherwise it is NULL.  For number_tok
 * the value is in *nump.  After a lexer error (logged) error_tok.
 */
int		 cfglex_next(struct cfglex *, char **, int64_t *);

/*
 * Skip the rest of the current line (up to, not including, the '\n'),
 * for a grammar that gives up on a line.  Returns error_tok.
 */
int		 cfglex_findeol(struct cfglex *);

/*
 * Whether a path is absolute: on Linux it starts with '/'; on Windows it
 * starts with a drive and a separator ("C:\", "C:/"), or is rooted ('\'
 * or '/': a UNC path, or the root of the current drive).  A relative
 * path, and on Windows a drive-relative one ("C:file"), is not.
 */
int		 cfglex_path_absolute(const char *);

/*
 * Read a file in place of the rest of the current line: call it from the
 * include rule's action, which byacc runs as soon as the STRING is read,
 * before the line's '\n'.  The new file starts with a '\n' token that ends
 * the include statement; the including line's own '\n' follows the file
 * and ends an empty statement.  A relative path
 * is relative to the directory of the file that includes it (on Windows a
 * drive-relative "C:file" is left as it is).  Nesting is
 * bounded by CFGLEX_MAXFILES and a file including itself, directly or not,
 * is refused, as is a file that is not a regular one or would take the
 * configuration past CFGLEX_MAXINPUT.  Errors are reported as
 * cfglex_error(), at the include statement, and give -1.
 */
int		 cfglex_include(struct cfglex *, const char *);

/* Where the last token came from. */
const char	*cfglex_filename(struct cfglex *);
int		 cfglex_lineno(struct cfglex *);

/* "file:line: message", at most one per line; see above. */
void		 cfglex_error(struct cfglex *, const char *, ...)
		    __printflike(2, 3);
void		 cfglex_verror(struct cfglex *, const char *, va_list)
		    __printflike(2, 0);
int		 cfglex_errors(struct cfglex *);

/*
 * Macros.  A name is [A-Za-z_][A-Za-z0-9_]* and not a keyword; a value
 * has no newline.  A command-line macro (cmdline != 0, from -D) cannot be
 * changed by the file: the file's definition is ignored.  An invalid
 * definition is reported (as a file error, or "-D name: ..." on the
 * command line), counted, and gives -1.
 * cfglex_macro_get() marks the macro used, as an expansion does.
 */
int		 cfglex_macro_set(struct cfglex *, const char *,
		    const char *, int);
const char	*cfglex_macro_get(struct cfglex *, const char *);
int		 cfglex_macro_unset(struct cfglex *, const char *);

/* -D "name=value"; a bad form is reported, counted and gives -1. */
int		 cfglex_cmdline_macro(struct cfglex *, const char *);

/*
 * Report macros never used: a -D one with log_warnx (a likely typo), one
 * from the file with log_debug.  Returns how many.
 */
int		 cfglex_unused_macros(struct cfglex *);

#endif /* SOFTLAN_CFGLEX_H */
