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

#ifndef SOFTLAN_CONTROL_H
#define SOFTLAN_CONTROL_H

#include <sys/types.h>

#include <stddef.h>
#include <stdint.h>

#include <cJSON.h>

/*
 * The control socket of every softlan daemon, and the protocol softlanctl
 * speaks on it.
 *
 * The parent creates the socket (priv_control_socket: root-owned, mode
 * 0660, group of the daemon's user) and passes the listening fd to the
 * network child, which serves it with control_init().  Messages are imsg
 * (imsg/imsg.h) without fd passing.  A client sends one request and reads
 * the reply: any number of IMSG_CTL_JSON chunks whose concatenation is one
 * JSON object, then IMSG_CTL_END; or IMSG_CTL_ERROR with a NUL-terminated
 * message.
 *
 * A reply object is rendered by softlanctl without knowing the daemon:
 * each member whose value is an array of objects becomes an aligned table
 * titled by the member's name, its columns the keys of the first object in
 * order; every other member is printed as "name: value".  softlanctl -j
 * prints the JSON itself.
 *
 * A client that sends anything else (unknown type, wrong size, fd, more
 * than CONTROL_MAX_PENDING requests without reading) is disconnected;
 * nothing a client does can stop the daemon.
 *
 * Nor can clients lock softlanctl out by holding connections.  A client
 * is disconnected when it has nothing pending and sends no request for
 * CONTROL_IDLE_MS, when a request it began is not complete within
 * CONTROL_PARTIAL_MS, or when a reply queued for it makes no progress
 * for CONTROL_IDLE_MS; never while the daemon owes it a reply.  When
 * CONTROL_MAX_CLIENTS are connected, a new client takes the place of the
 * one idle the longest (no reply owed or queued, or a reply unread for
 * CONTROL_PARTIAL_MS); it is refused only if every client is waiting
 * for a reply or reading one.  Each of these is counted
 * (control_json_counters).
 *
 * On Windows the same protocol runs over a named pipe instead
 * (clientd/win/control_win.c, control_init_pipe()): byte mode, local
 * clients only, CONTROL_PIPE by default.  Its DACL gives SYSTEM,
 * Administrators and the serving process's user full access, and
 * Interactive Users read and write, not FILE_CREATE_PIPE_INSTANCE
 * (players may look at the status without elevation, not pose as the
 * server); Wine does not enforce it.  At most
 * CONTROL_MAX_CLIENTS_WIN clients: each may hold two handles in the
 * worker's WaitForMultipleObjects() (MAXIMUM_WAIT_OBJECTS, 64, in all),
 * the waiting instance a third, so the control uses at most 33 and the
 * worker's own pipe, socket and TAP have the rest.  Everything else,
 * timeouts and eviction included, is as above.
 *
 * The protocol is one piece of code for both: ctlconn.c (ctlconn.h)
 * validates the requests, composes the replies, times and evicts the
 * clients and keeps the counters; control.c and control_win.c only
 * accept the clients and move their bytes on their event loops.
 */

#define CONTROL_MAX_CLIENTS	32
#define CONTROL_MAX_PENDING	4
#define CONTROL_IDLE_MS		15000
#define CONTROL_PARTIAL_MS	3000
#define CONTROL_MAX_CLIENTS_WIN	16
#define CONTROL_PIPE		"\\\\.\\pipe\\softlan-clientd"
#define CONTROL_PIPE_W		L"\\\\.\\pipe\\softlan-clientd"

enum control_imsg {
	IMSG_CTL_SHOW_STATUS = 1000,	/* empty */
	IMSG_CTL_SHOW_ROOMS,		/* empty */
	IMSG_CTL_SHOW_PEERS,		/* empty */
	IMSG_CTL_SHOW_COUNTERS,		/* empty */
	IMSG_CTL_LOG_VERBOSE,		/* int32_t level */
	IMSG_CTL_RELOAD,		/* empty */
	IMSG_CTL_JSON,			/* reply chunk */
	IMSG_CTL_END,			/* empty */
	IMSG_CTL_ERROR			/* NUL-terminated message */
};

struct control;
struct ctl_conn;
struct evloop;
struct wiremsg_counter;

/* Clients closed by the control itself, not on their own request. */
struct control_stats {
	uint64_t	 refused;	/* full, and every client busy */
	uint64_t	 evicted;	/* the longest idle, for a new client */
	uint64_t	 idle;		/* no request within the idle timeout */
	uint64_t	 partial;	/* a request not completed in time */
	uint64_t	 stalled;	/* reply unread for the idle timeout */
};

/* Called for each valid request; reply with control_reply_*(). */
typedef void	(*control_handler_t)(struct ctl_conn *, uint32_t,
		    const void *, size_t, void *);

/* control.c (Linux), clientd/win/control_win.c (Windows) */
#ifdef _WIN32
struct control	*control_init_pipe(struct evloop *, const wchar_t *,
		    control_handler_t, void *);
#else
struct control	*control_init(int, control_handler_t, void *);
#endif
void		 control_free(struct control *);

/* ctlconn.c */
int		 control_reply_json(struct ctl_conn *, const char *);
int		 control_reply_error(struct ctl_conn *, const char *);
size_t		 control_clients(const struct control *);
void		 control_set_timeouts(struct control *, unsigned int,
		    unsigned int);
const struct control_stats *control_stats(const struct control *);

/*
 * One request a control answers with a JSON object of its own (show
 * status, show peers, ...): a daemon's table of these goes to
 * control_reply_show().
 */
struct control_show {
	uint32_t	  type;			/* IMSG_CTL_SHOW_* */
	cJSON		*(*show)(void *);	/* gets the handler's arg */
};

/* ctljson.c */
int		 control_reply_cjson(struct ctl_conn *, cJSON *);
int		 control_reply_show(struct ctl_conn *, uint32_t,
		    const struct control_show *, size_t, void *);
int32_t		 control_log_verbose(struct ctl_conn *, const void *, size_t);
void		 control_json_num(cJSON *, const char *, uint64_t);
void		 control_json_counter(cJSON *, const char *, uint64_t);
void		 control_json_counter_list(cJSON *,
		    const struct wiremsg_counter *, size_t);
void		 control_json_counters(cJSON *, const struct control *);

#endif /* SOFTLAN_CONTROL_H */
