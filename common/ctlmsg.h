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

#ifndef SOFTLAN_CTLMSG_H
#define SOFTLAN_CTLMSG_H

#include <stddef.h>
#include <stdint.h>

#include "ether.h"

/*
 * The control stream: the first bidirectional QUIC stream of a connection.
 *
 * Framing: each message is a 4-byte big-endian length followed by that many
 * bytes of JSON text, which must be one JSON object.  The length counts the
 * JSON body only, not the 4 prefix bytes; it is 1..CTLMSG_MAX, so a whole
 * frame is at most CTLMSG_FRAME_MAX bytes.  The body must not contain NUL
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
 *		   (at most CTLMSG_MAX_PEERS, distinct peer_ids and MACs,
 *		   none equal to peer_id, at most one gateway)
 *   reject	   relay -> peer: code, reason
 *   peer-joined   relay -> peers: peer_id, role, mac
 *   peer-left	   relay -> peers: peer_id, role, mac
 *   stats	   both: without "counters" a request; with a "counters"
 *		   object of name -> integer (0..CTLMSG_COUNTER_MAX) a reply
 *   disconnect	   both: reason
 *
 * Room codes are 1-32 characters of [A-Za-z0-9_-].  MACs are written
 * "xx:xx:xx:xx:xx:xx" (hex of either case on input, lowercase on output)
 * and must be unicast and non-zero; a client's MAC must also be locally
 * administered.  Counter names are 1-32 characters of [A-Za-z0-9_.-].
 * reason and secret hold no control characters; software is printable
 * ASCII.  peer_id is any 32-bit unsigned value.
 */

#define CTLMSG_PROTO		1
#define CTLMSG_HDRLEN		4	/* the length prefix */
#define CTLMSG_MAX		16384	/* JSON body, without the prefix */
#define CTLMSG_FRAME_MAX	(CTLMSG_HDRLEN + CTLMSG_MAX)

#define CTLMSG_ROOM_MAX		32
#define CTLMSG_SECRET_MAX	128
#define CTLMSG_SOFTWARE_MAX	64
#define CTLMSG_REASON_MAX	256
#define CTLMSG_COUNTER_NAME_MAX	32
#define CTLMSG_MAX_COUNTERS	64
/*
 * The most peers one welcome lists (the other members of the room), so a
 * room holds at most CTLMSG_MAX_PEERS + 1 members.  128 entries with
 * 10-digit peer ids encode to about 8.5 KiB; 256 would not fit CTLMSG_MAX.
 */
#define CTLMSG_MAX_PEERS	128
#define CTLMSG_MTU_MIN		576
#define CTLMSG_MTU_MAX		1500
#define CTLMSG_BUDGET_MIN	1
#define CTLMSG_BUDGET_MAX	65535
/* Largest integer a JSON number (an IEEE double) holds exactly: 2^53 - 1. */
#define CTLMSG_COUNTER_MAX	9007199254740991ULL
/* An error message always fits a reject or disconnect reason. */
#define CTLMSG_ERRMAX		(CTLMSG_REASON_MAX + 1)

enum ctlmsg_type {
	CTLMSG_NONE = 0,
	CTLMSG_HELLO,
	CTLMSG_WELCOME,
	CTLMSG_REJECT,
	CTLMSG_PEER_JOINED,
	CTLMSG_PEER_LEFT,
	CTLMSG_STATS,
	CTLMSG_DISCONNECT
};

enum ctlmsg_role {
	CTLMSG_ROLE_NONE = 0,
	CTLMSG_ROLE_CLIENT,
	CTLMSG_ROLE_GATEWAY
};

/* Reject codes. */
enum ctlmsg_code {
	CTLMSG_CODE_NONE = 0,
	CTLMSG_CODE_VERSION,
	CTLMSG_CODE_BAD_ROOM,
	CTLMSG_CODE_BAD_MAC,
	CTLMSG_CODE_BAD_ROLE,
	CTLMSG_CODE_UNAUTHORIZED,
	CTLMSG_CODE_DUPLICATE_MAC,
	CTLMSG_CODE_GATEWAY_EXISTS,
	CTLMSG_CODE_ROOM_FULL,
	CTLMSG_CODE_RELAY_FULL
};

struct ctlmsg_hello {
	uint32_t		 proto;
	enum ctlmsg_role	 role;
	char			 room[CTLMSG_ROOM_MAX + 1];
	struct ether_mac	 mac;
	uint32_t		 datagram_budget;
	char			 secret[CTLMSG_SECRET_MAX + 1];	/* "": none */
	char			 software[CTLMSG_SOFTWARE_MAX + 1];
};

