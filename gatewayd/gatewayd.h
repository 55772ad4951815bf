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

#include <event.h>
#include <limits.h>
#include <net/if.h>
#include <stdint.h>

#include "cam.h"
#include "control.h"
#include "lan.h"
#include "mssclamp.h"
#include "overlay.h"
#include "priv.h"
#include "proc.h"
#include "uplink.h"
#include "wiremsg.h"

#define GATEWAYD_CONF		"/etc/gatewayd.conf"
#define GATEWAYD_SOCKET		"/run/gatewayd.sock"
#define GATEWAYD_USER		"_gatewayd"
#define GATEWAYD_CHROOT		"/var/empty/gatewayd"
#define GATEWAYD_PORT		443
#define GATEWAYD_CAM_REFRESH	60	/* seconds */
#define GATEWAYD_HOST_MAX	255	/* DNS name or address literal */
#define GATEWAYD_VERSION	"0.1"

struct gatewayd_conf {
	char		 relay[GATEWAYD_HOST_MAX + 1];	/* "relay HOST" */
	uint16_t	 port;				/* "port N" */
	char		 server_name[GATEWAYD_HOST_MAX + 1];	/* default: relay */
	char		 ca_certificate[PATH_MAX];	/* PEM or DER */
	char		 room[WIREMSG_ROOM_MAX + 1];
	char		 secret[WIREMSG_SECRET_MAX + 1];	/* "": none */
	char		 interface[IF_NAMESIZE];
	uint32_t	 cam_refresh;			/* seconds */
	uint32_t	 mss_clamp;	/* mssclamp.h: no, auto, N */
	char		 user[LOGIN_NAME_MAX];
	char		 control[PATH_MAX];
};

/*
 * What gatewayd's parent (gatewayd.c) and its "gateway" child
 * (gateway.c) say to each other, named as in every daemon: IMSG_RECONF_*
 * the configuration, IMSG_*_FD a descriptor, IMSG_REQ_* a request of the
 * child, and the parent's answers after what they answer.
 *
 * At start and on every reload the parent sends IMSG_RECONF_CONF, the
 * CA certificate as IMSG_RECONF_CA chunks, IMSG_UDP_FD (a wildcard-bound
 * UDP socket of the relay's family, with the resolved relay address) and
 * IMSG_RECONF_END; at start also IMSG_PACKET_FD and IMSG_CONTROL_FD.
 *
 * The packet socket: when a read or write on it fails with ENETDOWN,
 * ENXIO or ENODEV the child asks IMSG_REQ_PACKET_CHECK with the ifindex
 * it has.  The parent answers IMSG_PACKET_SAME (the interface is still
 * there with that index: link down, the socket recovers by itself at link
 * up), IMSG_PACKET_FD (re-created: a new socket) or IMSG_PACKET_GONE
 * (missing; the child asks again every GATEWAY_RECHECK_MS).
 */

#define GATEWAY_CA_MAX		(256 * 1024)
#define GATEWAY_RECHECK_MS	500

enum gatewayd_imsg {
	IMSG_RECONF_CONF = IMSG_PROC_FIRST,	/* struct gateway_reconf */
	IMSG_RECONF_CA,			/* certificate bytes, chunked */
	IMSG_RECONF_END,		/* empty */
	IMSG_UDP_FD,			/* struct gateway_relay + fd */
	IMSG_PACKET_FD,			/* struct priv_packet_info + fd */
	IMSG_CONTROL_FD,		/* fd */
	IMSG_PACKET_SAME,		/* empty */
	IMSG_PACKET_GONE,		/* NUL-terminated reason */
	IMSG_REQ_PACKET_CHECK		/* child: int32_t ifindex */
};

struct gateway_reconf {
	char		 relay[GATEWAYD_HOST_MAX + 1];
	uint16_t	 port;
	char		 server_name[GATEWAYD_HOST_MAX + 1];
	char		 room[WIREMSG_ROOM_MAX + 1];
	char		 secret[WIREMSG_SECRET_MAX + 1];
	char		 interface[IF_NAMESIZE];
	uint32_t	 cam_refresh;	/* seconds */
	uint32_t	 mss_clamp;	/* mssclamp.h: no, auto, N */
};

struct gateway_relay {
	struct sockaddr_storage	 ss;
	socklen_t		 sslen;
};


/*
 * The gateway child's state (gateway.c), which its control-socket
 * requests (control.c) read.
 */
/* What happened to frames written to the LAN. */
struct gw_tx_counters {
	uint64_t		 frames;		/* relay -> LAN */
	uint64_t		 bytes;
	uint64_t		 drop_down;	/* ENETDOWN, ENXIO, ... */
	uint64_t		 drop_error;	/* other write errors */
	uint64_t		 drop_nosocket;	/* no packet socket */
	uint64_t		 cam_sent;
	uint64_t		 cam_errors;
	uint64_t		 rx_errors;	/* recvmsg failures */
	uint64_t		 rx_truncated;
	/* LAN -> relay drops */
	uint64_t		 send_notconnected;
	uint64_t		 send_toobig;
	uint64_t		 send_full;	/* full, not held */
	uint64_t		 pauses;	/* LAN reading stopped */
	uint64_t		 pkt_checks;
	uint64_t		 pkt_reopened;
};

struct gw_env {
	struct proc		*p;
	int			 started;
	uint64_t		 start_ms;

	struct gateway_reconf	 conf;		/* running */
	struct gateway_reconf	 nconf;		/* being received */
	uint8_t			*ca;		/* being received */
	size_t			 calen;
	int			 udpfd;		/* being received */
	struct gateway_relay	 relay;

	int			 pktfd;
	struct priv_packet_info	 info;
	struct event		 ev_pkt;
	int			 checking;	/* check in flight */
	int			 pktgone;
	int			 suspect;	/* failed lately */
	struct event		 ev_recheck;

	int			 ctlfd;
	struct control		*ctl;

	struct uplink		*up;
	struct cam		*cam;
	struct event		 ev_cam;
	struct lan_counters	 lan;
	struct gw_tx_counters	 c;
	struct mssclamp_counters mss;	/* LAN -> relay SYNs */

	/*
	 * Back-pressure: the frame the uplink had no room for, sent when
	 * it has (up_writable); the packet socket is not read meanwhile.
	 */
	int			 paused;
	size_t			 pendlen;	/* 0: none held */
	uint8_t			 pend[OVL_MAX_FRAME];
};

/* parse.y: NULL (errors already logged with file:line) on failure */
struct gatewayd_conf	*parse_config(const char *, char **, int);
void			 free_config(struct gatewayd_conf *);
void			 config_defaults(struct gatewayd_conf *);

/* printconf.c */
void			 print_config(const struct gatewayd_conf *);

/* gateway.c: the network child */
extern const int	 gateway_syscalls[];
void			 gateway_child_setup(struct proc *);
void			 gateway_child_run(struct proc *);
void			 gateway_child_dispatch(struct proc *,
			    struct imsg *);

/* control.c: the gateway child's answers on the control socket */
void			 gateway_control(struct ctl_conn *, uint32_t,
			    const void *, size_t, void *);

#endif /* SOFTLAN_GATEWAYD_H */
