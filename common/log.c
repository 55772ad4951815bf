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
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#ifndef _WIN32
#include "imsg.h"
#endif
#include "log.h"

#define LOG_LINE_MAX	1024

static int		 debug;
static int		 verbose;
static const char	*procname;
static log_hook_t	 hook;

extern char		*__progname;

#ifndef _WIN32
static void	 log_imsg(const char *);

/* The imsg library's warnings (it logs only through this hook). */
static void
log_imsg(const char *line)
{
	log_warnx("%s", line);
}
#endif

void
log_init(int n_debug, int facility)
{
	debug = n_debug;
	verbose = n_debug;
	log_procinit(__progname);
#ifndef _WIN32
	/* The Windows build has no imsg library (no fd passing). */
	imsg_set_warn(log_imsg);
#endif

	/* Open the syslog socket and read the timezone before any chroot. */
	if (!debug)
		openlog(__progname, LOG_PID | LOG_NDELAY, facility);
	tzset();
}

void
log_procinit(const char *name)
{
	if (name != NULL)
		procname = name;
}

const char *
log_procname(void)
{
	return (procname != NULL ? procname : __progname);
}

void
log_setverbose(int v)
{
	verbose = v;
}

int
log_getverbose(void)
{
	return (verbose);
}

void
log_sethook(log_hook_t h)
{
	hook = h;
}

/*
 * Write one finished line (it already names its process) to stderr or
 * syslog.  The parent uses this for the lines its child sends.
 */
void
log_emit(int pri, const char *line)
{
	if (debug) {
		fprintf(stderr, "%s\n", line);
		fflush(stderr);
	} else
		syslog(pri, "%s", line);
}

void
vlog(int pri, const char *fmt, va_list ap)
{
	char	 line[LOG_LINE_MAX];
	int	 saved_errno = errno;
	int	 n;

	n = snprintf(line, sizeof(line), "%s: ", log_procname());
	if (n < 0 || (size_t)n >= sizeof(line))
		n = 0;
	vsnprintf(line + n, sizeof(line) - n, fmt, ap);

	if (hook != NULL)
		hook(pri, line);
	else
		log_emit(pri, line);
	errno = saved_errno;
}

void
logit(int pri, const char *fmt, ...)
{
	va_list	 ap;

	va_start(ap, fmt);
	vlog(pri, fmt, ap);
	va_end(ap);
}

static void
vlog_errno(int pri, int code, const char *fmt, va_list ap)
{
	char	 buf[LOG_LINE_MAX];

	if (fmt == NULL) {
		logit(pri, "%s", strerror(code));
		return;
	}
	vsnprintf(buf, sizeof(buf), fmt, ap);
	if (code != 0)
		logit(pri, "%s: %s", buf, strerror(code));
	else
		logit(pri, "%s", buf);
}

void
log_warn(const char *emsg, ...)
{
	va_list	 ap;
	int	 saved_errno = errno;

	va_start(ap, emsg);
	vlog_errno(LOG_ERR, saved_errno, emsg, ap);
	va_end(ap);
	errno = saved_errno;
}

void
log_warnx(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_ERR, emsg, ap);
	va_end(ap);
}

void
log_info(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vlog(LOG_INFO, emsg, ap);
	va_end(ap);
}

void
log_debug(const char *emsg, ...)
{
	va_list	 ap;

	if (verbose > 1) {
		va_start(ap, emsg);
		vlog(LOG_DEBUG, emsg, ap);
		va_end(ap);
	}
}

static __dead void
vfatalc(int code, const char *emsg, va_list ap)
{
	vlog_errno(LOG_CRIT, code, emsg, ap);
	exit(1);
}

void
fatal(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vfatalc(errno, emsg, ap);
	va_end(ap);
}

void
fatalx(const char *emsg, ...)
{
	va_list	 ap;

	va_start(ap, emsg);
	vfatalc(0, emsg, ap);
	va_end(ap);
}