/* A room member: welcome's peers[], peer-joined, peer-left. */
struct ctlmsg_peer {
	uint32_t		 peer_id;
	enum ctlmsg_role	 role;
	struct ether_mac	 mac;
};

struct ctlmsg_welcome {
	uint32_t		 peer_id;
	uint32_t		 room_mtu;
	size_t			 npeers;
	struct ctlmsg_peer	 peers[CTLMSG_MAX_PEERS];
};

struct ctlmsg_reject {
	enum ctlmsg_code	 code;
	char			 reason[CTLMSG_REASON_MAX + 1];
};

struct ctlmsg_counter {
	char			 name[CTLMSG_COUNTER_NAME_MAX + 1];
	uint64_t		 value;	/* encoded saturated at COUNTER_MAX */
};

struct ctlmsg_stats {
	int			 reply;	/* 0: request, 1: reply (counters) */
	size_t			 ncounters;
	struct ctlmsg_counter	 counters[CTLMSG_MAX_COUNTERS];
};

struct ctlmsg_disconnect {
	char			 reason[CTLMSG_REASON_MAX + 1];
};

struct ctlmsg {
	enum ctlmsg_type	 type;
	union {
		struct ctlmsg_hello	 hello;
		struct ctlmsg_welcome	 welcome;
		struct ctlmsg_reject	 reject;
		struct ctlmsg_peer	 peer;	/* peer-joined, peer-left */
		struct ctlmsg_stats	 stats;
		struct ctlmsg_disconnect disconnect;
	} u;
};

/*
 * Why a message was refused.  msg names the message and the field, e.g.
 * 'hello: field "room": invalid room code ...'.  For a hello, code is the
 * reject code the relay answers with (a field without a code of its own,
 * such as software, gives CTLMSG_CODE_VERSION; secret gives
 * CTLMSG_CODE_UNAUTHORIZED); otherwise it is CTLMSG_CODE_NONE.
 */
struct ctlmsg_error {
	enum ctlmsg_code	 code;
	char			 msg[CTLMSG_ERRMAX];
};

/*
 * Incremental reader with a fixed buffer: it holds at most one message,
 * so each call consumes bytes only up to the end of the first message it
 * completes.  Any failure is final: the connection must be closed.
 *
 *	while (len > 0) {
 *		rv = ctlmsg_reader_feed(&r, data, len, &used, &msg, &err);
 *		data += used;
 *		len -= used;
 *		if (rv == -1)
 *			close, with err.msg (and err.code for a hello);
 *		if (rv == 1)
 *			handle msg;
 *	}
 *
 * At the end of the stream ctlmsg_reader_eof() says whether it stopped
 * inside a message.  ctlmsg_reader_clear() wipes a partial hello.
 */
struct ctlmsg_reader {
	size_t			 hdrlen;	/* prefix bytes received */
	size_t			 bodylen;	/* announced body length */
	size_t			 have;		/* body bytes received */
	int			 failed;
	struct ctlmsg_error	 error;		/* repeated once failed */
	uint8_t			 hdr[CTLMSG_HDRLEN];
	uint8_t			 body[CTLMSG_MAX];
};

/* ctlmsg.c */
void	 ctlmsg_counter_put(struct ctlmsg_counter *, size_t, size_t *,
	    const char *, uint64_t);
void	 ctlmsg_reader_init(struct ctlmsg_reader *);
int	 ctlmsg_reader_feed(struct ctlmsg_reader *, const uint8_t *, size_t,
	    size_t *, struct ctlmsg *, struct ctlmsg_error *);
int	 ctlmsg_reader_eof(const struct ctlmsg_reader *,
	    struct ctlmsg_error *);
void	 ctlmsg_reader_clear(struct ctlmsg_reader *);
int	 ctlmsg_decode(const char *, size_t, struct ctlmsg *,
	    struct ctlmsg_error *);
int	 ctlmsg_encode(const struct ctlmsg *, uint8_t *, size_t, size_t *,
	    struct ctlmsg_error *);
int	 ctlmsg_validate(const struct ctlmsg *, struct ctlmsg_error *);
void	 ctlmsg_clear(struct ctlmsg *);
const char *ctlmsg_type_name(enum ctlmsg_type);
int	 ctlmsg_room_valid(const char *);
int	 ctlmsg_mac_valid(enum ctlmsg_role, const struct ether_mac *,
	    const char **);
int	 ctlmsg_role_parse(const char *, enum ctlmsg_role *);
const char *ctlmsg_role_name(enum ctlmsg_role);
int	 ctlmsg_code_parse(const char *, enum ctlmsg_code *);
const char *ctlmsg_code_name(enum ctlmsg_code);

#endif /* SOFTLAN_CTLMSG_H */
