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


#ifndef SOFTLAN_WINCOMPAT_H
#define SOFTLAN_WINCOMPAT_H

/*
 * What the portable cores take from libbsd and glibc and MinGW-w64 lacks
 * (compat.c).  Only the Windows build sees this file: clientd/win/include/
 * overlays <string.h> and <stdlib.h> (as libbsd-overlay does on Linux),
 * so the shared sources include the usual headers and nothing else.
 */

#ifndef _WIN32
#error "clientd/win/wincompat.h is for the MinGW-w64 build only"
#endif

#include <stddef.h>
#include <stdint.h>

/* compat.c */
extern char	*__progname;
size_t		 strlcpy(char *, const char *, size_t);
size_t		 strlcat(char *, const char *, size_t);
char		*strndup(const char *, size_t);
void		 explicit_bzero(void *, size_t);
void		*memmem(const void *, size_t, const void *, size_t);
long long	 strtonum(const char *, long long, long long, const char **);
void		 freezero(void *, size_t);
void		*reallocarray(void *, size_t, size_t);
void		*recallocarray(void *, size_t, size_t, size_t);
uint32_t	 arc4random(void);
void		 arc4random_buf(void *, size_t);
uint32_t	 arc4random_uniform(uint32_t);
char		*mkdtemp(char *);
const char	*win_strerror(unsigned long);	/* a DWORD error's text */
const char	*win_strerror_r(unsigned long, char *, size_t);

#endif /* SOFTLAN_WINCOMPAT_H */
