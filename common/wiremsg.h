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

#ifndef SOFTLAN_WIREMSG_H
#define SOFTLAN_WIREMSG_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"

/*
 * wiremsg: the messages of the wire protocol's control stream (DESIGN.md
 * section 4), the first bidirectional QUIC stream of a peer's connection
 * to the relay: hello, welcome, reject, peer-joined, peer-left, stats,
 * disconnect.  (The UNIX control socket of softlanctl is control.c; its
 * rendering is softlanctl/ctlrender.c.)
 *
 * Framing: each message is a 4-byte big-endian length followed by that many
 * bytes of JSON text, which must be one JSON object.  The length counts the
 * JSON body only, not the 4 prefix bytes; it is 1..WIREMSG_MAX, so a whole
 * frame is at most WIREMSG_FRAME_MAX bytes.  The body must not contain NUL
 * bytes (raw or as "\u0000"), and nothing but whitespace may follow the
 * object.
 *
 * Every object has a "type" string naming the message.  Fields not listed
 * below are ignored; a listed field that is missing, has the wrong JSON
 * type, appears twice, or holds a bad value makes the whole message
 * invalid.  Integers must be exact non-negative integral JSON numbers
 * within the field's range.
 *
 *   hello	   peer -> relay: proto (1), role ("client" or "gateway"),
 *		   room, mac, datagram_budget (1-65535), secret (optional,
 *		   "" is the same as absent), software
 *   welcome	   relay -> peer: peer_id, room_mtu (576-1500), peers: an
 *		   array of {peer_id, role, mac}, the other members only
 *		   (at most WIREMSG_MAX_PEERS, distinct peer_ids and MACs,
 *		   none equal to peer_id, at most one gateway)
 *   reject	   relay -> peer: code, reason
 *   peer-joined   relay -> peers: peer_id, role, mac
 *   peer-left	   relay -> peers: peer_id, role, mac
 *   stats	   both: without "counters" a request; with a "counters"
 *		   object of name -> integer (0..WIREMSG_COUNTER_MAX) a reply
 *   disconnect	   both: reason
 *
 * Room codes are 1-32 characters of [A-Za-z0-9_-].  MACs are written
 * "xx:xx:xx:xx:xx:xx" (hex of either case on input, lowercase on output)
 * and must be unicast and non-zero; a client's MAC must also be locally
 * administered.  Counter names are 1-32 characters of [A-Za-z0-9_.-].
 * reason and secret hold no control characters; software is printable
 * ASCII.  peer_id is any 32-bit unsigned value.
 */

#define WIREMSG_PROTO		1
#define WIREMSG_HDRLEN		4	/* the length prefix */
#define WIREMSG_MAX		16384	/* JSON body, without the prefix */
#define WIREMSG_FRAME_MAX	(WIREMSG_HDRLEN + WIREMSG_MAX)

#define WIREMSG_ROOM_MAX		32
#define WIREMSG_SECRET_MAX	128
#define WIREMSG_SOFTWARE_MAX	64
#define WIREMSG_REASON_MAX	256
#define WIREMSG_COUNTER_NAME_MAX	32
#define WIREMSG_MAX_COUNTERS	64
/*
 * The most peers one welcome lists (the other members of the room), so a
 * room holds at most WIREMSG_MAX_PEERS + 1 members.  128 entries with
 * 10-digit peer ids encode to about 8.5 KiB; 256 would not fit WIREMSG_MAX.
 */
#define WIREMSG_MAX_PEERS	128
#define WIREMSG_MTU_MIN		576
#define WIREMSG_MTU_MAX		1500
#define WIREMSG_BUDGET_MIN	1
#define WIREMSG_BUDGET_MAX	65535
/* Largest integer a JSON number (an IEEE double) holds exactly: 2^53 - 1. */
#define WIREMSG_COUNTER_MAX	9007199254740991ULL
/* An error message always fits a reject or disconnect reason. */
#define WIREMSG_ERRMAX		(WIREMSG_REASON_MAX + 1)

enum wiremsg_type {
	WIREMSG_NONE = 0,
	WIREMSG_HELLO,
	WIREMSG_WELCOME,
	WIREMSG_REJECT,
	WIREMSG_PEER_JOINED,
	WIREMSG_PEER_LEFT,
	WIREMSG_STATS,
	WIREMSG_DISCONNECT
};

enum wiremsg_role {
	WIREMSG_ROLE_NONE = 0,
	WIREMSG_ROLE_CLIENT,
	WIREMSG_ROLE_GATEWAY
};

/* Reject codes. */
enum wiremsg_code {
	WIREMSG_CODE_NONE = 0,
	WIREMSG_CODE_VERSION,
	WIREMSG_CODE_BAD_ROOM,
	WIREMSG_CODE_BAD_MAC,
	WIREMSG_CODE_BAD_ROLE,
	WIREMSG_CODE_UNAUTHORIZED,
	WIREMSG_CODE_DUPLICATE_MAC,
	WIREMSG_CODE_GATEWAY_EXISTS,
	WIREMSG_CODE_ROOM_FULL,
	WIREMSG_CODE_RELAY_FULL
};

