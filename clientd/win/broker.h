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

#ifndef SOFTLAN_WIN_BROKER_H
#define SOFTLAN_WIN_BROKER_H

/*
 * clientd.exe, the Windows client: the broker (the service, broker.c and
 * service.c), the worker (worker.c) and the pipe transport between them
 * (pipe.c, imsg/imsg-win.c).
 *
 * The split is the Linux daemon's (common/proc.h): the broker alone holds
 * privileges (it reads the configuration, opens the adapter and the UDP
 * socket, changes routes, metric and MTU through netif.h, and undoes
 * them); the worker runs the client's core (clientd/clientcore.c, the
 * same code as the Linux child: QUIC uplink, session, TAP filter) and the
 * control pipe.  The worker is its own binary re-run with a hidden role
 *
 *	clientd.exe -P worker <broker pid> <pipe handle> <original args...>
 *
 * in a kill-on-close job, with a restricted token, inheriting exactly one
 * handle (PROC_THREAD_ATTRIBUTE_HANDLE_LIST): the client end of the pipe
 * \\.\pipe\softlan-clientd-<broker pid>.  Messages are imsg, on both
 * ends through the same API as on Linux.  Every worker request must match
 * broker_reqs[] (type, exact size, BROKER_ONCE at most once, values in
 * range); anything else stops the worker and the broker exits nonzero.
 * A handle goes to the worker as a value: the broker duplicates it into
 * the worker's handle table (DuplicateHandle; WSADuplicateSocket for a
 * socket) and sends the number.
 */

#include <winsock2.h>
#include <ws2tcpip.h>
#include <windows.h>

#include <stddef.h>
#include <stdint.h>

/* A relative path: win.mk's flags have no -Iimsg (pipe.mk adds one). */
#include "../../imsg/imsg.h"
#include "clientconf.h"
#include "log.h"
#include "netif.h"

#define BROKER_SERVICE		L"softlan-clientd"
#define BROKER_DISPLAY		L"softlan client"
#define BROKER_DESCRIPTION	L"softlan: puts this computer on a remote " \
				"LAN at layer 2 (broker of the softlan client)"
#define BROKER_PIPE_PREFIX	L"\\\\.\\pipe\\softlan-clientd-"
#define BROKER_LOGDIR		L"softlan"	/* in %ProgramData% */
#define BROKER_LOGFILE		L"clientd.log"
#define BROKER_ROLE_FLAG	"-P"
#define BROKER_ROLE_WORKER	"worker"
#define BROKER_VERSION		1
#define BROKER_LOG_MAX		1024	/* a log line with its NUL */
#define BROKER_STOP_WAIT_MS	1000	/* a stopping worker, then the job */
#define BROKER_PIPE_BUFSIZE	65536
#define BROKER_CMDLINE_MAX	32768	/* wide characters, CreateProcess's */
#define BROKER_PINGS		4	/* startup round trips, -T pings=N */
#define BROKER_PINGS_MAX	1000

/*
 * The messages.  worker -> broker: IMSG_LOG and the requests of
 * broker_reqs[] (checked); broker -> worker: the rest (the broker is
 * trusted, as the Linux parent is).
 *
 * At start the worker sends IMSG_HELLO.  The broker answers with the
 * startup round trips (IMSG_PING, each answered by IMSG_PONG), the
 * configuration (IMSG_RECONF_CONF, the CA certificate as IMSG_RECONF_CA
 * chunks, the control pipe's name), the adapter's handle
 * (IMSG_TAP_HANDLE), the UDP socket (IMSG_UDP_SOCKET) and
 * IMSG_RECONF_END.  The worker asks for the room MTU on the adapter
 * (IMSG_REQ_SET_MTU, answered IMSG_MTU_DONE), a log level
 * (IMSG_REQ_VERBOSE), the relay's name resolved again
 * (IMSG_REQ_RELOAD, answered IMSG_RELAY_ADDR) or the end with a status
 * (IMSG_REQ_EXIT).  EOF on the pipe stops the worker.
 */
enum win_imsg_type {
	IMSG_NONE = 0,
	IMSG_LOG,		/* worker: struct win_log + line */
	IMSG_HELLO,		/* worker: struct win_hello, once */
	IMSG_PONG,		/* worker: struct win_ping */
	IMSG_REQ_EXIT,		/* worker: int32_t status 0..255, once */
	IMSG_REQ_SET_MTU,	/* worker: uint32_t, CLIENT_MTU_MIN..MAX */
	IMSG_REQ_VERBOSE,	/* worker: int32_t 0..3 */
	IMSG_REQ_RELOAD,	/* worker: empty */
	IMSG_PING,		/* struct win_ping */
	IMSG_RECONF_CONF,	/* struct client_reconf */
	IMSG_RECONF_CA,		/* certificate bytes, chunked */
	IMSG_CONTROL_PIPE,	/* struct win_pipename */
	IMSG_TAP_HANDLE,	/* struct win_handle */
	IMSG_UDP_SOCKET,	/* WSAPROTOCOL_INFOW */
	IMSG_RECONF_END,	/* empty */
	IMSG_RELAY_ADDR,	/* struct client_relay */
	IMSG_MTU_DONE		/* struct client_mtu */
};

/* IMSG_LOG: pri, then "worker: text" with its NUL (variable size). */
struct win_log {
	int32_t		 pri;
};

