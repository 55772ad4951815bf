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
 * The libbsd and glibc functions the portable cores use and MinGW-w64
 * lacks (declared in wincompat.h, seen through the clientd/win/include/
 * overlay).  Same contracts as OpenBSD's: strlcpy(3), strndup(3),
 * strtonum(3), freezero(3), recallocarray(3), arc4random(3), mkdtemp(3).
 */

#include <sys/stat.h>

#include <windows.h>
#include <bcrypt.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "wincompat.h"

static void	 progname_init(void) __attribute__((__constructor__));

static char	 progname[64] = "softlan";
char		*__progname = progname;

/* __progname: the base name of the .exe without ".exe", as argv[0] is. */
static void
progname_init(void)
{
	char	 path[MAX_PATH];
	char	*p, *q;
	DWORD	 n;
	size_t	 len;

	n = GetModuleFileNameA(NULL, path, sizeof(path));
	if (n == 0 || n >= sizeof(path))
		return;
	p = path;
	for (q = path; *q != '\0'; q++)
		if (*q == '\\' || *q == '/')
			p = q + 1;
	len = strlen(p);
	if (len > 4 && _stricmp(p + len - 4, ".exe") == 0)
		p[len - 4] = '\0';
	if (*p != '\0')
		(void)strlcpy(progname, p, sizeof(progname));
}

size_t
strlcpy(char *dst, const char *src, size_t dsize)
{
	size_t	 len = strlen(src);

	if (dsize != 0) {
		size_t	 n = len < dsize - 1 ? len : dsize - 1;

		memcpy(dst, src, n);
		dst[n] = '\0';
	}
	return (len);
}

size_t
strlcat(char *dst, const char *src, size_t dsize)
{
	size_t	 dlen = strnlen(dst, dsize);

	if (dlen == dsize)
		return (dlen + strlen(src));
	return (dlen + strlcpy(dst + dlen, src, dsize - dlen));
}

char *
strndup(const char *s, size_t maxlen)
{
	size_t	 len = strnlen(s, maxlen);
	char	*p;

	if ((p = malloc(len + 1)) == NULL)
		return (NULL);
	memcpy(p, s, len);
	p[len] = '\0';
	return (p);
}

void
explicit_bzero(void *p, size_t len)
{
	SecureZeroMemory(p, len);
}

void *
memmem(const void *big, size_t biglen, const void *little, size_t littlelen)
{
	const unsigned char	*b = big;
	size_t			 i;

	if (littlelen == 0)
		return ((void *)(uintptr_t)big);
	if (biglen < littlelen)
		return (NULL);
	for (i = 0; i <= biglen - littlelen; i++)
		if (b[i] == *(const unsigned char *)little &&
		    memcmp(b + i, little, littlelen) == 0)
			return ((void *)(uintptr_t)(b + i));
	return (NULL);
}

long long
strtonum(const char *numstr, long long minval, long long maxval,
    const char **errstrp)
{
	long long	 ll = 0;
	char		*ep;
	const char	*errstr = NULL;
	int		 saved_errno = errno;

	if (minval > maxval)
		errstr = "invalid";
	else {
		errno = 0;
		ll = strtoll(numstr, &ep, 10);
		if (numstr == ep || *ep != '\0')
			errstr = "invalid";
		else if ((ll == LLONG_MIN && errno == ERANGE) || ll < minval)
			errstr = "too small";
		else if ((ll == LLONG_MAX && errno == ERANGE) || ll > maxval)
			errstr = "too large";
	}
	if (errstrp != NULL)
		*errstrp = errstr;
	if (errstr != NULL) {
		errno = strcmp(errstr, "invalid") == 0 ? EINVAL : ERANGE;
		return (0);
	}
	errno = saved_errno;
	return (ll);
}

void
freezero(void *p, size_t len)
{
	if (p == NULL)
		return;
	explicit_bzero(p, len);
	free(p);
}

void *
reallocarray(void *p, size_t nmemb, size_t size)
{
	if (size != 0 && nmemb > SIZE_MAX / size) {
		errno = ENOMEM;
		return (NULL);
	}
	return (realloc(p, nmemb * size));
}

