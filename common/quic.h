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


#ifndef SOFTLAN_QUIC_H
#define SOFTLAN_QUIC_H

#include <sys/types.h>
#include <sys/socket.h>

#include <stddef.h>
#include <stdint.h>

/*
 * QUIC glue shared by relayd, gatewayd and clientd: ngtcp2 0.12.1 with
 * wolfSSL 5.5.4, sans I/O.  The caller owns the sockets and the clock:
 * it hands received UDP payloads to quic_conn_read() with their path and
 * a monotonic timestamp in nanoseconds, drains packets to send with
 * quic_conn_write() until it returns 0, and arms one timer per connection
 * at quic_conn_expiry(), calling quic_conn_handle_expiry() when it fires.
 *
 * One bidirectional control stream carries bytes (flow controlled, kept
 * until acknowledged); Ethernet frames go as DATAGRAM frames through a
 * small bounded per-connection queue that drops, and counts, when full.
 *
 * A server hands a packet for no known connection to quic_conn_accept().
 * To validate client addresses first (a relay under load), it sorts the
 * packet with quic_initial_check(): QUIC_INITIAL_NEW gets a Retry from
 * quic_write_retry(), the client's next Initial then carries a token and
 * QUIC_INITIAL_VALID goes to quic_conn_accept(); the rest is dropped.
 * A connection ended by a stateless reset (the server lost it, e.g. on a
 * restart) says "stateless reset" in quic_conn_error().
 */

#define QUIC_ALPN		"softlan/1"
#define QUIC_CIDLEN		8
#define QUIC_MAX_CIDLEN		20	/* any QUIC connection ID */
#define QUIC_RESET_TOKENLEN	16
#define QUIC_RESET_SECRET_MIN	16
#define QUIC_MAX_PKTLEN		1452	/* size of write buffers */
/*
 * RFC 9000 10.3: with the AEADs of RFC 9001, a packet shorter than 21
 * bytes is never valid.  Shorter datagrams are counted and dropped before
 * any call into ngtcp2, whose assert()s are live (see quic.c).
 */
#define QUIC_MIN_PKTLEN		21

#define QUIC_NSEC		1000000000ULL
#define QUIC_KEEPALIVE		(20 * QUIC_NSEC)
#define QUIC_IDLE_TIMEOUT	(90 * QUIC_NSEC)
#define QUIC_HANDSHAKE_TIMEOUT	(10 * QUIC_NSEC)
#define QUIC_RETRY_LIFETIME	(10 * QUIC_NSEC)	/* of a Retry token */
#define QUIC_DGRAM_QUEUE	64	/* frames queued per connection */
#define QUIC_STREAM_BUFMAX	(64 * 1024)	/* unacked, per stream */

/* Events returned by quic_conn_read() and quic_conn_handle_expiry(). */
#define QUIC_EV_HANDSHAKE	0x01	/* the handshake completed */
#define QUIC_EV_CLOSED		0x02	/* left the open state */

enum quic_state {
	QUIC_ST_HANDSHAKE,	/* handshake in progress */
	QUIC_ST_OPEN,		/* handshake done, data flows */
	QUIC_ST_CLOSING,	/* we sent CONNECTION_CLOSE; wait 3 PTO */
	QUIC_ST_DRAINING,	/* the peer closed; wait 3 PTO */
	QUIC_ST_CLOSED		/* gone: free it */
};

/*
 * What quic_initial_check() makes of a packet for no known connection.
 * A Retry token is bound to the client's address and port, to the
 * connection IDs of the Retry and to the server's reset secret, and
 * lives QUIC_RETRY_LIFETIME.
 */
enum quic_initial {
	QUIC_INITIAL_BAD,	/* not a client's first Initial: drop */
	QUIC_INITIAL_NEW,	/* no Retry token: accept, or send a Retry */
	QUIC_INITIAL_VALID,	/* a valid Retry token: address validated */
	QUIC_INITIAL_BADTOKEN	/* forged, expired or another address */
};

/* Results of quic_conn_send_datagram(). */
#define QUIC_DGRAM_QUEUED	0
#define QUIC_DGRAM_FULL		-1	/* the queue is full */
#define QUIC_DGRAM_TOOBIG	-2	/* over quic_conn_dgram_max() */
#define QUIC_DGRAM_NOTREADY	-3	/* handshake not done, or closed */

struct quic_stats {
	uint64_t	 dgram_queued;
	uint64_t	 dgram_sent;		/* put into a packet */
	uint64_t	 dgram_recv;
	uint64_t	 dgram_acked;
	uint64_t	 dgram_lost;
	uint64_t	 dgram_drop_full;	/* send queue full */
	uint64_t	 dgram_drop_toobig;	/* over the frame budget */
	uint64_t	 dgram_drop_notready;	/* before the handshake */
	uint64_t	 dgram_drop_refused;	/* refused by ngtcp2 */
	uint64_t	 stream_sent;		/* bytes queued */
	uint64_t	 stream_recv;		/* bytes received */
	uint64_t	 pkt_recv;
	uint64_t	 pkt_sent;
	uint64_t	 pkt_bad;		/* refused by read_pkt */
	uint64_t	 pkt_short;		/* < QUIC_MIN_PKTLEN, dropped */
	uint64_t	 stateless_reset;	/* 1: ended by one */
};

/* A network path: the local and the remote UDP address. */
struct quic_path {
	struct sockaddr_storage	 local;
	socklen_t		 locallen;
	struct sockaddr_storage	 remote;
	socklen_t		 remotelen;
};

struct quic_conn;

/*
 * Callbacks, all optional.  They run inside quic_conn_read(),
 * quic_conn_write() or quic_conn_handle_expiry(); they must not call
 * quic_conn_read/write/handle_expiry or quic_conn_free on the same
 * connection (quic_conn_close is fine: it is deferred).  Data pointers
 * are valid only during the call.
 */
