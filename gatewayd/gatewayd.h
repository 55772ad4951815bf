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

#ifndef SOFTLAN_GATEWAYD_H
#define SOFTLAN_GATEWAYD_H

#include <sys/types.h>
#include <sys/socket.h>

#include <limits.h>
#include <net/if.h>
#include <stdint.h>

#include "ctlmsg.h"
#include "proc.h"

#define GATEWAYD_CONF		"/etc/gatewayd.conf"
#define GATEWAYD_SOCKET		"/run/gatewayd.sock"
#define GATEWAYD_USER		"_gatewayd"
#define GATEWAYD_CHROOT		"/var/empty/gatewayd"
#define GATEWAYD_PORT		443
#define GATEWAYD_CAM_REFRESH	60	/* seconds */
#define GATEWAYD_HOST_MAX	255	/* DNS name or address literal */

struct gatewayd_conf {
	char		 relay[GATEWAYD_HOST_MAX + 1];	/* "relay HOST" */
	uint16_t	 port;				/* "port N" */
	char		 server_name[GATEWAYD_HOST_MAX + 1];	/* default: relay */
	char		 ca_certificate[PATH_MAX];	/* PEM or DER */
	char		 room[CTLMSG_ROOM_MAX + 1];
	char		 secret[CTLMSG_SECRET_MAX + 1];	/* "": none */
	char		 interface[IF_NAMESIZE];
	uint32_t	 cam_refresh;			/* seconds */
	char		 user[LOGIN_NAME_MAX];
	char		 control[PATH_MAX];
};

/* parse.y: NULL (errors already logged with file:line) on failure */
struct gatewayd_conf	*parse_config(const char *, char **, int);
void			 free_config(struct gatewayd_conf *);
void			 config_defaults(struct gatewayd_conf *);

/* printconf.c */
void			 print_config(const struct gatewayd_conf *);

#endif /* SOFTLAN_GATEWAYD_H */
