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

#ifndef SOFTLAN_COMPAT_H
#define SOFTLAN_COMPAT_H

/* What OpenBSD has and Debian's libc and libbsd lack. */

#ifndef __dead
#define __dead		__attribute__((__noreturn__))
#endif

/*
 * Format attribute of printf-like functions.  MinGW-w64's "printf" is the
 * msvcrt one, which rejects %zu; the Windows build uses MinGW's C99 stdio
 * (__USE_MINGW_ANSI_STDIO), whose archetype is gnu_printf.
 */
#ifndef __printflike
#ifdef _WIN32
#define __printflike(fmt, args) \
	__attribute__((__format__ (__gnu_printf__, fmt, args)))
#else
#define __printflike(fmt, args) \
	__attribute__((__format__ (__printf__, fmt, args)))
#endif
#endif

#ifndef __unused
#define __unused	__attribute__((__unused__))	/* libbsd's tree.h */
#endif

#ifndef nitems
#define nitems(_a)	(sizeof((_a)) / sizeof((_a)[0]))
#endif

#ifndef MINIMUM
#define MINIMUM(a, b)	(((a) < (b)) ? (a) : (b))
#endif

#ifndef MAXIMUM
#define MAXIMUM(a, b)	(((a) > (b)) ? (a) : (b))
#endif

#endif /* SOFTLAN_COMPAT_H */
