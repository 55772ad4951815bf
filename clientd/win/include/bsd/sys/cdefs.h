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


#ifndef SOFTLAN_WIN_BSD_SYS_CDEFS_H
#define SOFTLAN_WIN_BSD_SYS_CDEFS_H

/*
 * MinGW-w64 build: libbsd's <sys/queue.h> and <sys/tree.h> (plain macro
 * headers, copied from the build machine into obj-win/bsdinc by win.mk)
 * include <bsd/sys/cdefs.h>.  Not libbsd's: that one would also define
 * __printflike with the msvcrt archetype.  They need only these.
 */

#include <stddef.h>

#ifndef __containerof
#define __containerof(x, s, m) \
	((s *)(void *)((char *)(x) - offsetof(s, m)))
#endif

#ifndef __unused
#define __unused	__attribute__((__unused__))
#endif

#endif /* SOFTLAN_WIN_BSD_SYS_CDEFS_H */
