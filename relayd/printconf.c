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
 * relayd -nv: the configuration in canonical form, every global setting
 * explicitly (defaults too) in a fixed order, then the rooms in the order
 * they were declared with only the options they set (an unset option
 * follows the global one).  The output is a valid relayd.conf that parses
 * back to the same configuration, so it prints room secrets as they are:
 * -nv is for the operator, who can read the file anyway.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <netinet/in.h>

#include <netdb.h>
#include <stdio.h>

#include "cfgcheck.h"
#include "relayd.h"

static void	 print_listen(const struct listen_addr *);

static void
print_listen(const struct listen_addr *la)
{
	char		 host[NI_MAXHOST], serv[NI_MAXSERV];
	int		 rv;

	if ((rv = getnameinfo((const struct sockaddr *)&la->ss, la->sslen,
	    host, sizeof(host), serv, sizeof(serv),
	    NI_NUMERICHOST | NI_NUMERICSERV)) != 0) {
		printf("# listen: %s\n", gai_strerror(rv));
		return;
	}
	printf("listen on %s port %s\n", host, serv);
}

void
print_config(const struct relayd_conf *conf)
{
	const struct listen_addr	*la;
	const struct room_decl		*r;
	const struct relay_conf		*rc = &conf->rc;

	TAILQ_FOREACH(la, &conf->listens, entry)
		print_listen(la);
	if (conf->dev_certificate[0] != '\0')
		cfgcheck_print_string("dev-certificate", conf->dev_certificate);
	else {
		cfgcheck_print_string("certificate", conf->certificate);
		cfgcheck_print_string("key", conf->key);
	}
	cfgcheck_print_string("reset-secret", conf->reset_secret);
	cfgcheck_print_string("control", conf->control);
	cfgcheck_print_string("user", conf->user);
	printf("open-rooms %s\n", rc->open_rooms ? "yes" : "no");
	printf("mtu %u\n", rc->mtu);
	printf("max-rooms %u\n", rc->max_rooms);
	printf("max-peers %u\n", rc->max_peers);
	printf("max-clients %u\n", rc->max_clients);
	printf("mac-age %llu\n", (unsigned long long)(rc->mac_age / 1000));
	printf("max-learned %u\n", rc->max_learned);
	if (rc->bcast_rate == 0)
		printf("broadcast-rate 0\n");
	else
		printf("broadcast-rate %u burst %u\n", rc->bcast_rate,
		    rc->bcast_burst);
	printf("retry-threshold %u\n", conf->retry_threshold);
	printf("max-per-source %u\n", conf->max_per_source);
	printf("max-handshakes %u per-source %u\n", conf->max_handshakes,
	    conf->hs_per_source);

	TAILQ_FOREACH(r, &conf->rooms, entry) {
		printf("\n");
		printf("room ");
		cfgcheck_print_quoted(r->name);
		printf(" {\n");
		if (r->secret[0] != '\0') {
			printf("\t");
			cfgcheck_print_string("secret", r->secret);
		}
		if (r->mtu != 0)
			printf("\tmtu %u\n", r->mtu);
		if (r->max_clients != 0)
			printf("\tmax-clients %u\n", r->max_clients);
		printf("}\n");
	}
}
