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
 * MinGW-w64 overlay: the C library's <sys/stat.h>, and POSIX's
 * mkdir(path, mode) in place of the msvcrt one, which has no mode (a new
 * directory inherits its parent's ACL).  <io.h> and <direct.h>, which
 * declare the one-argument mkdir, are read first, so that the macro below
 * meets no declaration.
 */
#include_next <sys/stat.h>

#ifndef SOFTLAN_WIN_SYS_STAT_H
#define SOFTLAN_WIN_SYS_STAT_H

#include <direct.h>
#include <io.h>

#define mkdir(path, mode)	_mkdir(path)

#endif /* SOFTLAN_WIN_SYS_STAT_H */