struct wiremsg_hello {
	uint32_t		 proto;
	enum wiremsg_role	 role;
	char			 room[WIREMSG_ROOM_MAX + 1];
	struct ether_mac	 mac;
	uint32_t		 datagram_budget;
	char			 secret[WIREMSG_SECRET_MAX + 1]; /* "": none */
	char			 software[WIREMSG_SOFTWARE_MAX + 1];
};

/* A room member: welcome's peers[], peer-joined, peer-left. */
struct wiremsg_peer {
	uint32_t		 peer_id;
	enum wiremsg_role	 role;
	struct ether_mac	 mac;
};

struct wiremsg_welcome {
	uint32_t		 peer_id;
	uint32_t		 room_mtu;
	size_t			 npeers;
	struct wiremsg_peer	 peers[WIREMSG_MAX_PEERS];
};

struct wiremsg_reject {
	enum wiremsg_code	 code;
	char			 reason[WIREMSG_REASON_MAX + 1];
};

struct wiremsg_counter {
	char			 name[WIREMSG_COUNTER_NAME_MAX + 1];
	uint64_t		 value;	/* encoded saturated at COUNTER_MAX */
};

struct wiremsg_stats {
	int			 reply;	/* 0: request, 1: reply (counters) */
	size_t			 ncounters;
	struct wiremsg_counter	 counters[WIREMSG_MAX_COUNTERS];
};

struct wiremsg_disconnect {
	char			 reason[WIREMSG_REASON_MAX + 1];
};

struct wiremsg {
	enum wiremsg_type	 type;
	union {
		struct wiremsg_hello	 hello;
		struct wiremsg_welcome	 welcome;
		struct wiremsg_reject	 reject;
		struct wiremsg_peer	 peer;	/* peer-joined, peer-left */
		struct wiremsg_stats	 stats;
		struct wiremsg_disconnect disconnect;
	} u;
};

/*
 * Why a message was refused.  msg names the message and the field, e.g.
 * 'hello: field "room": invalid room code ...'.  For a hello, code is the
 * reject code the relay answers with (a field without a code of its own,
 * such as software, gives WIREMSG_CODE_VERSION; secret gives
 * WIREMSG_CODE_UNAUTHORIZED); otherwise it is WIREMSG_CODE_NONE.
 */
struct wiremsg_error {
	enum wiremsg_code	 code;
	char			 msg[WIREMSG_ERRMAX];
};

/*
 * Incremental reader with a fixed buffer: it holds at most one message,
 * so each call consumes bytes only up to the end of the first message it
 * completes.  Any failure is final: the connection must be closed.
 *
 *	while (len > 0) {
 *		rv = wiremsg_reader_feed(&r, data, len, &used, &msg, &err);
 *		data += used;
 *		len -= used;
 *		if (rv == -1)
 *			close, with err.msg (and err.code for a hello);
 *		if (rv == 1)
 *			handle msg;
 *	}
 *
 * At the end of the stream wiremsg_reader_eof() says whether it stopped
 * inside a message.  wiremsg_reader_clear() wipes a partial hello.
 */
struct wiremsg_reader {
	size_t			 hdrlen;	/* prefix bytes received */
	size_t			 bodylen;	/* announced body length */
	size_t			 have;		/* body bytes received */
	int			 failed;
	struct wiremsg_error	 error;		/* repeated once failed */
	uint8_t			 hdr[WIREMSG_HDRLEN];
	uint8_t			 body[WIREMSG_MAX];
};

/* wiremsg.c */
void	 wiremsg_counter_put(struct wiremsg_counter *, size_t, size_t *,
	    const char *, uint64_t);
void	 wiremsg_reader_init(struct wiremsg_reader *);
int	 wiremsg_reader_feed(struct wiremsg_reader *, const uint8_t *, size_t,
	    size_t *, struct wiremsg *, struct wiremsg_error *);
int	 wiremsg_reader_eof(const struct wiremsg_reader *,
	    struct wiremsg_error *);
void	 wiremsg_reader_clear(struct wiremsg_reader *);
int	 wiremsg_decode(const char *, size_t, struct wiremsg *,
	    struct wiremsg_error *);
int	 wiremsg_encode(const struct wiremsg *, uint8_t *, size_t, size_t *,
	    struct wiremsg_error *);
int	 wiremsg_validate(const struct wiremsg *, struct wiremsg_error *);
void	 wiremsg_clear(struct wiremsg *);
const char *wiremsg_type_name(enum wiremsg_type);
int	 wiremsg_room_valid(const char *);
int	 wiremsg_mac_valid(enum wiremsg_role, const struct ether_mac *,
	    const char **);
int	 wiremsg_role_parse(const char *, enum wiremsg_role *);
const char *wiremsg_role_name(enum wiremsg_role);
int	 wiremsg_code_parse(const char *, enum wiremsg_code *);
const char *wiremsg_code_name(enum wiremsg_code);

#endif /* SOFTLAN_WIREMSG_H */