/* Always a fresh block: the old one is cleared before it is freed. */
void *
recallocarray(void *p, size_t oldnmemb, size_t newnmemb, size_t size)
{
	size_t	 oldsize, newsize;
	void	*np;

	if (p == NULL)
		return (calloc(newnmemb, size));
	if (size != 0 && (newnmemb > SIZE_MAX / size ||
	    oldnmemb > SIZE_MAX / size)) {
		errno = ENOMEM;
		return (NULL);
	}
	oldsize = oldnmemb * size;
	newsize = newnmemb * size;
	if ((np = calloc(newnmemb, size)) == NULL)
		return (NULL);
	memcpy(np, p, oldsize < newsize ? oldsize : newsize);
	freezero(p, oldsize);
	return (np);
}

/* The system's CSPRNG; like arc4random(3) it cannot fail. */
void
arc4random_buf(void *buf, size_t len)
{
	unsigned char	*p = buf;
	ULONG		 n;

	while (len > 0) {
		n = len > 0x10000000 ? 0x10000000 : (ULONG)len;
		if (!BCRYPT_SUCCESS(BCryptGenRandom(NULL, p, n,
		    BCRYPT_USE_SYSTEM_PREFERRED_RNG)))
			abort();
		p += n;
		len -= n;
	}
}

uint32_t
arc4random(void)
{
	uint32_t	 r;

	arc4random_buf(&r, sizeof(r));
	return (r);
}

/*
 * mkdtemp(3): the trailing X's of the template replaced with random
 * letters and digits until a new directory is made (mkdir, which fails if
 * the name exists, is the test).
 */
char *
mkdtemp(char *template)
{
	static const char	 chars[] =
	    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t			 len, nx, i;
	int			 tries;

	len = strlen(template);
	for (nx = 0; nx < len && template[len - 1 - nx] == 'X'; nx++)
		;
	if (nx < 6) {
		errno = EINVAL;
		return (NULL);
	}
	for (tries = 0; tries < 100; tries++) {
		for (i = len - nx; i < len; i++)
			template[i] = chars[arc4random_uniform(
			    sizeof(chars) - 1)];
		if (mkdir(template, 0700) == 0)
			return (template);
		if (errno != EEXIST)
			return (NULL);
	}
	errno = EEXIST;
	return (NULL);
}

/* Uniform in [0, bound): retry below 2^32 % bound to avoid modulo bias. */
uint32_t
arc4random_uniform(uint32_t bound)
{
	uint32_t	 r, min;

	if (bound < 2)
		return (0);
	min = -bound % bound;
	do {
		r = arc4random();
	} while (r < min);
	return (r % bound);
}

/*
 * A Windows error as a message fragment: "the pipe has been ended (error
 * 109)", into buf (win_strerror_r) or one static buffer, for the thread
 * that logs (win_strerror).
 */
const char *
win_strerror_r(unsigned long err, char *buf, size_t len)
{
	char	 msg[200];
	DWORD	 n;

	n = FormatMessageA(FORMAT_MESSAGE_FROM_SYSTEM |
	    FORMAT_MESSAGE_IGNORE_INSERTS, NULL, err, 0, msg, sizeof(msg),
	    NULL);
	while (n > 0 && (msg[n - 1] == '\r' || msg[n - 1] == '\n' ||
	    msg[n - 1] == '.' || msg[n - 1] == ' '))
		msg[--n] = '\0';
	if (n == 0)
		(void)snprintf(buf, len, "error %lu", err);
	else {
		if (msg[0] >= 'A' && msg[0] <= 'Z' &&
		    !(msg[1] >= 'A' && msg[1] <= 'Z'))
			msg[0] += 'a' - 'A';
		(void)snprintf(buf, len, "%s (error %lu)", msg, err);
	}
	return (buf);
}

const char *
win_strerror(unsigned long err)
{
	static char	 buf[256];

	return (win_strerror_r(err, buf, sizeof(buf)));
}