/* IMSG_HELLO: who the worker is, and what its token turned out to be. */
struct win_hello {
	uint32_t	 version;	/* BROKER_VERSION */
	uint32_t	 pid;
	uint32_t	 privileges;	/* privileges left in its token */
	uint32_t	 integrity;	/* integrity level RID, 0: unknown */
	uint32_t	 admins;	/* BUILTIN\Administrators in it: */
#define WIN_ADMINS_ABSENT	0
#define WIN_ADMINS_ENABLED	1
#define WIN_ADMINS_DISABLED	2
#define WIN_ADMINS_DENYONLY	3
#define WIN_ADMINS_UNKNOWN	UINT32_MAX
};

/* IMSG_PING, IMSG_PONG: a pong carries the ping's bytes xor 0xa5. */
#define WIN_PING_DATA	4096
struct win_ping {
	uint32_t	 seq;		/* 1, 2, ... */
	uint32_t	 sum;		/* of data */
	uint8_t		 data[WIN_PING_DATA];
};

/* IMSG_TAP_HANDLE: a handle value, valid in the worker's process. */
struct win_handle {
	uint64_t	 value;
};

/* IMSG_CONTROL_PIPE: "\\\\.\\pipe\\name", NUL-terminated. */
struct win_pipename {
	char		 name[256];
};

/*
 * The command line.  -T key=value are the tests' fakes, probes and
 * faults (hidden: not in usage); the worker sees the same arguments.
 */
struct win_opts {
	int		 debug;			/* -d */
	int		 verbose;		/* -v */
	int		 noaction;		/* -n */
	char		 conffile[MAX_PATH];	/* -f, else ProgramData's */
	char		 fakenic[128];		/* fakenic=: the adapter */
	char		 journal[MAX_PATH];	/* journal=: fake IP config */
	int		 fakeip;		/* fakeip: journal only */
	int		 pings;			/* pings=N */
	int		 exit;			/* exit: stop after startup */
	int		 probe;			/* probe: the worker tries */
	char		 fault[16];		/* fault=badsize|unknown|... */
};

struct broker;

/* One request type the broker accepts from its worker. */
struct broker_req {
	uint32_t	 type;
	const char	*name;		/* "IMSG_HELLO", for the logs */
	size_t		 size;		/* exact payload size, or the max */
	int		 flags;
#define BROKER_ONCE	0x01		/* allowed once per worker */
#define BROKER_VARSIZE	0x02		/* size is a maximum */
	void		(*handler)(struct broker *, struct imsg *);
};

struct broker {
	struct win_opts	 opts;
	struct clientd_conf *conf;
	struct client_reconf reconf;	/* what the worker gets */
	uint8_t		*ca;
	size_t		 calen;
	struct netif	 nif;
	int		 nif_open;
	struct imsgbuf	 ibuf;		/* to the worker */
	HANDLE		 pipe;		/* the server end */
	HANDLE		 job;
	HANDLE		 proc;		/* the worker */
	DWORD		 pid;
	HANDLE		 stop;		/* set: stop (console, SCM) */
	SOCKET		 udp;
	uint8_t		 used[16];	/* BROKER_ONCE requests seen */
	int		 hello;		/* IMSG_HELLO seen */
	uint32_t	 pings;		/* sent */
	uint32_t	 pongs;		/* answered */
	void		(*onexit)(int);	/* service: report SERVICE_STOPPED */
	void		(*emit)(int, const char *); /* the worker's lines */
};

/* The two ends of the broker's pipe, before the worker is spawned. */
struct pipe_pair {
	HANDLE		 server;
	HANDLE		 client;
	wchar_t		 name[64];
};

/* broker.c */
int		 broker_opts(struct win_opts *, int, char **);
int		 cmdline_append(wchar_t *, size_t *, const wchar_t *);
int		 broker_start(struct broker *);
__dead void	 broker_loop(struct broker *);
__dead void	 broker_exit(struct broker *, int);
__dead void	 broker_fail(struct broker *, const char *, ...)
		    __printflike(2, 3);
void		 win_imsg_warn(const char *);
void		 win_token_info(HANDLE, struct win_hello *);
const char	*win_admins_name(uint32_t);
void		 win_ping_fill(struct win_ping *, uint32_t);
uint32_t	 win_ping_sum(const struct win_ping *);

/* setup.c */
int		 broker_setup(struct broker *);
int		 broker_udp(struct broker *);
void		 broker_send_config(struct broker *);
void		 broker_req_set_mtu(struct broker *, struct imsg *);
void		 broker_req_verbose(struct broker *, struct imsg *);
void		 broker_req_reload(struct broker *, struct imsg *);
void		 broker_undo(struct broker *);

/* service.c */
int		 service_install(int, char **);
int		 service_uninstall(void);
int		 service_run(struct broker *);

/* worker.c */
__dead void	 worker_main(int, char **);

/* pipe.c */
int		 pipe_pair_open(struct pipe_pair *);
void		 pipe_pair_close(struct pipe_pair *);
int		 pipe_check_server(HANDLE, DWORD);
int		 pipe_handle_give(HANDLE, HANDLE, DWORD, uint64_t *);
void		 pipe_handle_revoke(HANDLE, uint64_t);
HANDLE		 pipe_handle_take(uint64_t);
int		 pipe_socket_give(SOCKET, DWORD, WSAPROTOCOL_INFOW *);
SOCKET		 pipe_socket_take(const WSAPROTOCOL_INFOW *, int, int);

#endif /* SOFTLAN_WIN_BROKER_H */
