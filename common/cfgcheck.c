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
 * The grammars' shared checks and byacc glue; see cfgcheck.h.  Every
 * message here is compared, byte for byte, by regress/config.
 */

#include <sys/types.h>
#include <sys/socket.h>
#include <sys/un.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cfgcheck.h"
#include "cfglex.h"
#include "compat.h"
#include "log.h"
#include "wiremsg.h"

int
cfgcheck_open(struct cfgcheck *ck, const struct cfglex_syntax *syntax,
    const char *path, char **defines, int ndefines)
{
	int	 i;

	memset(ck, 0, sizeof(*ck));
	ck->lx = cfglex_new(syntax);
	ck->string_tok = syntax->string_tok;
	for (i = 0; i < ndefines; i++)
		cfglex_cmdline_macro(ck->lx, defines[i]);
	return (cfglex_open(ck->lx, path));
}

int
cfgcheck_close(struct cfgcheck *ck)
{
	int	 errors;

	cfglex_unused_macros(ck->lx);
	errors = cfglex_errors(ck->lx);
	cfglex_free(ck->lx);
	ck->lx = NULL;
	return (errors);
}

int
cfgcheck_lex(struct cfgcheck *ck, char **strp, int64_t *nump,
    int *linenop)
{
	int	 tok;

	tok = cfglex_next(ck->lx, strp, nump);
	*linenop = cfglex_lineno(ck->lx);

	if (tok == '\n')
		ck->linetok = 0;
	else if (++ck->linetok == 1) {
		ck->unknown = tok == ck->string_tok;
		if (ck->unknown)
			strlcpy(ck->firstword, *strp, sizeof(ck->firstword));
	} else if (ck->linetok == 2 && tok == '=')
		ck->unknown = 0;
	/* A block's statements start after its '{', as a line's do. */
	if (tok == '{')
		ck->linetok = 0;
	return (tok);
}

void
cfgcheck_verror(struct cfgcheck *ck, const char *fmt, va_list ap)
{
	if (ck->unknown && strcmp(fmt, "syntax error") == 0)
		cfglex_error(ck->lx, "unknown keyword \"%s\"", ck->firstword);
	else
		cfglex_verror(ck->lx, fmt, ap);
}

int
cfgcheck_once(struct cfgcheck *ck, unsigned int s, const char *kw)
{
	if (ck->seen & (1U << s)) {
		cfglex_error(ck->lx, "%s set twice", kw);
		return (-1);
	}
	ck->seen |= 1U << s;
	return (0);
}

int
cfgcheck_range(struct cfgcheck *ck, const char *kw, int64_t n, int64_t min,
    int64_t max)
{
	if (n < min || n > max) {
		cfglex_error(ck->lx, "%s %lld out of range %lld-%lld", kw,
		    (long long)n, (long long)min, (long long)max);
		return (-1);
	}
	return (0);
}

void
cfgcheck_path(struct cfgcheck *ck, char *dst, size_t dstsz, const char *kw,
    const char *path)
{
	if (!cfglex_path_absolute(path)) {
		cfglex_error(ck->lx, "%s \"%s\": not an absolute path", kw,
		    path);
		return;
	}
	if (strlcpy(dst, path, dstsz) >= dstsz) {
		dst[0] = '\0';
		cfglex_error(ck->lx, "%s: path longer than %zu bytes", kw,
		    dstsz - 1);
	}
}

void
cfgcheck_socket(struct cfgcheck *ck, char *dst, size_t dstsz,
    const char *kw, const char *path)
{
	struct sockaddr_un	 sun;

	if (strlen(path) >= sizeof(sun.sun_path))
		cfglex_error(ck->lx, "%s \"%s\": longer than %zu bytes", kw,
		    path, sizeof(sun.sun_path) - 1);
	else
		cfgcheck_path(ck, dst, dstsz, kw, path);
}

/*
 * An IPv4 or IPv6 literal, or a DNS name: dot-separated labels of 1-63
 * letters, digits, '-' and '_', not starting or ending with '-', with an
 * optional final dot.  Returns 1 if valid.
 */
int
cfgcheck_host_valid(const char *host)
{
	struct in_addr	 in;
	struct in6_addr	 in6;
	const char	*p;
	size_t		 label = 0;

	if (inet_pton(AF_INET, host, &in) == 1 ||
	    inet_pton(AF_INET6, host, &in6) == 1)
		return (1);
	if (host[0] == '\0' || strcmp(host, ".") == 0)
		return (0);
	for (p = host; *p != '\0'; p++) {
		if (*p == '.') {
			if (label == 0 || p[-1] == '-')
				return (0);
			label = 0;
			continue;
		}
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '-' || *p == '_'))
			return (0);
		if (*p == '-' && label == 0)
			return (0);
		if (++label > 63)
			return (0);
	}
	return (label == 0 || p[-1] != '-');
}

