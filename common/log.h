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

#ifndef SOFTLAN_LOG_H
#define SOFTLAN_LOG_H

#include <stdarg.h>

#include "compat.h"

/*
 * Logging, OpenBSD style.  Every line names its process (log_procinit).
 * In the foreground (-d) lines go to stderr, otherwise to syslog.  A
 * sandboxed child installs a hook with log_sethook(): its lines are then
 * handed to the hook (which sends them to the parent as IMSG_LOG) and never
 * touch stderr or syslog.
 */

typedef void	(*log_hook_t)(int, const char *);

void	log_init(int, int);
void	log_procinit(const char *);
const char *log_procname(void);
void	log_setverbose(int);
int	log_getverbose(void);
void	log_sethook(log_hook_t);
void	log_emit(int, const char *);
void	log_warn(const char *, ...)
	    __printflike(1, 2);
void	log_warnx(const char *, ...)
	    __printflike(1, 2);
void	log_info(const char *, ...)
	    __printflike(1, 2);
void	log_debug(const char *, ...)
	    __printflike(1, 2);
void	logit(int, const char *, ...)
	    __printflike(2, 3);
void	vlog(int, const char *, va_list)
	    __printflike(2, 0);
__dead void fatal(const char *, ...)
	    __printflike(1, 2);
__dead void fatalx(const char *, ...)
	    __printflike(1, 2);

#endif /* SOFTLAN_LOG_H */
