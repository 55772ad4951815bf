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

#include "cfgcheck.h"
#include "gatewayd.h"
#include "mssclamp.h"

void
print_config(const struct gatewayd_conf *conf)
{
	printf("relay ");
	cfgcheck_print_quoted(conf->relay);
	printf(" port %u\n", conf->port);
	cfgcheck_print_string("server-name", conf->server_name);
	cfgcheck_print_string("ca-certificate", conf->ca_certificate);
	cfgcheck_print_string("room", conf->room);
	if (conf->secret[0] != '\0')
		cfgcheck_print_string("secret", conf->secret);
	cfgcheck_print_string("interface", conf->interface);
	printf("cam-refresh %u\n", conf->cam_refresh);
	if (conf->mss_clamp == MSSCLAMP_OFF)
		printf("mss-clamp no\n");
	else if (conf->mss_clamp == MSSCLAMP_AUTO)
		printf("mss-clamp auto\n");
	else
		printf("mss-clamp %u\n", conf->mss_clamp);
	cfgcheck_print_string("user", conf->user);
	cfgcheck_print_string("control", conf->control);
}
