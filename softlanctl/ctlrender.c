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

/* MinGW-w64 declares asprintf only for _GNU_SOURCE (Linux: the flags). */
#if defined(_WIN32) && !defined(_GNU_SOURCE)
#define _GNU_SOURCE
#endif

#include <sys/types.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cJSON.h>

#include "ctlrender.h"

struct render {
	FILE	*out;
	int	 any;		/* something was printed */
	int	 table;		/* the last thing printed: a table */
};

static char	*render_number(double);
static char	*render_string(const char *);
static char	*render_value(const cJSON *);
static size_t	 render_width(const char *);
static int	 render_is_table(const cJSON *);
static int	 render_table(struct render *, const char *, const cJSON *);
static int	 render_members(struct render *, const char *, const cJSON *);

/* Plain decimal, never an exponent; integers without a fraction. */
static char *
render_number(double v)
{
	char	*s, *p;

	if (v != v)
		return (strdup("-"));
	if (v >= -9007199254740992.0 && v <= 9007199254740992.0 &&
	    (double)(long long)v == v) {
		if (asprintf(&s, "%lld", (long long)v) == -1)
			return (NULL);
		return (s);
	}
	if (asprintf(&s, "%.6f", v) == -1)
		return (NULL);
	if (strchr(s, '.') != NULL) {
		p = s + strlen(s) - 1;
		while (*p == '0')
			*p-- = '\0';
		if (*p == '.')
			*p = '\0';
	}
	if (strcmp(s, "-0") == 0) {
		s[0] = '0';
		s[1] = '\0';
	}
	return (s);
}

/* The string with control characters escaped as \xNN. */
static char *
render_string(const char *str)
{
	const unsigned char	*p;
	char			*s, *q;
	size_t			 n = 1;

	for (p = (const unsigned char *)str; *p != '\0'; p++)
		n += (*p < 0x20 || *p == 0x7f) ? 4 : 1;
	if ((s = malloc(n)) == NULL)
		return (NULL);
	for (p = (const unsigned char *)str, q = s; *p != '\0'; p++) {
		if (*p < 0x20 || *p == 0x7f) {
			(void)snprintf(q, 5, "\\x%02x", *p);
			q += 4;
		} else
			*q++ = *p;
	}
	*q = '\0';
	return (s);
}

/* One value as text (malloc'd); NULL only when out of memory. */
static char *
render_value(const cJSON *v)
{
	const cJSON	*e;
	char		*s, *t, *joined;

	if (v == NULL || cJSON_IsNull(v))
		return (strdup("-"));
	if (cJSON_IsBool(v))
		return (strdup(cJSON_IsTrue(v) ? "yes" : "no"));
	if (cJSON_IsNumber(v))
		return (render_number(v->valuedouble));
	if (cJSON_IsString(v))
		return (render_string(v->valuestring));
	if (cJSON_IsArray(v) && !render_is_table(v)) {
		if (cJSON_GetArraySize(v) == 0)
			return (strdup("(none)"));
		joined = NULL;
		cJSON_ArrayForEach(e, v) {
			if ((t = render_value(e)) == NULL) {
				free(joined);
				return (NULL);
			}
			if (joined == NULL)
				s = t;
			else {
				if (asprintf(&s, "%s, %s", joined, t) == -1)
					s = NULL;
				free(t);
				free(joined);
			}
			if ((joined = s) == NULL)
				return (NULL);
		}
		return (joined);
	}
	/* An object or a table inside a cell: compact JSON. */
	if ((t = cJSON_PrintUnformatted(v)) == NULL)
		return (NULL);
	s = render_string(t);
	cJSON_free(t);
	return (s);
}

/* Terminal columns, counting a UTF-8 sequence as one. */
static size_t
render_width(const char *s)
{
	size_t	 n = 0;

	for (; *s != '\0'; s++)
		if (((unsigned char)*s & 0xc0) != 0x80)
			n++;
	return (n);
}