void
cfgcheck_host(struct cfgcheck *ck, char *dst, size_t dstsz, const char *kw,
    const char *host)
{
	if (strlen(host) >= dstsz) {
		cfglex_error(ck->lx, "%s: host name longer than %zu bytes",
		    kw, dstsz - 1);
		return;
	}
	if (!cfgcheck_host_valid(host)) {
		cfglex_error(ck->lx, "%s \"%s\": not a host name or an IPv4 "
		    "or IPv6 address", kw, host);
		return;
	}
	strlcpy(dst, host, dstsz);
}

void
cfgcheck_ifname(struct cfgcheck *ck, char *dst, size_t dstsz,
    const char *kw, const char *name)
{
	const char	*p;

	if (name[0] == '\0' || strcmp(name, ".") == 0 ||
	    strcmp(name, "..") == 0) {
		cfglex_error(ck->lx, "%s \"%s\": invalid interface name", kw,
		    name);
		return;
	}
	for (p = name; *p != '\0'; p++) {
		if (*p == '/' || *p == ':' || *p <= ' ' || *p == 0x7f) {
			cfglex_error(ck->lx, "%s \"%s\": invalid interface "
			    "name (no '/', ':', blanks or control characters)",
			    kw, name);
			return;
		}
	}
	if (strlcpy(dst, name, dstsz) >= dstsz) {
		dst[0] = '\0';
		cfglex_error(ck->lx, "%s \"%s\": longer than %zu bytes", kw,
		    name, dstsz - 1);
	}
}

void
cfgcheck_user(struct cfgcheck *ck, char *dst, size_t dstsz,
    const char *name)
{
	const char	*p;

	if (name[0] == '\0' || name[0] == '-') {
		cfglex_error(ck->lx, "user \"%s\": invalid user name", name);
		return;
	}
	for (p = name; *p != '\0'; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		    (*p >= '0' && *p <= '9') || *p == '_' || *p == '-' ||
		    *p == '.')) {
			cfglex_error(ck->lx, "user \"%s\": invalid user name "
			    "(letters, digits, '_', '-' and '.' only)", name);
			return;
		}
	}
	if (strlcpy(dst, name, dstsz) >= dstsz) {
		dst[0] = '\0';
		cfglex_error(ck->lx, "user \"%s\": longer than %zu bytes",
		    name, dstsz - 1);
	}
}

int
cfgcheck_room(struct cfgcheck *ck, char *dst, size_t dstsz,
    const char *name)
{
	if (!wiremsg_room_valid(name)) {
		cfglex_error(ck->lx, "room \"%s\": invalid name (1-%d "
		    "characters of A-Z a-z 0-9 _ -)", name, WIREMSG_ROOM_MAX);
		return (-1);
	}
	/* wiremsg_room_valid() bounds the length: dst is too small. */
	if (strlcpy(dst, name, dstsz) >= dstsz)
		fatalx("%s: %zu bytes for a room name", __func__, dstsz);
	return (0);
}

void
cfgcheck_secret(struct cfgcheck *ck, char *dst, size_t dstsz,
    const char *room, const char *secret)
{
	char	 where[sizeof("room \"\": ") + WIREMSG_ROOM_MAX];
	size_t	 len;

	if (room != NULL)
		snprintf(where, sizeof(where), "room \"%s\": ", room);
	else
		where[0] = '\0';
	len = strlen(secret);
	if (len == 0) {
		cfglex_error(ck->lx, "%sempty secret", where);
		return;
	}
	if (len > WIREMSG_SECRET_MAX) {
		cfglex_error(ck->lx, "%ssecret longer than %d characters",
		    where, WIREMSG_SECRET_MAX);
		return;
	}
	if (strlcpy(dst, secret, dstsz) >= dstsz)
		fatalx("%s: %zu bytes for a secret", __func__, dstsz);
}

void
cfgcheck_port(struct cfgcheck *ck, unsigned int s, int64_t port,
    uint16_t *dst)
{
	if (cfgcheck_once(ck, s, "port") == 0 &&
	    cfgcheck_range(ck, "port", port, 1, 65535) == 0)
		*dst = port;
}

void
cfgcheck_print_quoted(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

void
cfgcheck_print_string(const char *kw, const char *s)
{
	printf("%s ", kw);
	cfgcheck_print_quoted(s);
	putchar('\n');
}
