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
 * syslog(3) for the MinGW-w64 build (see include/syslog.h): Windows has
 * no syslog daemon, so a line goes to stderr as "ident[pid]: message".
 * A service replaces this sink with log_sethook() (common/log.c).
 */

#include <windows.h>

#include <stdarg.h>
#include <stdio.h>

#include <syslog.h>

static const char	*ident;
static int		 logopt;

void
openlog(const char *id, int opt, int facility)
{
	(void)facility;
	ident = id;
	logopt = opt;
}

void
syslog(int pri, const char *fmt, ...)
{
	char	 line[1024];
	va_list	 ap;

	(void)pri;
	va_start(ap, fmt);
	(void)vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (ident == NULL)
		fprintf(stderr, "%s\n", line);
	else if (logopt & LOG_PID)
		fprintf(stderr, "%s[%lu]: %s\n", ident,
		    (unsigned long)GetCurrentProcessId(), line);
	else
		fprintf(stderr, "%s: %s\n", ident, line);
	fflush(stderr);
}

void
closelog(void)
{
	ident = NULL;
}