struct quic_cb {
	void	(*handshake)(struct quic_conn *, void *);
	void	(*stream)(struct quic_conn *, int64_t, const uint8_t *,
		    size_t, int, void *);	/* last int: FIN */
	void	(*datagram)(struct quic_conn *, const uint8_t *, size_t,
		    void *);
	/*
	 * Server only: connection IDs that route to this connection, for
	 * the caller's CID map.  quic_conn_free() removes all that remain.
	 */
	void	(*cid_add)(struct quic_conn *, const uint8_t *, size_t,
		    void *);
	void	(*cid_remove)(struct quic_conn *, const uint8_t *, size_t,
		    void *);
};

/* A TLS context: shared by many connections, outlives them. */
struct quic_tls;

struct quic_config {
	struct quic_tls		*tls;
	const char		*server_name;	/* client: SNI + check */
	const uint8_t		*reset_secret;	/* server; also keys */
	size_t			 reset_secretlen;	/* Retry tokens; 16-32 */
	uint64_t		 keepalive;	/* ns of quiet, 0 off */
	uint64_t		 idle_timeout;	/* ns */
	uint64_t		 handshake_timeout;	/* ns */
	size_t			 dgram_queue;	/* frames */
	const struct quic_cb	*cb;
	void			*arg;
};

/* quic.c */
void		 quic_init(void);
void		 quic_config_default(struct quic_config *);
struct quic_conn *quic_conn_client_new(const struct quic_config *,
		    const struct quic_path *, uint64_t);
struct quic_conn *quic_conn_accept(const struct quic_config *,
		    const struct quic_path *, const uint8_t *, size_t,
		    uint64_t);
enum quic_initial quic_initial_check(const struct quic_config *,
		    const struct quic_path *, const uint8_t *, size_t,
		    uint64_t);
ssize_t		 quic_write_retry(const struct quic_config *,
		    const struct quic_path *, const uint8_t *, size_t,
		    uint8_t *, size_t, uint64_t);
void		 quic_conn_free(struct quic_conn *);
int		 quic_conn_read(struct quic_conn *, const struct quic_path *,
		    const uint8_t *, size_t, uint64_t);
ssize_t		 quic_conn_write(struct quic_conn *, struct quic_path *,
		    uint8_t *, size_t, uint64_t);
uint64_t	 quic_conn_expiry(struct quic_conn *);
int		 quic_conn_handle_expiry(struct quic_conn *, uint64_t);
int		 quic_conn_close(struct quic_conn *, uint64_t, const char *,
		    uint64_t);
enum quic_state	 quic_conn_state(const struct quic_conn *);
const char	*quic_conn_error(const struct quic_conn *);
int		 quic_conn_addr_validated(const struct quic_conn *);
const struct quic_stats *quic_conn_stats(const struct quic_conn *);
void		*quic_conn_arg(const struct quic_conn *);
void		 quic_conn_set_arg(struct quic_conn *, void *);
int		 quic_conn_open_stream(struct quic_conn *, int64_t *);
int		 quic_conn_stream_write(struct quic_conn *, int64_t,
		    const uint8_t *, size_t);
size_t		 quic_conn_stream_pending(struct quic_conn *, int64_t);
int		 quic_conn_send_datagram2(struct quic_conn *, const uint8_t *,
		    size_t, const uint8_t *, size_t);
int		 quic_conn_send_datagram(struct quic_conn *, const uint8_t *,
		    size_t);
size_t		 quic_conn_dgram_max(struct quic_conn *);
size_t		 quic_conn_frame_budget(struct quic_conn *);
size_t		 quic_conn_path_max(struct quic_conn *);
size_t		 quic_conn_dgram_queued(const struct quic_conn *);
size_t		 quic_conn_dgram_room(const struct quic_conn *);
void		 quic_stats_add(struct quic_stats *, const struct quic_stats *);
const char	*quic_conn_cipher(struct quic_conn *);
uint64_t	 quic_conn_rtt(struct quic_conn *);
int		 quic_conn_alpn(struct quic_conn *, char *, size_t);
int		 quic_conn_peer_reset_token(struct quic_conn *,
		    uint8_t [QUIC_RESET_TOKENLEN]);
size_t		 quic_conn_dcid(struct quic_conn *, uint8_t *, size_t);
enum quic_pkt {
	QUIC_PKT_OK,		/* a connection ID to look up */
	QUIC_PKT_SHORT,		/* under QUIC_MIN_PKTLEN bytes */
	QUIC_PKT_VERSION,	/* a long header of another version */
	QUIC_PKT_GARBAGE	/* no QUIC header */
};
enum quic_pkt	 quic_packet_dcid(const uint8_t *, size_t,
		    uint8_t [QUIC_MAX_CIDLEN], size_t *);
int		 quic_reset_token(const uint8_t *, size_t, const uint8_t *,
		    size_t, uint8_t [QUIC_RESET_TOKENLEN]);
ssize_t		 quic_write_stateless_reset(uint8_t *, size_t, size_t,
		    const uint8_t *, size_t, const uint8_t *, size_t);

/* quic_tls.c */
struct quic_tls	*quic_tls_client_new(const uint8_t *, size_t);
struct quic_tls	*quic_tls_server_new(const uint8_t *, size_t,
		    const uint8_t *, size_t);
void		 quic_tls_free(struct quic_tls *);
void		*quic_tls_ssl_new(struct quic_tls *, const char *, void *);
int		 quic_tls_is_server(const struct quic_tls *);
int		 quic_certgen(const char *, unsigned int, uint8_t **,
		    size_t *, uint8_t **, size_t *);

#endif /* SOFTLAN_QUIC_H */
