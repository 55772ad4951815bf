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

#ifndef SOFTLAN_CLIENTD_H
#define SOFTLAN_CLIENTD_H

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <net/if.h>
#include <stdint.h>

#include "ctlmsg.h"
#include "ether.h"
#include "proc.h"

#define CLIENTD_CONF		"/etc/clientd.conf"
#define CLIENTD_SOCKET		"/run/clientd.sock"
#define CLIENTD_USER		"_clientd"
#define CLIENTD_CHROOT		"/var/empty/clientd"
#define CLIENTD_PORT		443
#define CLIENTD_TAP		"softlan0"
#define CLIENTD_HOST_MAX	255	/* DNS name or address literal */

struct clientd_conf {
	char			 relay[CLIENTD_HOST_MAX + 1];
	uint16_t		 port;
	char			 server_name[CLIENTD_HOST_MAX + 1];
	char			 ca_certificate[PATH_MAX];	/* PEM or DER */
	char			 room[CTLMSG_ROOM_MAX + 1];
	char			 secret[CTLMSG_SECRET_MAX + 1];	/* "": none */
	int			 mac_set;	/* virtual-mac given */
	struct ether_mac	 mac;		/* else from /etc/machine-id */
	char			 tap[IF_NAMESIZE];
	int			 addr_set;	/* "address ADDR/PREFIX" */
	struct sockaddr_storage	 addr;
	unsigned int		 prefixlen;
	int			 pin_route;	/* "route-pinning yes|no" */
	char			 user[LOGIN_NAME_MAX];
	char			 control[PATH_MAX];
};

/* parse.y: NULL (errors already logged with file:line) on failure */
struct clientd_conf	*parse_config(const char *, char **, int);
void			 free_config(struct clientd_conf *);
void			 config_defaults(struct clientd_conf *);

/* printconf.c */
void			 print_config(const struct clientd_conf *);

#endif /* SOFTLAN_CLIENTD_H */
