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

#include <sys/queue.h>
#include <sys/stat.h>
#include <sys/tree.h>

#ifdef _WIN32
#include <windows.h>
#include <io.h>
#endif

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfglex.h"
#include "compat.h"
#include "log.h"

/*
 * Macro values are pushed back into the input between these two marks,
 * which no file can contain (they are not bytes): reading them tracks how
 * deeply expansions are nested.
 */
#define CH_START	0x100
#define CH_DONE		0x101

/* Not allowed in an unquoted word, besides blanks and control bytes. */
#define WORD_EXCLUDED	"(){}<>!=,#\"';\\"

/*
 * Windows: paths take '\\' as well as '/', and files are read in binary
 * mode (a text-mode read would count bytes differently from the file's
 * size and end at a ^Z).
 */
#ifdef _WIN32
#define ISSEP(c)	((c) == '/' || (c) == '\\')
#define OPEN_FLAGS	(O_RDONLY | O_BINARY | O_NOINHERIT)
#else
#define ISSEP(c)	((c) == '/')
#define OPEN_FLAGS	(O_RDONLY | O_NONBLOCK | O_NOCTTY | O_CLOEXEC)
#endif

struct cfglex_file {
	TAILQ_ENTRY(cfglex_file) entry;
	char		*name;
	FILE		*fp;		/* a file, or */
	char		*text;		/* a string */
	size_t		 textpos;
	uint64_t	 dev;		/* include loops: file_open() */
	uint64_t	 ino;
	int		 hasid;
	unsigned int	 serial;	/* names it for cfglex_error */
	int		 lineno;	/* of the next character */
	int		 tokline;	/* of the last token */
	int		*unget;		/* pushed back, last on top */
	size_t		 nunget;
	size_t		 ungetsz;
	int		 expdepth;	/* expansions being read */
	int		 atbol;		/* last token was '\n' */
	int		 pendnl;	/* give a '\n' first */
};

struct cfglex_macro {
	RB_ENTRY(cfglex_macro)	 entry;
	char			 name[CFGLEX_MAXNAME + 1];
	char			*value;
	int			 cmdline;
	int			 used;
};

RB_HEAD(cfglex_macros, cfglex_macro);

struct cfglex {
	TAILQ_HEAD(, cfglex_file) files;	/* first is being read */
	int			 nfiles;
	unsigned int		 serial;
	struct cfglex_macros	 macros;
	const struct cfglex_syntax *syn;
	int			 errors;
	unsigned int		 errserial;	/* last error's file, */
	int			 errline;	/* and line */
	size_t			 nread;		/* bytes of input, in all */
	size_t			 nexpanded;	/* bytes of macro values */
	int			 stopped;	/* STOP_* */
	char			 tok[CFGLEX_MAXTOK];
};

/* Past a limit the input ends: a last '\n', then the end. */
#define STOP_NEWLINE	1
#define STOP_END	2

static int	 macro_cmp(struct cfglex_macro *, struct cfglex_macro *);
static struct cfglex_macro *macro_find(struct cfglex *, const char *);
static const char *macro_check(struct cfglex *, const char *, const char *);
static int	 macro_put(struct cfglex *, const char *, const char *, int);
static struct cfglex_file *file_new(struct cfglex *, const char *);
static void	 file_free(struct cfglex_file *);
static void	 file_push(struct cfglex *, struct cfglex_file *);
static FILE	*file_open(struct cfglex *, const char *, uint64_t *,
		    uint64_t *, char *, size_t);
static const char *last_sep(const char *);
static void	 stop(struct cfglex *, const char *, ...)
		    __printflike(2, 3);
static int	 rawc(struct cfglex *, struct cfglex_file *);
static void	 ungetch(struct cfglex_file *, int);
static int	 lgetc(struct cfglex *, struct cfglex_file *, int);
static int	 isword(int);
static int	 isnamechar(int, int);
static int	 kw_cmp(const void *, const void *);
static int	 lex_quoted(struct cfglex *, struct cfglex_file *, int,
		    char **);
static int	 lex_word(struct cfglex *, struct cfglex_file *, char **,
		    int64_t *);
static int	 expand(struct cfglex *, struct cfglex_file *);

RB_GENERATE_STATIC(cfglex_macros, cfglex_macro, entry, macro_cmp)

