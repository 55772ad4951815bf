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

#ifndef SOFTLAN_WIN_NETIF_H
#define SOFTLAN_WIN_NETIF_H

/*
 * The broker's network interface: the adapter the worker reads and
 * writes frames through, and the IP configuration changes made for it.
 * Only the broker (LocalSystem) calls this; the worker gets nif.dev.
 *
 *	struct netif	 nif;
 *	struct netif_conf conf = { .adapter = NETIF_TAP, .name = "softlan",
 *			    .ipcfg = NETIF_IPCFG_IPHLP };
 *
 *	netif_open(&nif, &conf, err, sizeof(err))	find and open it
 *	netif_media(&nif, 1, err, sizeof(err))		"cable connected"
 *	netif_apply(&nif, relay, relaylen, 1, err, sizeof(err))
 *			a host route to the relay via the route it has now,
 *			then the adapter's metric (IPv4 and IPv6) set to 1
 *	netif_set_mtu(&nif, 1400, err, sizeof(err))	NlMtu, both families
 *	netif_undo(&nif)	restore all of it, newest first; returns
 *				the number of steps that failed (logged)
 *	netif_close(&nif)	undo, media disconnected, close the handle
 *
 * Every function returns -1 with a message in err on failure, never
 * aborts.  A step of netif_apply() or netif_set_mtu() that succeeded
 * stays on the undo list even if a later step failed: netif_undo() or
 * netif_close() restores exactly what was changed.  netif_undo() empties
 * the list as it goes, so a second call does nothing.  Changing the same
 * setting twice keeps the first old value: undo restores the original.
 * struct netif must stay where netif_open() put it until netif_close().
 *
 * Adapters (struct netif_adapter_ops):
 *	NETIF_TAP	TAP-Windows6 (netif_tap.c): name is the connection
 *			name ("softlan") or the adapter's GUID "{...}", looked
 *			up in the registry; \\.\Global\{GUID}.tap is opened
 *			overlapped; one frame per ReadFile/WriteFile.
 *	NETIF_FAKE	the tests' (netif_fake.c): name is NAME of the
 *			message-mode pipe \\.\pipe\NAME a test harness
 *			serves, opened overlapped in message read mode: one
 *			message is one frame, so the worker's code is the
 *			same.  Interface index NETIF_FAKE_IFINDEX, MAC
 *			02:53:4c:00:00:01, MTU 1500; open, media and close
 *			are journal lines:
 *			    adapter \\.\pipe\NAME if 42 mac 02:53:4c:00:00:01
 *			    media connected
 *			    media disconnected
 *			    adapter closed
 *
 * IP configuration (struct netif_ipcfg):
 *	NETIF_IPCFG_IPHLP  IP Helper (netif_tap.c), every function looked
 *			up with GetProcAddress up front (Wine lacks several):
 *			a missing one fails netif_open() naming it.
 *	NETIF_IPCFG_FAKE   (netif_fake.c) a line per change in the journal
 *			(conf.journal, appended, flushed per line), e.g.
 *			    route add 198.18.0.1/32 via 198.18.99.1 if 1
 *			    metric ipv4 if 42: 1 (was auto)
 *			    mtu ipv4 if 42: 1400 (was 1500)
 *			    mtu ipv4 if 42: restored 1500
 *			    metric ipv4 if 42: restored auto
 *			    route delete 198.18.0.1/32 via 198.18.99.1 if 1
 *			Its best route is conf.fake_nexthop via interface
 *			conf.fake_route_if; its interface starts with an
 *			automatic metric (25) and MTU 1500 for both families.
 *			conf.fake_fail = K fails its Kth change ("failed: "
 *			and the line in the journal).
 *
 * The fake adapter goes with the fake ipcfg only: the real one would
 * change whatever interface of this machine has the fake's index.
 *
 * The pure parts (netif.c, unit-tested): netif_adapter_pick() chooses
 * the adapter in a registry listing, netif_plan() turns the inputs into
 * a list of changes, and the undo list runs them back.
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compat.h"

#define NETIF_TAP_COMPONENT	"tap0901"
#define NETIF_ADAPTERS_MAX	128	/* registry listing */
#define NETIF_PLAN_MAX		5	/* route, 2 metrics, 2 MTUs */
#define NETIF_UNDO_MAX		32
#define NETIF_METRIC_MAX	9999
#define NETIF_MTU_MIN		576	/* IPv4's minimum */
#define NETIF_MTU_MIN6		1280	/* IPv6's: below it IPv6 is left */
#define NETIF_MTU_MAX		65535
#define NETIF_FAKE_IFINDEX	42
#define NETIF_FAKE_MTU		1500
#define NETIF_FAKE_METRIC	25	/* the fake's automatic metric */
#define NETIF_FAKE_ROUTE_IF	1	/* fake_route_if 0 */

