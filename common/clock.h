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


#ifndef SOFTLAN_CLOCK_H
#define SOFTLAN_CLOCK_H

#include <stdint.h>

/*
 * The monotonic clock of the daemons' event loops, which the sans-I/O
 * cores get passed in (they never read a clock).  The Windows build
 * uses it too (MinGW's clock_gettime, from winpthread).
 */

/* clock.c */
uint64_t	 clock_ns(void);	/* CLOCK_MONOTONIC, nanoseconds */
uint64_t	 clock_ms(void);	/* the same in milliseconds */

#endif /* SOFTLAN_CLOCK_H */
