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

#ifndef SOFTLAN_CTLRENDER_H
#define SOFTLAN_CTLRENDER_H

#include <stdio.h>

#include <cJSON.h>

/*
 * softlanctl's text rendering of a control reply (see control.h): each
 * member that is a non-empty array of objects becomes a table titled
 * "name:", its columns the keys of the first object in order, cells
 * left-aligned and separated by two spaces, a missing key printed as "-";
 * a blank line sets a table apart.  Every other member is a line
 * "name: value", a nested object giving "name.sub: value".  Numbers are
 * printed without exponent, booleans as yes/no, null as "-", an empty
 * array as "(none)", an array of scalars comma-separated; control
 * characters in strings are escaped as \xNN.
 */

/* ctlrender.c: 0, or -1 (errno set: EINVAL if reply is not an object). */
int	ctl_render(FILE *, const cJSON *);

#endif /* SOFTLAN_CTLRENDER_H */