enum netif_adapter_kind {
	NETIF_ADAPTER_NONE = 0,
	NETIF_TAP,
	NETIF_FAKE
};

enum netif_ipcfg_kind {
	NETIF_IPCFG_NONE = 0,
	NETIF_IPCFG_IPHLP,
	NETIF_IPCFG_FAKE
};

struct netif_conf {
	int		 adapter;	/* NETIF_TAP, NETIF_FAKE */
	char		 name[256];	/* TAP: connection name or {GUID};
					   FAKE: NAME of \\.\pipe\NAME */
	int		 ipcfg;		/* NETIF_IPCFG_* */
	char		 journal[MAX_PATH]; /* the fakes' journal, "": none */
	char		 fake_nexthop[64]; /* fake best route: "" or
					   unspecified (0.0.0.0, ::): on-link */
	uint32_t	 fake_route_if;	/* its interface (0: 1) */
	uint32_t	 fake_fail;	/* fail the fake's Kth change, 0 none */
	int		 fake_noipv6;	/* the fake interface has no IPv6 */
};

/* One network adapter of the registry (netif_tap_list()). */
struct netif_adapter_entry {
	char		 component[64];	/* ComponentId, "tap0901" */
	char		 guid[40];	/* NetCfgInstanceId, "{...}" */
	char		 name[256];	/* connection name, UTF-8, may be "" */
};

/* An IPv4 (a[0..3]) or IPv6 address; AF_UNSPEC: none. */
struct netif_addr {
	int		 family;
	uint8_t		 a[16];
};

/* The route the system uses now to reach an address. */
struct netif_route {
	struct netif_addr nexthop;	/* unspecified: on-link */
	uint64_t	 luid;
	uint32_t	 ifindex;
};

/* A metric (automatic or value) or an MTU (value). */
struct netif_ifval {
	int		 automatic;
	uint32_t	 value;
};

enum netif_op {
	NETIF_OP_NONE = 0,
	NETIF_OP_ROUTE,		/* host route to dst via nexthop */
	NETIF_OP_METRIC,	/* interface metric of family */
	NETIF_OP_MTU		/* interface NlMtu of family */
};

/* One change; on the undo list, with what restores it (was). */
struct netif_change {
	int		 op;
	int		 family;	/* AF_INET, AF_INET6 */
	uint64_t	 luid;		/* the interface */
	uint32_t	 ifindex;
	struct netif_addr dst;		/* ROUTE */
	struct netif_addr nexthop;	/* ROUTE */
	struct netif_ifval want;	/* METRIC, MTU */
	struct netif_ifval was;		/* METRIC, MTU: read before */
};

/* What netif_plan() decides from. */
struct netif_plan_in {
	struct netif_addr relay;	/* AF_UNSPEC: no host route */
	struct netif_route best;	/* the route to it now */
	uint64_t	 luid;		/* the adapter */
	uint32_t	 ifindex;
	uint32_t	 metric;	/* 0: left alone */
	uint32_t	 mtu;		/* 0: left alone */
	uint32_t	 devmtu;	/* the adapter's own maximum, 0: none */
};

