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
 * gatewayd -nv: the configuration in canonical form, every setting
 * explicitly (defaults too, server-name included) in a fixed order.  The
 * output is a valid gatewayd.conf that parses back to the same
 * configuration, so it prints the room secret as it is: -nv is for the
 * operator, who can read the file anyway.
 */

#include <sys/types.h>

#include <stdio.h>

#include "gatewayd.h"

static void	 print_string(const char *, const char *);
static void	 print_quoted(const char *);

/* "value", with the lexer's escapes for " and \. */
static void
print_quoted(const char *s)
{
	putchar('"');
	for (; *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			putchar('\\');
		putchar(*s);
	}
	putchar('"');
}

static void
print_string(const char *kw, const char *s)
{
	printf("%s ", kw);
	print_quoted(s);
	putchar('\n');
}

void
print_config(const struct gatewayd_conf *conf)
{
	printf("relay ");
	print_quoted(conf->relay);
	printf(" port %u\n", conf->port);
	print_string("server-name", conf->server_name);
	print_string("ca-certificate", conf->ca_certificate);
	print_string("room", conf->room);
	if (conf->secret[0] != '\0')
		print_string("secret", conf->secret);
	print_string("interface", conf->interface);
	printf("cam-refresh %u\n", conf->cam_refresh);
	print_string("user", conf->user);
	print_string("control", conf->control);
}
