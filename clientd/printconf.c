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
 * clientd -nv: the configuration in canonical form, every setting
 * explicitly (defaults too, server-name included) in a fixed order.  What
 * the parent decides at start is shown as a comment: the virtual MAC
 * derived from the machine id (clientconf.h) and DHCP on the TAP.  The
 * output is a valid clientd.conf that parses back to the same
 * configuration, so it prints the room secret as it is: -nv is for the
 * operator, who can read the file anyway.  On Windows "user", which is
 * not used there, is a comment too.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <arpa/inet.h>
#include <netinet/in.h>

#include <stdio.h>

#include "cfgcheck.h"
#include "clientconf.h"
#include "ether.h"
#include "mssclamp.h"

static void	 print_address(const struct clientd_conf *);
static void	 print_mss_clamp(uint32_t);

static void
print_mss_clamp(uint32_t v)
{
	if (v == MSSCLAMP_OFF)
		printf("mss-clamp no\n");
	else if (v == MSSCLAMP_AUTO)
		printf("mss-clamp auto\n");
	else
		printf("mss-clamp %u\n", v);
}

static void
print_address(const struct clientd_conf *conf)
{
	char		 buf[INET6_ADDRSTRLEN];
	const void	*a;

	if (!conf->addr_set) {
		printf("# no address: a DHCP client configures the tap\n");
		return;
	}
	if (conf->addr.ss_family == AF_INET)
		a = &((const struct sockaddr_in *)&conf->addr)->sin_addr;
	else
		a = &((const struct sockaddr_in6 *)&conf->addr)->sin6_addr;
	if (inet_ntop(conf->addr.ss_family, a, buf, sizeof(buf)) == NULL) {
		printf("# address: unprintable\n");
		return;
	}
	printf("address %s/%u\n", buf, conf->prefixlen);
}

void
print_config(const struct clientd_conf *conf)
{
	char	 mac[ETHER_MAC_STRLEN];

	printf("relay ");
	cfgcheck_print_quoted(conf->relay);
	printf(" port %u\n", conf->port);
	cfgcheck_print_string("server-name", conf->server_name);
	cfgcheck_print_string("ca-certificate", conf->ca_certificate);
	cfgcheck_print_string("room", conf->room);
	if (conf->secret[0] != '\0')
		cfgcheck_print_string("secret", conf->secret);
	if (conf->mac_set)
		printf("virtual-mac %s\n",
		    ether_mac_format(&conf->mac, mac, sizeof(mac)));
	else
		printf("# virtual-mac derived from %s at start\n",
		    CLIENTD_MACHINE_ID);
	cfgcheck_print_string("tap", conf->tap);
	print_address(conf);
	printf("route-pinning %s\n", conf->pin_route ? "yes" : "no");
	print_mss_clamp(conf->mss_clamp);
#ifdef _WIN32
	printf("# user: not used on Windows\n");
#else
	cfgcheck_print_string("user", conf->user);
#endif
	cfgcheck_print_string("control", conf->control);
}