struct netif_plan {
	struct netif_change ch[NETIF_PLAN_MAX];
	size_t		 n;
	char		 note[512];	/* what was skipped and why */
	int		 warn;		/* the note is a warning */
};

struct netif_undo {
	struct netif_change ch[NETIF_UNDO_MAX];
	size_t		 n;
};

struct netif;

/* An adapter backend. */
struct netif_adapter_ops {
	const char	*name;
	/* Fill dev, guid, name, luid, ifindex, mac, devmtu. */
	int		(*open)(struct netif *, const struct netif_conf *,
			    char *, size_t);
	int		(*media)(struct netif *, int, char *, size_t);
	void		(*close)(struct netif *);
};

/* An IP configuration backend. */
struct netif_ipcfg {
	const char	*name;
	int		(*init)(struct netif *, const struct netif_conf *,
			    void **, char *, size_t);
	int		(*best_route)(void *, const struct netif_addr *,
			    struct netif_route *, char *, size_t);
	/* The current value of a METRIC or MTU change; 1: no such family. */
	int		(*get)(void *, const struct netif_change *,
			    struct netif_ifval *, char *, size_t);
	/*
	 * Make the change (undo 0) or restore it (undo 1).  1: it was
	 * so already (a route somebody else made): not ours to undo.
	 */
	int		(*change)(void *, const struct netif_change *, int,
			    char *, size_t);
	void		(*free)(void *);
};

struct netif {
	HANDLE		 dev;		/* overlapped, a frame per I/O */
	char		 guid[40];	/* TAP: "{...}" */
	char		 name[256];	/* TAP: connection name; FAKE: pipe */
	uint64_t	 luid;
	uint32_t	 ifindex;
	uint8_t		 mac[6];
	int		 mac_set;
	uint32_t	 devmtu;	/* the adapter's MTU (TAP: GET_MTU) */
	uint32_t	 version[3];	/* TAP driver version */
	int		 media;		/* connected */
	char		 note[512];	/* the last plan's skipped steps */
	FILE		*journal;	/* the fakes' lines, or NULL */
	const struct netif_adapter_ops *adapter;
	const struct netif_ipcfg *ipcfg;
	void		*ipcfg_ctx;
	struct netif_undo undo;
};

/* netif.c */
int		 netif_open(struct netif *, const struct netif_conf *, char *,
		    size_t);
int		 netif_media(struct netif *, int, char *, size_t);
int		 netif_apply(struct netif *, const struct sockaddr *,
		    socklen_t, uint32_t, char *, size_t);
int		 netif_set_mtu(struct netif *, uint32_t, char *, size_t);
int		 netif_undo(struct netif *);
void		 netif_close(struct netif *);
int		 netif_adapter_pick(const struct netif_adapter_entry *, size_t,
		    const char *, size_t *, char *, size_t);
int		 netif_guid_parse(const char *, GUID *);
int		 netif_addr_from_sa(struct netif_addr *,
		    const struct sockaddr *, socklen_t);
int		 netif_addr_parse(struct netif_addr *, const char *);
const char	*netif_addr_str(const struct netif_addr *, char *, size_t);
int		 netif_addr_unspec(const struct netif_addr *);
int		 netif_plan(const struct netif_plan_in *, struct netif_plan *,
		    char *, size_t);
const char	*netif_change_str(const struct netif_change *, int, char *,
		    size_t);
int		 netif_undo_run(struct netif_undo *, const struct netif_ipcfg *,
		    void *);

/* netif_tap.c */
extern const struct netif_adapter_ops netif_tap_ops;
extern const struct netif_ipcfg netif_ipcfg_iphlp;
int		 netif_tap_list(struct netif_adapter_entry *, size_t, size_t *,
		    char *, size_t);
int		 netif_iphlp_load(char *, size_t);

/* netif_fake.c */
extern const struct netif_adapter_ops netif_fake_ops;
extern const struct netif_ipcfg netif_ipcfg_fake;
void		 netif_journal(struct netif *, const char *, ...)
		    __printflike(2, 3);

#endif /* SOFTLAN_WIN_NETIF_H */