/* A non-empty array of objects only. */
static int
render_is_table(const cJSON *v)
{
	const cJSON	*e;

	if (!cJSON_IsArray(v) || cJSON_GetArraySize(v) == 0)
		return (0);
	cJSON_ArrayForEach(e, v)
		if (!cJSON_IsObject(e))
			return (0);
	return (1);
}

static int
render_table(struct render *r, const char *title, const cJSON *arr)
{
	const cJSON	*first, *col, *row;
	char		**cells = NULL, *t;
	size_t		*width = NULL, ncols = 0, nrows, i, j, k, w;
	int		 ret = -1;

	first = arr->child;
	for (col = first->child; col != NULL; col = col->next)
		ncols++;
	/* The header is row 0. */
	nrows = (size_t)cJSON_GetArraySize(arr) + 1;
	if (ncols > 0) {
		if ((cells = calloc(nrows * ncols, sizeof(*cells))) == NULL ||
		    (width = calloc(ncols, sizeof(*width))) == NULL)
			goto done;
	}
	for (j = 0, col = first->child; col != NULL; j++, col = col->next)
		if ((cells[j] = render_string(col->string)) == NULL)
			goto done;
	i = 1;
	cJSON_ArrayForEach(row, arr) {
		for (j = 0, col = first->child; col != NULL;
		    j++, col = col->next) {
			t = render_value(cJSON_GetObjectItemCaseSensitive(row,
			    col->string));
			if ((cells[i * ncols + j] = t) == NULL)
				goto done;
		}
		i++;
	}
	for (k = 0; k < nrows * ncols; k++) {
		w = render_width(cells[k]);
		if (w > width[k % ncols])
			width[k % ncols] = w;
	}

	if (r->any && fputc('\n', r->out) == EOF)
		goto done;
	if ((t = render_string(title)) == NULL)
		goto done;
	if (fprintf(r->out, "%s:\n", t) < 0) {
		free(t);
		goto done;
	}
	free(t);
	for (i = 0; i < nrows; i++) {
		for (j = 0; j < ncols; j++) {
			t = cells[i * ncols + j];
			if (fputs(t, r->out) == EOF)
				goto done;
			if (j + 1 == ncols)
				break;
			for (w = render_width(t); w < width[j] + 2; w++)
				if (fputc(' ', r->out) == EOF)
					goto done;
		}
		if (fputc('\n', r->out) == EOF)
			goto done;
	}
	r->any = 1;
	r->table = 1;
	ret = 0;
 done:
	for (k = 0; cells != NULL && k < nrows * ncols; k++)
		free(cells[k]);
	free(cells);
	free(width);
	return (ret);
}

static int
render_members(struct render *r, const char *prefix, const cJSON *obj)
{
	const cJSON	*m;
	char		*name, *key, *val;
	int		 ret;

	cJSON_ArrayForEach(m, obj) {
		if ((key = render_string(m->string != NULL ? m->string :
		    "")) == NULL)
			return (-1);
		if (prefix == NULL)
			name = key;
		else {
			if (asprintf(&name, "%s.%s", prefix, key) == -1)
				name = NULL;
			free(key);
			if (name == NULL)
				return (-1);
		}
		if (cJSON_IsObject(m) && m->child != NULL)
			ret = render_members(r, name, m);
		else if (render_is_table(m))
			ret = render_table(r, name, m);
		else {
			ret = -1;
			if (cJSON_IsObject(m))
				val = strdup("-");
			else
				val = render_value(m);
			if (val != NULL) {
				if (r->table && fputc('\n', r->out) == EOF)
					ret = -1;
				else if (fprintf(r->out, "%s: %s\n", name,
				    val) >= 0)
					ret = 0;
				free(val);
				r->any = 1;
				r->table = 0;
			}
		}
		free(name);
		if (ret == -1)
			return (-1);
	}
	return (0);
}

int
ctl_render(FILE *out, const cJSON *reply)
{
	struct render	 r;

	if (!cJSON_IsObject(reply)) {
		errno = EINVAL;
		return (-1);
	}
	memset(&r, 0, sizeof(r));
	r.out = out;
	return (render_members(&r, NULL, reply));
}