struct cfglex *
cfglex_new(const struct cfglex_syntax *syn)
{
	struct cfglex	*lx;
	size_t		 i;

	for (i = 1; i < syn->nkw; i++)
		if (strcmp(syn->kw[i - 1].name, syn->kw[i].name) >= 0)
			fatalx("%s: keyword table not sorted: \"%s\" before "
			    "\"%s\"", __func__, syn->kw[i - 1].name,
			    syn->kw[i].name);

	if ((lx = calloc(1, sizeof(*lx))) == NULL)
		fatal("%s", __func__);
	TAILQ_INIT(&lx->files);
	RB_INIT(&lx->macros);
	lx->syn = syn;
	return (lx);
}

void
cfglex_free(struct cfglex *lx)
{
	struct cfglex_file	*f;
	struct cfglex_macro	*m, *next;

	if (lx == NULL)
		return;
	while ((f = TAILQ_FIRST(&lx->files)) != NULL) {
		TAILQ_REMOVE(&lx->files, f, entry);
		file_free(f);
	}
	RB_FOREACH_SAFE(m, cfglex_macros, &lx->macros, next) {
		RB_REMOVE(cfglex_macros, &lx->macros, m);
		free(m->value);
		free(m);
	}
	/* The token buffer may still hold the last word: a room secret. */
	freezero(lx, sizeof(*lx));
}

static struct cfglex_file *
file_new(struct cfglex *lx, const char *name)
{
	struct cfglex_file	*f;

	if ((f = calloc(1, sizeof(*f))) == NULL ||
	    (f->name = strdup(name)) == NULL)
		fatal("%s", __func__);
	f->serial = ++lx->serial;
	f->lineno = 1;
	f->tokline = 1;
	f->atbol = 1;
	return (f);
}

static void
file_free(struct cfglex_file *f)
{
	if (f->fp != NULL)
		fclose(f->fp);
	free(f->text);
	free(f->unget);
	free(f->name);
	free(f);
}

static void
file_push(struct cfglex *lx, struct cfglex_file *f)
{
	TAILQ_INSERT_HEAD(&lx->files, f, entry);
	lx->nfiles++;
}

/*
 * Open a file to read, or say why not: only a regular file, which ends
 * and never blocks (a FIFO is opened without waiting for a writer, to be
 * refused), and only if it fits in what is left of CFGLEX_MAXINPUT.
 * *devp and *inop name the file, to find include loops: st_dev and
 * st_ino, or on Windows (whose st_ino is 0) the volume's serial number
 * and the file's index.
 */
