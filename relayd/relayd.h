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


#ifndef SOFTLAN_RELAYD_H
#define SOFTLAN_RELAYD_H

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <limits.h>
#include <stdint.h>

#include "ctlmsg.h"
#include "proc.h"
#include "room.h"

#define RELAYD_CONF		"/etc/relayd.conf"
#define RELAYD_SOCKET		"/run/relayd/relayd.sock"
#define RELAYD_USER		"_relayd"
#define RELAYD_CHROOT		"/var/empty/relayd"
#define RELAYD_RESET_SECRET	"/var/lib/relayd/reset.key"
#define RELAYD_PORT		443
#define RELAYD_MAX_LISTEN	16
#define RELAYD_RESET_SECRETLEN	32
#define RELAYD_RETRY_THRESHOLD	64	/* unvalidated handshakes */
#define RELAYD_MAX_PER_SOURCE	16	/* connections per address */
#define RELAYD_MAX_HANDSHAKES	256	/* handshakes in progress */
#define RELAYD_HS_PER_SOURCE	8	/* the same, per address */
#define RELAYD_VERSION		"0.1"
#define RELAYD_DEV_NAME		"softlan-relay"	/* dev-certificate CN */
#define RELAYD_DEV_DAYS		3650
#define RELAYD_PEM_MAX		(1024 * 1024)	/* certificate or key file */

/* One "listen on ADDRESS port N". */
struct listen_addr {
	TAILQ_ENTRY(listen_addr)	 entry;
	struct sockaddr_storage		 ss;
	socklen_t			 sslen;
};
TAILQ_HEAD(listen_list, listen_addr);

/* One "room NAME { ... }" declaration. */
struct room_decl {
	TAILQ_ENTRY(room_decl)		 entry;
	char				 name[CTLMSG_ROOM_MAX + 1];
	char				 secret[CTLMSG_SECRET_MAX + 1];
	uint16_t			 mtu;		/* 0: relay's */
	uint32_t			 max_clients;	/* 0: relay's */
};
TAILQ_HEAD(room_decl_list, room_decl);

struct relayd_conf {
	struct listen_list	 listens;
	struct room_decl_list	 rooms;
	struct relay_conf	 rc;		/* limits and rates (room.h) */
	char			 certificate[PATH_MAX];
	char			 key[PATH_MAX];
	char			 dev_certificate[PATH_MAX];
	char			 reset_secret[PATH_MAX];
	char			 control[PATH_MAX];
	char			 user[LOGIN_NAME_MAX];
	uint32_t		 retry_threshold;
	uint32_t		 max_per_source;
	uint32_t		 max_handshakes;
	uint32_t		 hs_per_source;
};

/*
 * IMSG_RECONF_CONF payload: what the child needs of relayd_conf (the
 * whole struct, with its paths, is larger than one imsg).
 */
struct relayd_reconf {
	struct relay_conf	 rc;
	uint32_t		 retry_threshold;
	uint32_t		 max_per_source;
	uint32_t		 max_handshakes;
	uint32_t		 hs_per_source;
	uint32_t		 nlisten;	/* listen addresses configured */
};

/*
 * imsg between the parent and the "relay" child (continuing the
 * framework's types, proc.h).  Parent -> child: the configuration at
 * start and on every reload, as a stream of IMSG_RECONF_* ending with
 * IMSG_RECONF_END; the listening sockets and the control socket as fds.
 * Child -> parent: only what the parent's request table allows.
 */
enum relayd_imsg {
	IMSG_RECONF_CONF = IMSG_PROC_FIRST,	/* struct relayd_reconf */
	IMSG_RECONF_ROOM,		/* struct room_decl */
	IMSG_RECONF_CERT,		/* certificate bytes, chunked */
	IMSG_RECONF_KEY,		/* key bytes, chunked; wiped after use */
	IMSG_RECONF_RESET_SECRET,	/* RELAYD_RESET_SECRETLEN bytes */
	IMSG_RECONF_END,		/* empty */
	IMSG_LISTEN_FD,			/* struct listen_addr + UDP socket fd */
	IMSG_CONTROL_FD,		/* control socket fd */
	IMSG_CTL_VERBOSE,		/* child -> parent: int32_t level */
	IMSG_CTL_RELOAD_REQ		/* child -> parent: empty */
};

/* parse.y: NULL (errors already logged with file:line) on failure */
struct relayd_conf	*parse_config(const char *, char **, int);
void			 free_config(struct relayd_conf *);
void			 config_defaults(struct relayd_conf *);

/* printconf.c */
void			 print_config(const struct relayd_conf *);

/* relayd.c: main and the parent */

/* relay.c: the network child */
extern const int	 relay_syscalls[];
void			 relay_child_setup(struct proc *);
void			 relay_child_run(struct proc *);
void			 relay_child_dispatch(struct proc *, struct imsg *);

#endif /* SOFTLAN_RELAYD_H */
