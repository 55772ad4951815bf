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

#include <event.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>

#include "control.h"
#include "ether.h"
#include "proc.h"
#include "tapfilter.h"
#include "uplink.h"
#include "wiremsg.h"

#define CLIENTD_CONF		"/etc/clientd.conf"
#define CLIENTD_SOCKET		"/run/clientd.sock"
#define CLIENTD_USER		"_clientd"
#define CLIENTD_CHROOT		"/var/empty/clientd"
#define CLIENTD_PORT		443
#define CLIENTD_TAP		"softlan0"
#define CLIENTD_HOST_MAX	255	/* DNS name or address literal */
#define CLIENTD_VERSION		"0.1"

struct clientd_conf {
	char			 relay[CLIENTD_HOST_MAX + 1];
	uint16_t		 port;
	char			 server_name[CLIENTD_HOST_MAX + 1];
	char			 ca_certificate[PATH_MAX];	/* PEM or DER */
	char			 room[WIREMSG_ROOM_MAX + 1];
	char			 secret[WIREMSG_SECRET_MAX + 1]; /* "": none */
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

/*
 * What clientd's parent (clientd.c) and its "client" child (client.c)
 * say to each other, named as in every daemon: IMSG_RECONF_* the
 * configuration, IMSG_*_FD a descriptor, IMSG_REQ_* a request of the
 * child, and the parent's answers after what they answer.
 *
 * At start the parent sends IMSG_RECONF_CONF, the CA certificate as
 * IMSG_RECONF_CA chunks, IMSG_TAP_FD (the TAP, up, with the virtual MAC),
 * IMSG_UDP_FD (an unconnected UDP socket bound to the wildcard
 * address of the relay's family, port 0), IMSG_CONTROL_FD and
 * IMSG_RECONF_END.  On SIGHUP (or IMSG_REQ_RELOAD) it resolves the
 * relay's name again and sends IMSG_RELAY_ADDR with the address the next
 * connection attempt uses.
 *
 * The child asks for exactly four things: IMSG_REQ_SET_MTU (a room MTU,
 * 576..1500, for the TAP; the parent answers IMSG_MTU_DONE),
 * IMSG_REQ_EXIT (a fatal reject: stop with that status),
 * IMSG_REQ_VERBOSE (softlanctl log level) and IMSG_REQ_RELOAD (softlanctl
 * reload: what SIGHUP does).  Anything else, or a value out of range,
 * makes the parent exit (fail closed).  IMSG_REQ_VERBOSE and
 * IMSG_REQ_RELOAD are the framework's (proc.h), as in every daemon.
 */

#define CLIENT_CA_MAX		(256 * 1024)
#define CLIENT_MTU_MIN		576
#define CLIENT_MTU_MAX		1500
#define CLIENT_MTU_DEFAULT	1500	/* of a new TAP, until welcome */

enum clientd_imsg {
	IMSG_RECONF_CONF = IMSG_PROC_FIRST,	/* struct client_reconf */
	IMSG_RECONF_CA,			/* certificate bytes, chunked */
	IMSG_RECONF_END,		/* empty */
	IMSG_TAP_FD,			/* fd */
	IMSG_UDP_FD,			/* fd */
	IMSG_CONTROL_FD,		/* fd */
	IMSG_RELAY_ADDR,		/* struct client_relay */
	IMSG_MTU_DONE,			/* struct client_mtu */
	IMSG_REQ_SET_MTU,		/* child: uint32_t mtu */
	IMSG_REQ_EXIT			/* child: int32_t status */
};

struct client_relay {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};

struct client_reconf {
	char			 relay[CLIENTD_HOST_MAX + 1];
	char			 server_name[CLIENTD_HOST_MAX + 1];
	char			 room[WIREMSG_ROOM_MAX + 1];
	char			 secret[WIREMSG_SECRET_MAX + 1];
	struct ether_mac	 mac;
	char			 tap[IF_NAMESIZE];
	uint32_t		 tap_mtu;	/* the TAP's MTU at start */
	int32_t			 pinned;	/* a host route was pinned */
	struct client_relay	 addr;		/* the resolved relay */
};

/* IMSG_MTU_DONE: the MTU asked for and whether it is set. */
struct client_mtu {
	uint32_t		 mtu;
	int32_t			 ok;
};


/*
 * The client child's state (client.c), which its control-socket requests
 * (control.c) read.
 */
/* TAP side: every frame that is not passed on is counted here. */
struct client_counters {
	uint64_t		 tap_frames_in;		/* read from the TAP */
	uint64_t		 tap_frames_sent;	/* to the uplink */
	uint64_t		 tap_drop_notconnected;
	uint64_t		 tap_drop_toobig;
	uint64_t		 tap_drop_full;
	uint64_t		 tap_read_errors;
	uint64_t		 tap_frames_out;	/* written to the TAP */
	uint64_t		 tap_bytes_out;
	uint64_t		 tap_write_down;	/* EIO: link down */
	uint64_t		 tap_write_full;	/* EAGAIN */
	uint64_t		 tap_write_short;
	uint64_t		 tap_write_errors;	/* anything else */
	uint64_t		 mtu_changes;
	uint64_t		 mtu_failures;
};

struct client_env {
	struct proc		*p;
	struct event_base	*base;
	struct client_reconf	 conf;
	int			 have_conf;
	uint8_t			*ca;
	size_t			 calen;
	int			 tapfd;
	int			 udpfd;
	int			 ctlfd;
	int			 started;
	int			 exiting;
	struct event		 ev_tap;
	struct uplink		*up;
	struct control		*ctl;
	struct tapfilter	 tf;
	uint32_t		 tap_mtu;	/* as the parent set it */
	uint64_t		 start_ms;
	struct client_counters	 c;
	struct event		 ev_sigterm;
	struct event		 ev_sigint;
};

/* parse.y: NULL (errors already logged with file:line) on failure */
struct clientd_conf	*parse_config(const char *, char **, int);
void			 free_config(struct clientd_conf *);
void			 config_defaults(struct clientd_conf *);

/* printconf.c */
void			 print_config(const struct clientd_conf *);

/* client.c: the network child */
extern const int	 client_syscalls[];
void			 client_child_setup(struct proc *);
void			 client_child_run(struct proc *);
void			 client_child_dispatch(struct proc *, struct imsg *);

/* control.c: the client child's answers on the control socket */
void			 client_control(struct ctl_conn *, uint32_t,
			    const void *, size_t, void *);

#endif /* SOFTLAN_CLIENTD_H */