static FILE *
file_open(struct cfglex *lx, const char *path, uint64_t *devp,
    uint64_t *inop, char *why, size_t whysz)
{
	struct stat	 st;
	FILE		*fp;
	int		 fd;
#ifdef _WIN32
	BY_HANDLE_FILE_INFORMATION	 info;
	HANDLE				 h;

	/* Windows' open() fails on a directory (EACCES): say what it is. */
	if (stat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
		snprintf(why, whysz, "is a directory");
		return (NULL);
	}
#else
	int		 flags;
#endif

	if ((fd = open(path, OPEN_FLAGS)) == -1) {
		snprintf(why, whysz, "%s", strerror(errno));
		return (NULL);
	}
	if (fstat(fd, &st) == -1) {
		snprintf(why, whysz, "fstat: %s", strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		snprintf(why, whysz, "is a directory");
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		snprintf(why, whysz, "not a regular file");
		goto fail;
	}
	if (st.st_size < 0 ||
	    (uintmax_t)st.st_size > CFGLEX_MAXINPUT - lx->nread) {
		snprintf(why, whysz, "too large: %jd bytes, and a "
		    "configuration is read up to %d bytes in all",
		    (intmax_t)st.st_size, CFGLEX_MAXINPUT);
		goto fail;
	}
#ifdef _WIN32
	if ((h = (HANDLE)_get_osfhandle(fd)) == INVALID_HANDLE_VALUE ||
	    !GetFileInformationByHandle(h, &info)) {
		snprintf(why, whysz, "GetFileInformationByHandle: error %lu",
		    (unsigned long)GetLastError());
		goto fail;
	}
	*devp = info.dwVolumeSerialNumber;
	*inop = (uint64_t)info.nFileIndexHigh << 32 | info.nFileIndexLow;
#else
	if ((flags = fcntl(fd, F_GETFL)) == -1 ||
	    fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == -1) {
		snprintf(why, whysz, "fcntl: %s", strerror(errno));
		goto fail;
	}
	*devp = st.st_dev;
	*inop = st.st_ino;
#endif
	/* "b": the same as "r" but on Windows, where it is binary mode. */
	if ((fp = fdopen(fd, "rb")) == NULL) {
		snprintf(why, whysz, "%s", strerror(errno));
		goto fail;
	}
	return (fp);
 fail:
	close(fd);
	return (NULL);
}

/*
 * A limit is reached: say so even on a line that already has an error,
 * since nothing after it is read, and end the input here.
 */
static void
stop(struct cfglex *lx, const char *fmt, ...)
{
	va_list	 ap;

	if (lx->stopped)
		return;
	lx->stopped = STOP_NEWLINE;
	lx->errserial = 0;
	va_start(ap, fmt);
	cfglex_verror(lx, fmt, ap);
	va_end(ap);
}

int
cfglex_open(struct cfglex *lx, const char *path)
{
	struct cfglex_file	*f;
	FILE			*fp;
	uint64_t		 dev, ino;
	char			 why[128];

	if (lx->nfiles != 0)
		fatalx("%s: input already open", __func__);
	if ((fp = file_open(lx, path, &dev, &ino, why, sizeof(why))) ==
	    NULL) {
		log_warnx("%s: %s", path, why);
		lx->errors++;
		return (-1);
	}
	f = file_new(lx, path);
	f->fp = fp;
	f->dev = dev;
	f->ino = ino;
	f->hasid = 1;
	file_push(lx, f);
	return (0);
}

int
cfglex_open_buffer(struct cfglex *lx, const char *name, const char *text)
{
	struct cfglex_file	*f;

	if (lx->nfiles != 0)
		fatalx("%s: input already open", __func__);
	f = file_new(lx, name);
	if ((f->text = strdup(text)) == NULL)
		fatal("%s", __func__);
	file_push(lx, f);
	return (0);
}

int
cfglex_path_absolute(const char *path)
{
#ifdef _WIN32
	if (ISSEP(path[0]))
		return (1);
	return (isalpha((unsigned char)path[0]) && path[1] == ':' &&
	    ISSEP(path[2]));
#else
	return (path[0] == '/');
#endif
}

/* A path's last separator, or NULL: strrchr(path, '/') on Linux. */
static const char *
last_sep(const char *path)
{
	const char	*p, *sep = NULL;

	for (p = path; *p != '\0'; p++)
		if (ISSEP(*p))
			sep = p;
	return (sep);
}

int
cfglex_include(struct cfglex *lx, const char *path)
{
	struct cfglex_file	*cur, *f;
	FILE			*fp;
	const char		*slash;
	uint64_t		 dev, ino;
	char			 resolved[PATH_MAX], why[128];
	int			 n, relative;

	if ((cur = TAILQ_FIRST(&lx->files)) == NULL)
		fatalx("%s: no input open", __func__);

	relative = !cfglex_path_absolute(path);
#ifdef _WIN32
	/* "C:file" is relative to C:'s current directory: left as it is. */
	if (isalpha((unsigned char)path[0]) && path[1] == ':')
		relative = 0;
#endif
	/* Joined with the including file's own separator. */
	if (relative && (slash = last_sep(cur->name)) != NULL)
		n = snprintf(resolved, sizeof(resolved), "%.*s%c%s",
		    (int)(slash - cur->name), cur->name, *slash, path);
	else
		n = snprintf(resolved, sizeof(resolved), "%s", path);
	if (n < 0 || (size_t)n >= sizeof(resolved)) {
		cfglex_error(lx, "include \"%s\": path too long", path);
		return (-1);
	}

	if ((fp = file_open(lx, resolved, &dev, &ino, why, sizeof(why))) ==
	    NULL) {
		cfglex_error(lx, "include \"%s\": %s", resolved, why);
		return (-1);
	}
	TAILQ_FOREACH(f, &lx->files, entry) {
		if (f->hasid && f->dev == dev && f->ino == ino) {
			cfglex_error(lx, "include \"%s\": include loop, %s is "
			    "already being read", resolved, f->name);
			fclose(fp);
			return (-1);
		}
	}
	if (lx->nfiles >= CFGLEX_MAXFILES) {
		cfglex_error(lx, "include \"%s\": includes nested too deeply "
		    "(more than %d files)", resolved, CFGLEX_MAXFILES);
		fclose(fp);
		return (-1);
	}

	f = file_new(lx, resolved);
	f->fp = fp;
	f->dev = dev;
	f->ino = ino;
	f->hasid = 1;
	/* It stands for the rest of the including line. */
	f->pendnl = 1;
	file_push(lx, f);
	return (0);
}

const char *
cfglex_filename(struct cfglex *lx)
{
	struct cfglex_file	*f;

	if ((f = TAILQ_FIRST(&lx->files)) == NULL)
		return ("");
	return (f->name);
}

int
cfglex_lineno(struct cfglex *lx)
{
	struct cfglex_file	*f;

	if ((f = TAILQ_FIRST(&lx->files)) == NULL)
		return (0);
	return (f->tokline);
}

void
cfglex_verror(struct cfglex *lx, const char *fmt, va_list ap)
{
	struct cfglex_file	*f;
	char			 msg[1024];

	vsnprintf(msg, sizeof(msg), fmt, ap);
	if ((f = TAILQ_FIRST(&lx->files)) == NULL) {
		log_warnx("%s", msg);
		lx->errors++;
		return;
	}
	/* One error per line: the first one says the most. */
	if (f->serial == lx->errserial && f->tokline == lx->errline)
		return;
	lx->errserial = f->serial;
	lx->errline = f->tokline;
	log_warnx("%s:%d: %s", f->name, f->tokline, msg);
	/* A file of garbage is not reported line by line to its end. */
	if (++lx->errors == CFGLEX_MAXERRORS && !lx->stopped) {
		log_warnx("%s:%d: %d errors, not read further", f->name,
		    f->tokline, CFGLEX_MAXERRORS);
		lx->stopped = STOP_NEWLINE;
	}
}

void
cfglex_error(struct cfglex *lx, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	cfglex_verror(lx, fmt, ap);
	va_end(ap);
}

int
cfglex_errors(struct cfglex *lx)
{
	return (lx->errors);
}

/*
 * Characters.  rawc() gives the next one as it is (the marks too) and
 * counts lines; ungetch() pushes back anything rawc() gave.  Input ends
 * after CFGLEX_MAXINPUT bytes, for a file that grows while it is read.
 */
static int
rawc(struct cfglex *lx, struct cfglex_file *f)
{
	int	 c;

	if (lx->stopped)
		return (EOF);
	if (f->nunget > 0)
		c = f->unget[--f->nunget];
	else {
		if (f->fp != NULL)
			c = getc(f->fp);
		else if (f->text != NULL && f->text[f->textpos] != '\0')
			c = (unsigned char)f->text[f->textpos++];
		else
			c = EOF;
		if (c != EOF && lx->nread >= CFGLEX_MAXINPUT) {
			/* The line being read, maybe a comment's. */
			f->tokline = f->lineno;
			stop(lx, "configuration longer than %d bytes in all, "
			    "not read further", CFGLEX_MAXINPUT);
			return (EOF);
		}
		if (c != EOF)
			lx->nread++;
	}
	if (c == '\n')
		f->lineno++;
	return (c);
}

static void
ungetch(struct cfglex_file *f, int c)
{
	int	*p;
	size_t	 sz;

	if (c == EOF)
		return;
	if (f->nunget == f->ungetsz) {
		sz = f->ungetsz == 0 ? 128 : f->ungetsz * 2;
		if ((p = reallocarray(f->unget, sz, sizeof(*p))) == NULL)
			fatal("%s", __func__);
		f->unget = p;
		f->ungetsz = sz;
	}
	f->unget[f->nunget++] = c;
	if (c == '\n')
		f->lineno--;
}

/*
 * The next character, with the expansion marks taken out and, if cont is
 * set, backslash-newline joining two lines.
 */
static int
lgetc(struct cfglex *lx, struct cfglex_file *f, int cont)
{
	int	 c, next;

	for (;;) {
		c = rawc(lx, f);
		if (c == CH_START) {
			f->expdepth++;
			continue;
		}
		if (c == CH_DONE) {
			f->expdepth--;
			continue;
		}
		if (c == '\\' && cont) {
			if ((next = rawc(lx, f)) == '\n')
				continue;
			ungetch(f, next);
		}
		return (c);
	}
}

static int
isword(int c)
{
	if (c < 0 || c > 127)
		return (0);
	if (isalnum(c))
		return (1);
	return (ispunct(c) && strchr(WORD_EXCLUDED, c) == NULL);
}

static int
isnamechar(int c, int first)
{
	if (c < 0 || c > 127)
		return (0);
	if (isalpha(c) || c == '_')
		return (1);
	return (!first && isdigit(c));
}

static int
kw_cmp(const void *k, const void *e)
{
	const struct cfglex_kw	*kw = e;

	return (strcmp(k, kw->name));
}

int
cfglex_findeol(struct cfglex *lx)
{
	struct cfglex_file	*f;
	int			 c;

	if ((f = TAILQ_FIRST(&lx->files)) != NULL) {
		while ((c = lgetc(lx, f, 1)) != EOF) {
			if (c == '\n') {
				ungetch(f, c);
				break;
			}
		}
	}
	return (lx->syn->error_tok);
}

int
cfglex_next(struct cfglex *lx, char **strp, int64_t *nump)
{
	struct cfglex_file	*f;
	int			 c, tok;

	if (strp != NULL)
		*strp = NULL;
 again:
	if (lx->stopped == STOP_NEWLINE) {
		lx->stopped = STOP_END;
		return ('\n');
	}
	if (lx->stopped)
		return (0);
	if ((f = TAILQ_FIRST(&lx->files)) == NULL)
		return (0);
	if (f->pendnl) {
		f->pendnl = 0;
		f->atbol = 1;
		return ('\n');
	}

	do {
		c = lgetc(lx, f, 1);
	} while (c == ' ' || c == '\t' || c == '\r');
	if (c == '#')
		while ((c = lgetc(lx, f, 0)) != '\n' && c != EOF)
			;

	if (c == EOF) {
		if (lx->stopped)
			goto again;
		if (!f->atbol) {
			/* The last line had no newline: give it one. */
			f->atbol = 1;
			return ('\n');
		}
		if (lx->nfiles == 1)
			return (0);
		TAILQ_REMOVE(&lx->files, f, entry);
		lx->nfiles--;
		file_free(f);
		goto again;
	}
	if (c == '\n') {
		f->tokline = f->lineno - 1;
		f->atbol = 1;
		return ('\n');
	}

	f->tokline = f->lineno;
	f->atbol = 0;
	if (c == '"' || c == '\'')
		return (lex_quoted(lx, f, c, strp));
	if (c == '\0') {
		cfglex_error(lx, "NUL byte in input");
		return (cfglex_findeol(lx));
	}
	if (isword(c)) {
		ungetch(f, c);
		if ((tok = lex_word(lx, f, strp, nump)) == -1)
			goto again;
		return (tok);
	}
	return (c);
}

static int
lex_quoted(struct cfglex *lx, struct cfglex_file *f, int quote, char **strp)
{
	size_t	 len = 0;
	int	 c, next;

	for (;;) {
		c = lgetc(lx, f, 0);
		if (c == EOF || c == '\n') {
			ungetch(f, c);
			cfglex_error(lx, "unterminated quoted string");
			return (lx->syn->error_tok);
		}
		if (c == '\0') {
			cfglex_error(lx, "NUL byte in quoted string");
			return (cfglex_findeol(lx));
		}
		if (c == quote)
			break;
		if (c == '\\') {
			next = lgetc(lx, f, 0);
			if (next == '\n')
				continue;
			if (next == quote || next == '\\')
				c = next;
			else
				ungetch(f, next);
		}
		if (len >= sizeof(lx->tok) - 1) {
			cfglex_error(lx, "quoted string longer than %zu bytes",
			    sizeof(lx->tok) - 1);
			return (cfglex_findeol(lx));
		}
		lx->tok[len++] = c;
	}
	lx->tok[len] = '\0';
	if (strp != NULL && (*strp = strdup(lx->tok)) == NULL)
		fatal("%s", __func__);
	return (lx->syn->string_tok);
}

/*
 * A word, with its macro references expanded.  -1 if nothing was left of
 * it (a macro whose value is empty or starts with a non-word character).
 */
static int
lex_word(struct cfglex *lx, struct cfglex_file *f, char **strp,
    int64_t *nump)
{
	const struct cfglex_kw	*kw;
	const char		*errstr, *p;
	long long		 n;
	size_t			 len = 0;
	int			 c;

	for (;;) {
		c = lgetc(lx, f, 1);
		if (c == '$') {
			if (expand(lx, f) == -1)
				return (cfglex_findeol(lx));
			continue;
		}
		if (!isword(c)) {
			ungetch(f, c);
			break;
		}
		if (len >= sizeof(lx->tok) - 1) {
			cfglex_error(lx, "word longer than %zu bytes",
			    sizeof(lx->tok) - 1);
			return (cfglex_findeol(lx));
		}
		lx->tok[len++] = c;
	}
	lx->tok[len] = '\0';
	/* Cut short by a limit: not a word to act on. */
	if (lx->stopped)
		return (lx->syn->error_tok);
	if (len == 0)
		return (-1);

	p = lx->tok[0] == '-' ? lx->tok + 1 : lx->tok;
	if (*p != '\0' && strspn(p, "0123456789") == strlen(p)) {
		n = strtonum(lx->tok, INT64_MIN, INT64_MAX, &errstr);
		if (errstr != NULL) {
			cfglex_error(lx, "number %s is %s", lx->tok, errstr);
			return (lx->syn->error_tok);
		}
		if (nump != NULL)
			*nump = n;
		return (lx->syn->number_tok);
	}

	if (lx->syn->nkw > 0 && (kw = bsearch(lx->tok, lx->syn->kw,
	    lx->syn->nkw, sizeof(*kw), kw_cmp)) != NULL)
		return (kw->token);

	if (strp != NULL && (*strp = strdup(lx->tok)) == NULL)
		fatal("%s", __func__);
	return (lx->syn->string_tok);
}

/*
 * After a '$': read the name and push the value back into the input
 * between the expansion marks.  The name is read with rawc() so that it
 * stops at a mark: a reference at the end of a value is expanded inside
 * that value, which is what bounds a macro referring to itself.
 *
 * The depth limit alone still lets a value refer to the one below twice
 * (or a hundred times) at each level, so the bytes of values expanded are
 * counted and capped too.  Each '$' read costs at least two bytes of the
 * file or of a value counted here, so lexing a configuration takes time
 * and memory in proportion to CFGLEX_MAXINPUT + CFGLEX_MAXEXPANDED.
 */
static int
expand(struct cfglex *lx, struct cfglex_file *f)
{
	struct cfglex_macro	*m;
	char			 name[CFGLEX_MAXNAME + 1];
	size_t			 len = 0, vlen, i;
	int			 c;

	for (;;) {
		c = rawc(lx, f);
		if (!isnamechar(c, len == 0)) {
			ungetch(f, c);
			break;
		}
		if (len >= sizeof(name) - 1) {
			name[len] = '\0';
			cfglex_error(lx, "macro name %s... longer than %d "
			    "bytes", name, CFGLEX_MAXNAME);
			return (-1);
		}
		name[len++] = c;
	}
	name[len] = '\0';
	if (len == 0) {
		cfglex_error(lx, "'$' is not followed by a macro name");
		return (-1);
	}
	if ((m = macro_find(lx, name)) == NULL) {
		cfglex_error(lx, "macro '%s' is not defined", name);
		return (-1);
	}
	if (f->expdepth >= CFGLEX_MAXEXPAND) {
		cfglex_error(lx, "macro '%s': expansions nested deeper than "
		    "%d (a macro referring to itself?)", name,
		    CFGLEX_MAXEXPAND);
		return (-1);
	}
	vlen = strlen(m->value);
	if (vlen > CFGLEX_MAXEXPANDED - lx->nexpanded) {
		stop(lx, "macros expand to more than %d bytes in all, not "
		    "read further", CFGLEX_MAXEXPANDED);
		return (-1);
	}
	lx->nexpanded += vlen;
	m->used = 1;

	ungetch(f, CH_DONE);
	for (i = vlen; i > 0; i--)
		ungetch(f, (unsigned char)m->value[i - 1]);
	ungetch(f, CH_START);
	return (0);
}

/* Macros. */

static int
macro_cmp(struct cfglex_macro *a, struct cfglex_macro *b)
{
	return (strcmp(a->name, b->name));
}

static struct cfglex_macro *
macro_find(struct cfglex *lx, const char *name)
{
	struct cfglex_macro	 key;

	if (strlcpy(key.name, name, sizeof(key.name)) >= sizeof(key.name))
		return (NULL);
	return (RB_FIND(cfglex_macros, &lx->macros, &key));
}

/* Why a definition is refused, or NULL. */
static const char *
macro_check(struct cfglex *lx, const char *name, const char *value)
{
	const char	*p;

	if (*name == '\0')
		return ("empty macro name");
	for (p = name; *p != '\0'; p++)
		if (!isnamechar((unsigned char)*p, p == name))
			return ("invalid macro name: letters, digits and '_' "
			    "only, not starting with a digit");
	if (strlen(name) > CFGLEX_MAXNAME)
		return ("macro name too long");
	if (lx->syn->nkw > 0 && bsearch(name, lx->syn->kw, lx->syn->nkw,
	    sizeof(*lx->syn->kw), kw_cmp) != NULL)
		return ("a keyword cannot be a macro name");
	if (strchr(value, '\n') != NULL)
		return ("macro value contains a newline");
	if (strlen(value) >= CFGLEX_MAXTOK)
		return ("macro value too long");
	return (NULL);
}

static int
macro_put(struct cfglex *lx, const char *name, const char *value,
    int cmdline)
{
	struct cfglex_macro	*m;
	char			*v;

	if ((v = strdup(value)) == NULL)
		fatal("%s", __func__);
	if ((m = macro_find(lx, name)) != NULL) {
		if (m->cmdline && !cmdline) {
			log_debug("macro '%s' set with -D, definition in %s "
			    "ignored", name, cfglex_filename(lx));
			free(v);
			return (0);
		}
		free(m->value);
	} else {
		if ((m = calloc(1, sizeof(*m))) == NULL)
			fatal("%s", __func__);
		if (strlcpy(m->name, name, sizeof(m->name)) >= sizeof(m->name))
			fatalx("%s: name too long", __func__);
		RB_INSERT(cfglex_macros, &lx->macros, m);
	}
	m->value = v;
	m->cmdline = cmdline;
	m->used = 0;
	return (0);
}

int
cfglex_macro_set(struct cfglex *lx, const char *name, const char *value,
    int cmdline)
{
	const char	*why;

	if ((why = macro_check(lx, name, value)) != NULL) {
		if (cmdline) {
			log_warnx("-D %s: %s", name, why);
			lx->errors++;
		} else
			cfglex_error(lx, "macro '%s': %s", name, why);
		return (-1);
	}
	return (macro_put(lx, name, value, cmdline));
}

const char *
cfglex_macro_get(struct cfglex *lx, const char *name)
{
	struct cfglex_macro	*m;

	if ((m = macro_find(lx, name)) == NULL)
		return (NULL);
	m->used = 1;
	return (m->value);
}

int
cfglex_macro_unset(struct cfglex *lx, const char *name)
{
	struct cfglex_macro	*m;

	if ((m = macro_find(lx, name)) == NULL)
		return (-1);
	RB_REMOVE(cfglex_macros, &lx->macros, m);
	free(m->value);
	free(m);
	return (0);
}

int
cfglex_cmdline_macro(struct cfglex *lx, const char *arg)
{
	const char	*eq, *why;
	char		*name;
	int		 rv;

	if ((eq = strchr(arg, '=')) == NULL || eq == arg) {
		log_warnx("-D %s: expected name=value", arg);
		lx->errors++;
		return (-1);
	}
	if ((name = strndup(arg, eq - arg)) == NULL)
		fatal("%s", __func__);
	if ((why = macro_check(lx, name, eq + 1)) != NULL) {
		log_warnx("-D %s: %s", arg, why);
		lx->errors++;
		rv = -1;
	} else
		rv = macro_put(lx, name, eq + 1, 1);
	free(name);
	return (rv);
}

int
cfglex_unused_macros(struct cfglex *lx)
{
	struct cfglex_macro	*m;
	int			 n = 0;

	RB_FOREACH(m, cfglex_macros, &lx->macros) {
		if (m->used)
			continue;
		if (m->cmdline)
			log_warnx("macro '%s' set with -D is not used",
			    m->name);
		else
			log_debug("macro '%s' is not used", m->name);
		n++;
	}
	return (n);
}
