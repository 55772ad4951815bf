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


/*
 * The transport half of the QUIC glue: ngtcp2 connections without
 * sockets or clocks.  See quic.h.
 *
 * ngtcp2's assert()s are live: its CMake build removes -DNDEBUG, and a
 * failed one calls abort(), which the seccomp filter of a network child
 * kills (SIGSYS), and the parent then exits.  A precondition ngtcp2
 * asserts on input is therefore a remote kill of the daemon, and every
 * call reachable from the network is guarded here first.  The audit of
 * ngtcp2 0.12.1 (each call below, the asserts on its path):
 *
 *  - ngtcp2_pkt_decode_version_cid asserts datalen != 0: every entry
 *    point (quic_packet_dcid, initial_check, quic_conn_read) drops a
 *    datagram under QUIC_MIN_PKTLEN bytes first, counted by its caller.
 *  - ngtcp2_conn_read_pkt returns NGTCP2_ERR_INVALID_ARGUMENT for an
 *    empty packet, which its documentation would have us treat as a
 *    connection error: quic_conn_read counts and drops such a packet,
 *    so a spoofed datagram can never close a connection.  It asserts
 *    that no coalesced packet is half-written (PPE_PENDING):
 *    quic_conn_write always finishes a packet before it returns, and
 *    reads never happen inside a callback (in_cb).
 *  - ngtcp2_accept checks lengths itself; the Retry token check reads
 *    token.base[0] only when token.len > 0, and
 *    ngtcp2_crypto_verify_retry_token checks the token's length.  It
 *    asserts on the connection ID length inside a token only after the
 *    token decrypted under our own key (so it is one we made), and it
 *    and the token generator abort on an address family other than
 *    AF_INET or AF_INET6: paths always come from a UDP socket's
 *    recvmmsg/recvfrom, never from the packet.  With a token not ours,
 *    initial_check wants the DCID of a first Initial (8+ bytes), which
 *    ngtcp2_accept checks only without a token.
 *  - ngtcp2_pkt_write_retry (quic_write_retry) asserts that the Retry's
 *    SCID differs from the client's DCID: drawn again until it does.
 *  - ngtcp2_cid_init asserts datalen <= NGTCP2_MAX_CIDLEN:
 *    quic_reset_token bounds cidlen; connection IDs taken from a
 *    decoded header are at most NGTCP2_MAX_CIDLEN by construction, and
 *    quic_packet_dcid refuses more than QUIC_MAX_CIDLEN.
 *  - ngtcp2_pkt_write_stateless_reset: the random part is bounded by
 *    the trigger's length and by rnd[]; a too short trigger gets none.
 *  - ngtcp2_conn_handle_expiry asserts as read_pkt does (no half-written
 *    packet), guaranteed the same way.
 * wolfSSL sees network bytes only through ngtcp2's crypto callbacks,
 * which bound every length; wolfSSL 5.5.4 reports errors, it does not
 * assert (no assert() in src/ or wolfcrypt/src/; its only abort()s are
 * under WOLFSSL_CHECK_MEM_ZERO, which this build leaves off).  The
 * crypto-level conversions of ngtcp2's wolfSSL glue abort on a level
 * wolfSSL never passes.
 * regress/fuzz/quicpkt feeds arbitrary datagrams through these paths.
 */

#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/wolfcrypt/hmac.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_wolfssl.h>

#include "log.h"
#include "mtu.h"
#include "quic.h"

#define QUIC_SECRETLEN		32
#define QUIC_STREAM_WINDOW	(256 * 1024)
#define QUIC_CONN_WINDOW	(1024 * 1024)
#define QUIC_MAX_DGRAM_FRAME	65535
#define QUIC_STREAM_VECS	8
/*
 * The congestion controller of every connection: CUBIC, chosen by
 * measurement against BBR and BBR2 (README, "Performance").  A benchmark
 * build may pick another: make CPPFLAGS=-DQUIC_CC_ALGO=NGTCP2_CC_ALGO_BBR2
 */
#ifndef QUIC_CC_ALGO
#define QUIC_CC_ALGO		NGTCP2_CC_ALGO_CUBIC
#endif
#define QUIC_ANCHOR_BYTES	(QUIC_MAX_PKTLEN / 2)	/* see conn_anchor() */
#define QUIC_DGRAM_QUEUE_MAX	4096
#define QUIC_RETRY_SALT		"softlan/1 retry token key"

struct qchunk {
	TAILQ_ENTRY(qchunk)	 entry;
	uint64_t		 off;		/* offset of data[0] */
	size_t			 len;
	uint8_t			 data[];
};

/*
 * Send side of one stream.  ngtcp2 keeps pointers into the data it was
 * given until the peer acknowledges it, so chunks never move and are
 * freed only once acked.
 */
struct qstream {
	TAILQ_ENTRY(qstream)	 entry;
	int64_t			 id;
	TAILQ_HEAD(, qchunk)	 chunks;
	uint64_t		 acked;		/* below: acked, freed */
	uint64_t		 sent;		/* below: to ngtcp2 */
	uint64_t		 end;		/* below: written */
	int			 blocked;	/* in this write round */
};

struct qdgram {
	size_t			 len;
	uint8_t			 data[QUIC_MAX_PKTLEN];
};

struct quic_conn {
	ngtcp2_conn		*conn;
	WOLFSSL			*ssl;
	ngtcp2_crypto_conn_ref	 ref;
	int			 server;
	enum quic_state		 state;
	const struct quic_cb	*cb;
	void			*arg;
	uint8_t			 secret[QUIC_SECRETLEN];
	size_t			 secretlen;
	ngtcp2_cid		 odcid;		/* DCID of the Initial */
	int			 announced;	/* cid_add was called */
	int			 validated;	/* peer address proven */

	TAILQ_HEAD(, qstream)	 streams;

	struct qdgram		*dq;
	size_t			 dqmax, dqhead, dqlen;
	uint64_t		 dgram_id;

	uint8_t			*closebuf;
	size_t			 closelen;
	int			 close_pending;
	uint64_t		 closing_rx;	/* packets while closing */
	struct quic_path	 closepath;
	uint64_t		 deadline;	/* closing/draining end */

	int			 in_cb;		/* inside ngtcp2 */
	int			 hs_event;
	int			 paced;
	size_t			 unanchored;	/* bytes since a PTO anchor */
	int			 close_req;
	uint64_t		 close_code;
	char			 close_reason[64];

	struct quic_stats	 stats;
	char			 err[160];
};

static ngtcp2_conn *cb_get_conn(ngtcp2_crypto_conn_ref *);
static void	cb_rand(uint8_t *, size_t, const ngtcp2_rand_ctx *);
static int	cb_get_new_connection_id(ngtcp2_conn *, ngtcp2_cid *,
		    uint8_t *, size_t, void *);
static int	cb_remove_connection_id(ngtcp2_conn *, const ngtcp2_cid *,
		    void *);
static int	cb_handshake_completed(ngtcp2_conn *, void *);
static int	cb_recv_stream_data(ngtcp2_conn *, uint32_t, int64_t,
		    uint64_t, const uint8_t *, size_t, void *, void *);
static int	cb_acked_stream_data_offset(ngtcp2_conn *, int64_t, uint64_t,
		    uint64_t, void *, void *);
static int	cb_stream_close(ngtcp2_conn *, uint32_t, int64_t, uint64_t,
		    void *, void *);
static int	cb_recv_datagram(ngtcp2_conn *, uint32_t, const uint8_t *,
		    size_t, void *);
static int	cb_ack_datagram(ngtcp2_conn *, uint64_t, void *);
static int	cb_lost_datagram(ngtcp2_conn *, uint64_t, void *);
static int	cb_recv_stateless_reset(ngtcp2_conn *,
		    const ngtcp2_pkt_stateless_reset *, void *);
static int	retry_key(const struct quic_config *,
		    uint8_t [QUIC_SECRETLEN]);
static enum quic_initial initial_check(const struct quic_config *,
		    const struct quic_path *, const uint8_t *, size_t,
		    uint64_t, ngtcp2_pkt_hd *, ngtcp2_cid *);

static struct quic_conn *conn_alloc(const struct quic_config *, int);
static int	conn_setup(struct quic_conn *, const struct quic_config *);
static void	conn_seterr(struct quic_conn *, const char *, ...)
		    __printflike(2, 3);
static void	conn_npath(const struct quic_path *, struct quic_path *,
		    ngtcp2_path *);
static void	conn_params(const struct quic_config *, ngtcp2_settings *,
		    ngtcp2_transport_params *, uint64_t);
static int	conn_start_close(struct quic_conn *,
		    const ngtcp2_connection_close_error *, uint64_t);
static int	conn_error(struct quic_conn *, int, uint64_t);
static void	conn_after(struct quic_conn *, uint64_t);
static ssize_t	conn_packet(struct quic_conn *, const ngtcp2_path *,
		    struct quic_path *, ssize_t);
static ssize_t	conn_write_close(struct quic_conn *, struct quic_path *,
		    uint8_t *, size_t);
static struct qstream *stream_find(struct quic_conn *, int64_t);
static struct qstream *stream_new(struct quic_conn *, int64_t);
static void	stream_free(struct quic_conn *, struct qstream *);
static size_t	stream_vecs(struct qstream *, ngtcp2_vec *, size_t);
static void	dq_pop(struct quic_conn *);

static const ngtcp2_callbacks client_callbacks = {
	.client_initial = ngtcp2_crypto_client_initial_cb,
	.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
	.handshake_completed = cb_handshake_completed,
	.encrypt = ngtcp2_crypto_encrypt_cb,
	.decrypt = ngtcp2_crypto_decrypt_cb,
	.hp_mask = ngtcp2_crypto_hp_mask_cb,
	.recv_stream_data = cb_recv_stream_data,
	.acked_stream_data_offset = cb_acked_stream_data_offset,
	.stream_close = cb_stream_close,
	.recv_retry = ngtcp2_crypto_recv_retry_cb,
	.rand = cb_rand,
	.get_new_connection_id = cb_get_new_connection_id,
	.remove_connection_id = cb_remove_connection_id,
	.update_key = ngtcp2_crypto_update_key_cb,
	.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
	.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
	.recv_datagram = cb_recv_datagram,
	.ack_datagram = cb_ack_datagram,
	.lost_datagram = cb_lost_datagram,
	.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
	.version_negotiation = ngtcp2_crypto_version_negotiation_cb,
	.recv_stateless_reset = cb_recv_stateless_reset,
};

static const ngtcp2_callbacks server_callbacks = {
	.recv_client_initial = ngtcp2_crypto_recv_client_initial_cb,
	.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
	.handshake_completed = cb_handshake_completed,
	.encrypt = ngtcp2_crypto_encrypt_cb,
	.decrypt = ngtcp2_crypto_decrypt_cb,
	.hp_mask = ngtcp2_crypto_hp_mask_cb,
	.recv_stream_data = cb_recv_stream_data,
	.acked_stream_data_offset = cb_acked_stream_data_offset,
	.stream_close = cb_stream_close,
	.rand = cb_rand,
	.get_new_connection_id = cb_get_new_connection_id,
	.remove_connection_id = cb_remove_connection_id,
	.update_key = ngtcp2_crypto_update_key_cb,
	.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
	.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
	.recv_datagram = cb_recv_datagram,
	.ack_datagram = cb_ack_datagram,
	.lost_datagram = cb_lost_datagram,
	.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
	.version_negotiation = ngtcp2_crypto_version_negotiation_cb,
	.recv_stateless_reset = cb_recv_stateless_reset,
};

/* Once per process, before any other quic_* call. */
void
quic_init(void)
{
	static int	 done;

	if (done)
		return;
	if (wolfSSL_Init() != WOLFSSL_SUCCESS)
		fatalx("quic: wolfSSL_Init failed");
	done = 1;
}

void
quic_config_default(struct quic_config *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->keepalive = QUIC_KEEPALIVE;
	cfg->idle_timeout = QUIC_IDLE_TIMEOUT;
	cfg->handshake_timeout = QUIC_HANDSHAKE_TIMEOUT;
	cfg->dgram_queue = QUIC_DGRAM_QUEUE;
}

/* ngtcp2 callbacks */

static ngtcp2_conn *
cb_get_conn(ngtcp2_crypto_conn_ref *ref)
{
	struct quic_conn	*qc = ref->user_data;

	return (qc->conn);
}

static void
cb_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	if (len > INT32_MAX || wolfSSL_RAND_bytes(dest, (int)len) != 1)
		fatalx("quic: no random bytes");
}

static int
cb_get_new_connection_id(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token,
    size_t cidlen, void *arg)
{
	struct quic_conn	*qc = arg;

	(void)conn;
	if (cidlen > NGTCP2_MAX_CIDLEN)
		return (NGTCP2_ERR_CALLBACK_FAILURE);
	cb_rand(cid->data, cidlen, NULL);
	cid->datalen = cidlen;
	if (ngtcp2_crypto_generate_stateless_reset_token(token, qc->secret,
	    qc->secretlen, cid) != 0)
		return (NGTCP2_ERR_CALLBACK_FAILURE);
	if (qc->announced && qc->cb != NULL && qc->cb->cid_add != NULL)
		qc->cb->cid_add(qc, cid->data, cid->datalen, qc->arg);
	return (0);
}

static int
cb_remove_connection_id(ngtcp2_conn *conn, const ngtcp2_cid *cid, void *arg)
{
	struct quic_conn	*qc = arg;

	(void)conn;
	if (qc->announced && qc->cb != NULL && qc->cb->cid_remove != NULL)
		qc->cb->cid_remove(qc, cid->data, cid->datalen, qc->arg);
	return (0);
}

static int
cb_handshake_completed(ngtcp2_conn *conn, void *arg)
{
	struct quic_conn	*qc = arg;
	char			 alpn[32];

	(void)conn;
	if (quic_conn_alpn(qc, alpn, sizeof(alpn)) == -1 ||
	    strcmp(alpn, QUIC_ALPN) != 0) {
		conn_seterr(qc, "peer did not agree on ALPN %s", QUIC_ALPN);
		return (NGTCP2_ERR_CALLBACK_FAILURE);
	}
	qc->state = QUIC_ST_OPEN;
	qc->hs_event = 1;
	qc->validated = 1;
	return (0);
}

static int
cb_recv_stream_data(ngtcp2_conn *conn, uint32_t flags, int64_t sid,
    uint64_t off, const uint8_t *data, size_t len, void *arg, void *sarg)
{
	struct quic_conn	*qc = arg;

	(void)off;
	(void)sarg;
	qc->stats.stream_recv += len;
	if (qc->cb != NULL && qc->cb->stream != NULL)
		qc->cb->stream(qc, sid, data, len,
		    (flags & NGTCP2_STREAM_DATA_FLAG_FIN) != 0, qc->arg);
	/* The callback consumed the bytes: open the windows again. */
	if (ngtcp2_conn_extend_max_stream_offset(conn, sid, len) != 0)
		return (NGTCP2_ERR_CALLBACK_FAILURE);
	ngtcp2_conn_extend_max_offset(conn, len);
	return (0);
}

static int
cb_acked_stream_data_offset(ngtcp2_conn *conn, int64_t sid, uint64_t off,
    uint64_t len, void *arg, void *sarg)
{
	struct quic_conn	*qc = arg;
	struct qstream		*st;
	struct qchunk		*ch;

	(void)conn;
	(void)sarg;
	if ((st = stream_find(qc, sid)) == NULL)
		return (0);
	if (off + len > st->acked)
		st->acked = MINIMUM(off + len, st->end);
	while ((ch = TAILQ_FIRST(&st->chunks)) != NULL &&
	    ch->off + ch->len <= st->acked) {
		TAILQ_REMOVE(&st->chunks, ch, entry);
		free(ch);
	}
	return (0);
}

static int
cb_stream_close(ngtcp2_conn *conn, uint32_t flags, int64_t sid,
    uint64_t code, void *arg, void *sarg)
{
	struct quic_conn	*qc = arg;
	struct qstream		*st;

	(void)conn;
	(void)flags;
	(void)code;
	(void)sarg;
	if ((st = stream_find(qc, sid)) != NULL)
		stream_free(qc, st);
	return (0);
}

static int
cb_recv_datagram(ngtcp2_conn *conn, uint32_t flags, const uint8_t *data,
    size_t len, void *arg)
{
	struct quic_conn	*qc = arg;

	(void)conn;
	(void)flags;
	qc->stats.dgram_recv++;
	if (qc->cb != NULL && qc->cb->datagram != NULL)
		qc->cb->datagram(qc, data, len, qc->arg);
	return (0);
}

static int
cb_ack_datagram(ngtcp2_conn *conn, uint64_t id, void *arg)
{
	struct quic_conn	*qc = arg;

	(void)conn;
	(void)id;
	qc->stats.dgram_acked++;
	return (0);
}

static int
cb_lost_datagram(ngtcp2_conn *conn, uint64_t id, void *arg)
{
	struct quic_conn	*qc = arg;

	(void)conn;
	(void)id;
	qc->stats.dgram_lost++;
	return (0);
}

/*
 * A stateless reset that matched a token the peer gave us: the peer lost
 * the connection (a relay restart).  ngtcp2 then returns
 * NGTCP2_ERR_DRAINING, which conn_error() would report as an ordinary
 * close; the error set here comes first and stays.
 */
static int
cb_recv_stateless_reset(ngtcp2_conn *conn,
    const ngtcp2_pkt_stateless_reset *sr, void *arg)
{
	struct quic_conn	*qc = arg;

	(void)conn;
	(void)sr;
	qc->stats.stateless_reset = 1;
	conn_seterr(qc, "stateless reset");
	return (0);
}

/* connections */

static void
conn_seterr(struct quic_conn *qc, const char *fmt, ...)
{
	va_list	 ap;

	if (qc->err[0] != '\0')
		return;		/* keep the first, it is the cause */
	va_start(ap, fmt);
	(void)vsnprintf(qc->err, sizeof(qc->err), fmt, ap);
	va_end(ap);
}

/* Copy path p into storage s and point the ngtcp2 path np at it. */
static void
conn_npath(const struct quic_path *p, struct quic_path *s, ngtcp2_path *np)
{
	memcpy(s, p, sizeof(*s));
	memset(np, 0, sizeof(*np));
	np->local.addr = (ngtcp2_sockaddr *)&s->local;
	np->local.addrlen = s->locallen;
	np->remote.addr = (ngtcp2_sockaddr *)&s->remote;
	np->remote.addrlen = s->remotelen;
}

static struct quic_conn *
conn_alloc(const struct quic_config *cfg, int server)
{
	struct quic_conn	*qc;
	size_t			 n;

	if (cfg->tls == NULL || quic_tls_is_server(cfg->tls) != server) {
		log_warnx("quic: %s connection needs a %s TLS context",
		    server ? "server" : "client", server ? "server" : "client");
		return (NULL);
	}
	n = cfg->dgram_queue;
	if (n == 0 || n > QUIC_DGRAM_QUEUE_MAX) {
		log_warnx("quic: datagram queue length %zu out of range", n);
		return (NULL);
	}
	if (server && (cfg->reset_secret == NULL ||
	    cfg->reset_secretlen < QUIC_RESET_SECRET_MIN ||
	    cfg->reset_secretlen > QUIC_SECRETLEN)) {
		log_warnx("quic: server needs a %d to %d byte reset secret",
		    QUIC_RESET_SECRET_MIN, QUIC_SECRETLEN);
		return (NULL);
	}
	/* The datagram queue comes with the first datagram (dq_alloc). */
	if ((qc = calloc(1, sizeof(*qc))) == NULL) {
		log_warn("quic: connection");
		return (NULL);
	}
	qc->dqmax = n;
	qc->server = server;
	qc->state = QUIC_ST_HANDSHAKE;
	qc->cb = cfg->cb;
	qc->arg = cfg->arg;
	TAILQ_INIT(&qc->streams);
	qc->ref.get_conn = cb_get_conn;
	qc->ref.user_data = qc;
	if (server) {
		memcpy(qc->secret, cfg->reset_secret, cfg->reset_secretlen);
		qc->secretlen = cfg->reset_secretlen;
	} else {
		/* Nobody needs to rebuild a client's tokens. */
		cb_rand(qc->secret, sizeof(qc->secret), NULL);
		qc->secretlen = sizeof(qc->secret);
	}
	return (qc);
}

static void
conn_params(const struct quic_config *cfg, ngtcp2_settings *s,
    ngtcp2_transport_params *p, uint64_t now)
{
	ngtcp2_settings_default(s);
	s->initial_ts = now;
	s->handshake_timeout = cfg->handshake_timeout;
	s->max_tx_udp_payload_size = QUIC_MAX_PKTLEN;
	s->cc_algo = QUIC_CC_ALGO;

	ngtcp2_transport_params_default(p);
	p->initial_max_stream_data_bidi_local = QUIC_STREAM_WINDOW;
	p->initial_max_stream_data_bidi_remote = QUIC_STREAM_WINDOW;
	p->initial_max_data = QUIC_CONN_WINDOW;
	p->initial_max_streams_uni = 0;
	p->max_idle_timeout = cfg->idle_timeout;
	p->max_datagram_frame_size = QUIC_MAX_DGRAM_FRAME;
}

/* The TLS object and keep-alive, once the ngtcp2_conn exists. */
static int
conn_setup(struct quic_conn *qc, const struct quic_config *cfg)
{
	qc->ssl = quic_tls_ssl_new(cfg->tls, cfg->server_name, &qc->ref);
	if (qc->ssl == NULL)
		return (-1);
	ngtcp2_conn_set_tls_native_handle(qc->conn, qc->ssl);
	/* 0.12: 0 disables keep-alive; never UINT64_MAX. */
	if (cfg->keepalive != UINT64_MAX)
		ngtcp2_conn_set_keep_alive_timeout(qc->conn, cfg->keepalive);
	return (0);
}

/* A client connection to the server at path->remote. */
struct quic_conn *
quic_conn_client_new(const struct quic_config *cfg,
    const struct quic_path *path, uint64_t now)
{
	struct quic_conn	*qc;
	struct quic_path	 ps;
	ngtcp2_path		 np;
	ngtcp2_settings		 s;
	ngtcp2_transport_params	 p;
	ngtcp2_cid		 dcid, scid;
	int			 rv;

	if (cfg->server_name == NULL || *cfg->server_name == '\0') {
		log_warnx("quic: client needs a server name");
		return (NULL);
	}
	if ((qc = conn_alloc(cfg, 0)) == NULL)
		return (NULL);
	dcid.datalen = QUIC_CIDLEN;
	cb_rand(dcid.data, dcid.datalen, NULL);
	scid.datalen = QUIC_CIDLEN;
	cb_rand(scid.data, scid.datalen, NULL);
	conn_params(cfg, &s, &p, now);
	p.initial_max_streams_bidi = 0;
	conn_npath(path, &ps, &np);
	rv = ngtcp2_conn_client_new(&qc->conn, &dcid, &scid, &np,
	    NGTCP2_PROTO_VER_V1, &client_callbacks, &s, &p, NULL, qc);
	if (rv != 0) {
		log_warnx("quic: ngtcp2_conn_client_new: %s",
		    ngtcp2_strerror(rv));
		quic_conn_free(qc);
		return (NULL);
	}
	if (conn_setup(qc, cfg) == -1) {
		quic_conn_free(qc);
		return (NULL);
	}
	return (qc);
}

/*
 * The key of Retry tokens: HKDF-SHA256 of the reset secret with a salt
 * of its own, so a token and a stateless reset token never share a key
 * (ngtcp2 then derives a per-token key from it and random bytes).
 */
static int
retry_key(const struct quic_config *cfg, uint8_t key[QUIC_SECRETLEN])
{
	static const char	 salt[] = QUIC_RETRY_SALT;

	if (cfg->reset_secret == NULL ||
	    cfg->reset_secretlen < QUIC_RESET_SECRET_MIN ||
	    cfg->reset_secretlen > QUIC_SECRETLEN) {
		log_warnx("quic: Retry tokens need a %d to %d byte reset "
		    "secret", QUIC_RESET_SECRET_MIN, QUIC_SECRETLEN);
		return (-1);
	}
	if (wc_HKDF(WC_SHA256, cfg->reset_secret,
	    (word32)cfg->reset_secretlen, (const byte *)salt,
	    sizeof(salt) - 1, NULL, 0, key, QUIC_SECRETLEN) != 0) {
		log_warnx("quic: cannot derive the Retry token key");
		return (-1);
	}
	return (0);
}

/*
 * Classify a packet that matched no connection; hd gets its header and
 * odcid, for a valid token, the DCID of the Initial that got the Retry.
 */
static enum quic_initial
initial_check(const struct quic_config *cfg, const struct quic_path *path,
    const uint8_t *pkt, size_t len, uint64_t now, ngtcp2_pkt_hd *hd,
    ngtcp2_cid *odcid)
{
	uint8_t	 key[QUIC_SECRETLEN];
	int	 rv;

	if (len < QUIC_MIN_PKTLEN)
		return (QUIC_INITIAL_BAD);
	if ((rv = ngtcp2_accept(hd, pkt, len)) != 0) {
		log_debug("quic: not a first Initial packet: %s",
		    ngtcp2_strerror(rv));
		return (QUIC_INITIAL_BAD);
	}
	/*
	 * We send no NEW_TOKEN, so another token is some other server's:
	 * RFC 9000 8.1.3 says to go on as if there were none.  Then the
	 * DCID must be a first Initial's, at least 8 bytes (RFC 9000 7.2):
	 * ngtcp2_accept() checks that only without a token, and a Retry
	 * cannot answer a shorter one.
	 */
	if (hd->token.len == 0 ||
	    hd->token.base[0] != NGTCP2_CRYPTO_TOKEN_MAGIC_RETRY)
		return (hd->dcid.datalen < NGTCP2_MIN_INITIAL_DCIDLEN ?
		    QUIC_INITIAL_BAD : QUIC_INITIAL_NEW);
	if (retry_key(cfg, key) == -1)
		return (QUIC_INITIAL_BAD);
	rv = ngtcp2_crypto_verify_retry_token(odcid, hd->token.base,
	    hd->token.len, key, sizeof(key), hd->version,
	    (const ngtcp2_sockaddr *)&path->remote,
	    (ngtcp2_socklen)path->remotelen, &hd->dcid, QUIC_RETRY_LIFETIME,
	    now);
	explicit_bzero(key, sizeof(key));
	if (rv != 0) {
		log_debug("quic: Retry token refused: forged, expired or "
		    "for another address");
		return (QUIC_INITIAL_BADTOKEN);
	}
	return (QUIC_INITIAL_VALID);
}

/*
 * Server: what a packet for no known connection is.  A relay under load
 * answers QUIC_INITIAL_NEW with quic_write_retry(), passes
 * QUIC_INITIAL_VALID to quic_conn_accept() and drops the rest.
 */
enum quic_initial
quic_initial_check(const struct quic_config *cfg,
    const struct quic_path *path, const uint8_t *pkt, size_t len,
    uint64_t now)
{
	ngtcp2_pkt_hd	 hd;
	ngtcp2_cid	 odcid;

	return (initial_check(cfg, path, pkt, len, now, &hd, &odcid));
}

/*
 * Server: a Retry packet into out, answering a first Initial without a
 * Retry token; the token in it is valid QUIC_RETRY_LIFETIME from now.
 * It is smaller than the Initial (at least 1200 bytes), so it amplifies
 * nothing.  -1 if the packet does not deserve one, or on error.
 */
ssize_t
quic_write_retry(const struct quic_config *cfg, const struct quic_path *path,
    const uint8_t *pkt, size_t len, uint8_t *out, size_t outlen,
    uint64_t now)
{
	uint8_t		 key[QUIC_SECRETLEN];
	uint8_t		 token[NGTCP2_CRYPTO_MAX_RETRY_TOKENLEN];
	ngtcp2_pkt_hd	 hd;
	ngtcp2_cid	 odcid, rscid;
	ngtcp2_ssize	 tlen, n;

	if (initial_check(cfg, path, pkt, len, now, &hd, &odcid) !=
	    QUIC_INITIAL_NEW)
		return (-1);
	if (retry_key(cfg, key) == -1)
		return (-1);
	/* ngtcp2_pkt_write_retry() asserts that it differs from the DCID. */
	rscid.datalen = QUIC_CIDLEN;
	do
		cb_rand(rscid.data, rscid.datalen, NULL);
	while (hd.dcid.datalen == rscid.datalen &&
	    memcmp(hd.dcid.data, rscid.data, rscid.datalen) == 0);
	tlen = ngtcp2_crypto_generate_retry_token(token, key, sizeof(key),
	    hd.version, (const ngtcp2_sockaddr *)&path->remote,
	    (ngtcp2_socklen)path->remotelen, &rscid, &hd.dcid, now);
	explicit_bzero(key, sizeof(key));
	if (tlen < 0) {
		log_warnx("quic: cannot make a Retry token");
		return (-1);
	}
	n = ngtcp2_crypto_write_retry(out, outlen, hd.version, &hd.scid,
	    &rscid, &hd.dcid, token, (size_t)tlen);
	if (n < 0) {
		log_warnx("quic: cannot write a Retry packet (%zu byte "
		    "buffer)", outlen);
		return (-1);
	}
	return (n);
}

/*
 * A server connection from a client's first Initial packet, which is
 * also processed.  NULL if the packet does not start a connection, its
 * Retry token is bad, or the connection failed at once: drop it.  A
 * caller that counts why classifies it first with quic_initial_check().
 * With a valid token the connection starts with its address validated.
 */
struct quic_conn *
quic_conn_accept(const struct quic_config *cfg, const struct quic_path *path,
    const uint8_t *pkt, size_t len, uint64_t now)
{
	struct quic_conn	*qc;
	struct quic_path	 ps;
	ngtcp2_path		 np;
	ngtcp2_settings		 s;
	ngtcp2_transport_params	 p;
	ngtcp2_pkt_hd		 hd;
	ngtcp2_cid		 scid, odcid;
	enum quic_initial	 ini;
	int			 rv;

	ini = initial_check(cfg, path, pkt, len, now, &hd, &odcid);
	if (ini != QUIC_INITIAL_NEW && ini != QUIC_INITIAL_VALID)
		return (NULL);
	if (ini == QUIC_INITIAL_NEW)
		odcid = hd.dcid;
	if ((qc = conn_alloc(cfg, 1)) == NULL)
		return (NULL);
	scid.datalen = QUIC_CIDLEN;
	cb_rand(scid.data, scid.datalen, NULL);
	conn_params(cfg, &s, &p, now);
	p.initial_max_streams_bidi = 1;
	p.original_dcid = odcid;
	if (ini == QUIC_INITIAL_VALID) {
		/* The client checks both against what it saw. */
		p.retry_scid = hd.dcid;
		p.retry_scid_present = 1;
		/* ngtcp2 then lifts the anti-amplification limit. */
		s.token.base = hd.token.base;
		s.token.len = hd.token.len;
		qc->validated = 1;
	}
	p.stateless_reset_token_present = 1;
	if (ngtcp2_crypto_generate_stateless_reset_token(
	    p.stateless_reset_token, qc->secret, qc->secretlen, &scid) != 0) {
		log_warnx("quic: cannot derive a stateless reset token");
		quic_conn_free(qc);
		return (NULL);
	}
	qc->odcid = hd.dcid;
	conn_npath(path, &ps, &np);
	rv = ngtcp2_conn_server_new(&qc->conn, &hd.scid, &scid, &np,
	    hd.version, &server_callbacks, &s, &p, NULL, qc);
	if (rv != 0) {
		log_warnx("quic: ngtcp2_conn_server_new: %s",
		    ngtcp2_strerror(rv));
		quic_conn_free(qc);
		return (NULL);
	}
	if (conn_setup(qc, cfg) == -1) {
		quic_conn_free(qc);
		return (NULL);
	}
	/* Both IDs route to this connection until the handshake is done. */
	qc->announced = 1;
	if (qc->cb != NULL && qc->cb->cid_add != NULL) {
		qc->cb->cid_add(qc, hd.dcid.data, hd.dcid.datalen, qc->arg);
		qc->cb->cid_add(qc, scid.data, scid.datalen, qc->arg);
	}
	(void)quic_conn_read(qc, path, pkt, len, now);
	if (qc->state == QUIC_ST_CLOSED) {
		log_debug("quic: first Initial rejected: %s", qc->err);
		quic_conn_free(qc);
		return (NULL);
	}
	return (qc);
}

void
quic_conn_free(struct quic_conn *qc)
{
	struct qstream	*st;
	ngtcp2_cid	*cids;
	size_t		 i, n;

	if (qc == NULL)
		return;
	if (qc->conn != NULL && qc->announced && qc->cb != NULL &&
	    qc->cb->cid_remove != NULL) {
		if (qc->odcid.datalen > 0)
			qc->cb->cid_remove(qc, qc->odcid.data,
			    qc->odcid.datalen, qc->arg);
		n = ngtcp2_conn_get_num_scid(qc->conn);
		if (n > 0 && (cids = calloc(n, sizeof(*cids))) != NULL) {
			n = ngtcp2_conn_get_scid(qc->conn, cids);
			for (i = 0; i < n; i++)
				qc->cb->cid_remove(qc, cids[i].data,
				    cids[i].datalen, qc->arg);
			free(cids);
		}
	}
	if (qc->conn != NULL)
		ngtcp2_conn_del(qc->conn);
	if (qc->ssl != NULL)
		wolfSSL_free(qc->ssl);
	while ((st = TAILQ_FIRST(&qc->streams)) != NULL)
		stream_free(qc, st);
	free(qc->dq);
	free(qc->closebuf);
	explicit_bzero(qc->secret, sizeof(qc->secret));
	free(qc);
}

/* Enter the closing period with a CONNECTION_CLOSE built from ccerr. */
static int
conn_start_close(struct quic_conn *qc,
    const ngtcp2_connection_close_error *ccerr, uint64_t now)
{
	ngtcp2_path_storage	 ps;
	ssize_t			 n;

	if (qc->closebuf == NULL &&
	    (qc->closebuf = malloc(QUIC_MAX_PKTLEN)) == NULL) {
		log_warn("quic: close");
		qc->state = QUIC_ST_CLOSED;
		return (QUIC_EV_CLOSED);
	}
	ngtcp2_path_storage_zero(&ps);
	n = ngtcp2_conn_write_connection_close(qc->conn, &ps.path, NULL,
	    qc->closebuf, QUIC_MAX_PKTLEN, ccerr, now);
	if (n <= 0) {
		/* Nothing can be sent (no keys yet): just forget it. */
		qc->state = QUIC_ST_CLOSED;
		return (QUIC_EV_CLOSED);
	}
	qc->closelen = (size_t)n;
	qc->close_pending = 1;
	memset(&qc->closepath, 0, sizeof(qc->closepath));
	memcpy(&qc->closepath.local, ps.path.local.addr,
	    MINIMUM((size_t)ps.path.local.addrlen,
	    sizeof(qc->closepath.local)));
	qc->closepath.locallen = ps.path.local.addrlen;
	memcpy(&qc->closepath.remote, ps.path.remote.addr,
	    MINIMUM((size_t)ps.path.remote.addrlen,
	    sizeof(qc->closepath.remote)));
	qc->closepath.remotelen = ps.path.remote.addrlen;
	qc->state = QUIC_ST_CLOSING;
	qc->deadline = now + 3 * ngtcp2_conn_get_pto(qc->conn);
	return (QUIC_EV_CLOSED);
}

/* An error from ngtcp2: close, drain or drop as the error says. */
static int
conn_error(struct quic_conn *qc, int rv, uint64_t now)
{
	ngtcp2_connection_close_error	 ccerr;
	long				 vr;
	uint8_t				 alert;

	switch (rv) {
	case NGTCP2_ERR_DRAINING:
		ngtcp2_conn_get_connection_close_error(qc->conn, &ccerr);
		conn_seterr(qc, "peer closed the connection: error 0x%llx%s"
		    "%.*s", (unsigned long long)ccerr.error_code,
		    ccerr.reasonlen > 0 ? ", " : "",
		    (int)MINIMUM(ccerr.reasonlen, 64),
		    ccerr.reason != NULL ? (const char *)ccerr.reason : "");
		qc->state = QUIC_ST_DRAINING;
		qc->deadline = now + 3 * ngtcp2_conn_get_pto(qc->conn);
		return (QUIC_EV_CLOSED);
	case NGTCP2_ERR_DROP_CONN:
	case NGTCP2_ERR_RETRY:
		conn_seterr(qc, "connection dropped: %s", ngtcp2_strerror(rv));
		qc->state = QUIC_ST_CLOSED;
		return (QUIC_EV_CLOSED);
	case NGTCP2_ERR_CRYPTO:
		alert = ngtcp2_conn_get_tls_alert(qc->conn);
		vr = wolfSSL_get_verify_result(qc->ssl);
		if (vr != 0)
			conn_seterr(qc, "TLS handshake failed: certificate "
			    "verification failed (%ld), alert %u", vr, alert);
		else
			conn_seterr(qc, "TLS handshake failed: alert %u",
			    alert);
		ngtcp2_connection_close_error_set_transport_error_tls_alert(
		    &ccerr, alert, NULL, 0);
		return (conn_start_close(qc, &ccerr, now));
	default:
		conn_seterr(qc, "QUIC error: %s", ngtcp2_strerror(rv));
		ngtcp2_connection_close_error_set_transport_error_liberr(
		    &ccerr, rv, NULL, 0);
		return (conn_start_close(qc, &ccerr, now));
	}
}

/* Work deferred until ngtcp2 returned: user callbacks, close requests. */
static void
conn_after(struct quic_conn *qc, uint64_t now)
{
	if (qc->hs_event && qc->state == QUIC_ST_OPEN) {
		qc->hs_event = 0;
		if (qc->cb != NULL && qc->cb->handshake != NULL)
			qc->cb->handshake(qc, qc->arg);
	}
	if (qc->close_req) {
		qc->close_req = 0;
		(void)quic_conn_close(qc, qc->close_code, qc->close_reason,
		    now);
	}
}

/*
 * A received UDP payload on path.  Returns QUIC_EV_* bits; callbacks
 * have run by then.
 */
int
quic_conn_read(struct quic_conn *qc, const struct quic_path *path,
    const uint8_t *data, size_t len, uint64_t now)
{
	struct quic_path	 ps;
	ngtcp2_path		 np;
	int			 rv, ev = 0, hs;

	/* Never a valid packet; ngtcp2 would call an empty one an error. */
	if (len < QUIC_MIN_PKTLEN) {
		qc->stats.pkt_short++;
		return (qc->state == QUIC_ST_CLOSED ? QUIC_EV_CLOSED : 0);
	}
	switch (qc->state) {
	case QUIC_ST_CLOSED:
		return (QUIC_EV_CLOSED);
	case QUIC_ST_CLOSING:
		/*
		 * The peer did not hear us: send the close again, for the
		 * 1st, 2nd, 4th, 8th ... packet only (RFC 9000 10.2.1: limit
		 * the rate), so two closing ends, or a stateless reset and
		 * a close, do not bounce packets off each other.
		 */
		qc->closing_rx++;
		if ((qc->closing_rx & (qc->closing_rx - 1)) == 0)
			qc->close_pending = 1;
		return (0);
	case QUIC_ST_DRAINING:
		return (0);
	default:
		break;
	}
	if (qc->in_cb) {
		/* ngtcp2 forbids it (and asserts on a half-written packet). */
		log_warnx("%s: called from a callback, packet dropped",
		    __func__);
		qc->stats.pkt_bad++;
		return (0);
	}
	qc->stats.pkt_recv++;
	hs = qc->state == QUIC_ST_HANDSHAKE;
	conn_npath(path, &ps, &np);
	qc->in_cb = 1;
	rv = ngtcp2_conn_read_pkt(qc->conn, &np, NULL, data, len, now);
	qc->in_cb = 0;
	if (rv == NGTCP2_ERR_INVALID_ARGUMENT) {
		/* A packet it could not take, not a connection error. */
		qc->stats.pkt_bad++;
		return (0);
	}
	if (rv != 0) {
		qc->stats.pkt_bad++;
		ev |= conn_error(qc, rv, now);
	}
	if (hs && qc->hs_event && qc->state == QUIC_ST_OPEN)
		ev |= QUIC_EV_HANDSHAKE;
	conn_after(qc, now);
	if (qc->state != QUIC_ST_OPEN && qc->state != QUIC_ST_HANDSHAKE)
		ev |= QUIC_EV_CLOSED;
	return (ev);
}

static ssize_t
conn_packet(struct quic_conn *qc, const ngtcp2_path *np,
    struct quic_path *out, ssize_t n)
{
	qc->stats.pkt_sent++;
	qc->paced = 1;
	if (out != NULL) {
		memset(out, 0, sizeof(*out));
		memcpy(&out->local, np->local.addr,
		    MINIMUM((size_t)np->local.addrlen, sizeof(out->local)));
		out->locallen = np->local.addrlen;
		memcpy(&out->remote, np->remote.addr,
		    MINIMUM((size_t)np->remote.addrlen, sizeof(out->remote)));
		out->remotelen = np->remote.addrlen;
	}
	return (n);
}

static ssize_t
conn_write_close(struct quic_conn *qc, struct quic_path *path, uint8_t *out,
    size_t outlen)
{
	if (qc->state != QUIC_ST_CLOSING || !qc->close_pending ||
	    outlen < qc->closelen)
		return (0);
	qc->close_pending = 0;
	memcpy(out, qc->closebuf, qc->closelen);
	if (path != NULL)
		memcpy(path, &qc->closepath, sizeof(*path));
	qc->stats.pkt_sent++;
	return ((ssize_t)qc->closelen);
}

/*
 * In ngtcp2 0.12 a packet of DATAGRAM (or PING) frames only is not
 * PTO-eliciting: when the tail of such a flight is lost (or its ACKs
 * are), nothing acknowledges a later packet, so the loss is never
 * detected, no probe is sent, the congestion window stays full of
 * ghosts and the connection goes silent for good.  So a datagram goes
 * out behind an empty STREAM frame (PTO-eliciting) on an open stream
 * when nothing PTO-eliciting is in flight (no loss detection timer),
 * or when QUIC_ANCHOR_BYTES went out since the last such frame: what
 * follows the newest anchor then stays below the smallest congestion
 * window (2 packets), so once the anchor is acknowledged a packet can
 * always be sent.  Returns that stream, or NULL.
 */
static struct qstream *
conn_anchor(struct quic_conn *qc)
{
	ngtcp2_conn_stat	 cs;

	ngtcp2_conn_get_conn_stat(qc->conn, &cs);
	if (cs.loss_detection_timer != UINT64_MAX &&
	    qc->unanchored < QUIC_ANCHOR_BYTES)
		return (NULL);
	return (TAILQ_FIRST(&qc->streams));
}

/*
 * The next packet to send, into out (at least QUIC_MAX_PKTLEN bytes),
 * with its path.  Call until it returns 0.  -1 only on a bad argument.
 */
ssize_t
quic_conn_write(struct quic_conn *qc, struct quic_path *path, uint8_t *out,
    size_t outlen, uint64_t now)
{
	ngtcp2_path_storage	 ps;
	ngtcp2_vec		 vec[QUIC_STREAM_VECS];
	struct qstream		*st;
	struct qdgram		*d;
	ngtcp2_ssize		 n, ndata;
	size_t			 nvec, max;
	int			 accepted, anchored = 0, pto = 0;

	if (outlen < QUIC_MAX_PKTLEN) {
		log_warnx("quic: write buffer of %zu bytes, need %d", outlen,
		    QUIC_MAX_PKTLEN);
		return (-1);
	}
	if (qc->state == QUIC_ST_CLOSING)
		return (conn_write_close(qc, path, out, outlen));
	if (qc->state == QUIC_ST_DRAINING || qc->state == QUIC_ST_CLOSED)
		return (0);

	ngtcp2_path_storage_zero(&ps);
	TAILQ_FOREACH(st, &qc->streams, entry)
		st->blocked = 0;
	max = quic_conn_dgram_max(qc);
	qc->in_cb = 1;
	for (;;) {
		TAILQ_FOREACH(st, &qc->streams, entry)
			if (!st->blocked && st->sent < st->end)
				break;
		if (st != NULL) {
			nvec = stream_vecs(st, vec, nitems(vec));
			ndata = -1;
			n = ngtcp2_conn_writev_stream(qc->conn, &ps.path, NULL,
			    out, outlen, &ndata, NGTCP2_WRITE_STREAM_FLAG_MORE,
			    st->id, vec, nvec, now);
			if (ndata > 0)
				st->sent += (uint64_t)ndata;
			if (ndata >= 0)
				pto = 1;
			switch (n) {
			case NGTCP2_ERR_WRITE_MORE:
				continue;
			case NGTCP2_ERR_STREAM_DATA_BLOCKED:
			case NGTCP2_ERR_STREAM_SHUT_WR:
			case NGTCP2_ERR_STREAM_NOT_FOUND:
				st->blocked = 1;
				continue;
			default:
				break;
			}
			if (ndata <= 0)
				st->blocked = 1;
			if (n == 0)
				goto idle;
			if (n < 0)
				goto fatal;
			goto packet;
		}
		if (qc->dqlen > 0 && qc->state == QUIC_ST_OPEN) {
			d = &qc->dq[qc->dqhead];
			if (d->len > max) {
				/* The path shrank after it was queued. */
				qc->stats.dgram_drop_toobig++;
				dq_pop(qc);
				continue;
			}
			if (!anchored && !pto &&
			    (st = conn_anchor(qc)) != NULL) {
				anchored = 1;
				ndata = -1;
				n = ngtcp2_conn_writev_stream(qc->conn,
				    &ps.path, NULL, out, outlen, &ndata,
				    NGTCP2_WRITE_STREAM_FLAG_MORE, st->id, NULL,
				    0, now);
				if (ndata >= 0)
					pto = 1;
				switch (n) {
				case NGTCP2_ERR_WRITE_MORE:
				case NGTCP2_ERR_STREAM_DATA_BLOCKED:
				case NGTCP2_ERR_STREAM_SHUT_WR:
				case NGTCP2_ERR_STREAM_NOT_FOUND:
					continue;
				default:
					break;
				}
				if (n == 0)
					goto idle;
				if (n < 0)
					goto fatal;
				goto packet;
			}
			vec[0].base = d->data;
			vec[0].len = d->len;
			accepted = 0;
			n = ngtcp2_conn_writev_datagram(qc->conn, &ps.path,
			    NULL, out, outlen, &accepted,
			    NGTCP2_WRITE_DATAGRAM_FLAG_MORE, qc->dgram_id, vec,
			    1, now);
			if (accepted) {
				qc->dgram_id++;
				qc->stats.dgram_sent++;
				dq_pop(qc);
			}
			switch (n) {
			case NGTCP2_ERR_WRITE_MORE:
				continue;
			case NGTCP2_ERR_INVALID_ARGUMENT:
			case NGTCP2_ERR_INVALID_STATE:
				/* Over the peer's limit, or no DATAGRAM. */
				qc->stats.dgram_drop_refused++;
				dq_pop(qc);
				continue;
			default:
				break;
			}
			if (n == 0)
				goto idle;
			if (n < 0)
				goto fatal;
			goto packet;
		}
		n = ngtcp2_conn_write_pkt(qc->conn, &ps.path, NULL, out,
		    outlen, now);
		if (n == 0)
			goto idle;
		if (n < 0)
			goto fatal;
		goto packet;
	}
 packet:
	qc->in_cb = 0;
	if (pto)
		qc->unanchored = 0;
	else
		qc->unanchored += (size_t)n;
	n = conn_packet(qc, &ps.path, path, n);
	conn_after(qc, now);
	return (n);
 idle:
	qc->in_cb = 0;
	if (qc->paced) {
		ngtcp2_conn_update_pkt_tx_time(qc->conn, now);
		qc->paced = 0;
	}
	conn_after(qc, now);
	return (conn_write_close(qc, path, out, outlen));
 fatal:
	qc->in_cb = 0;
	(void)conn_error(qc, (int)n, now);
	return (conn_write_close(qc, path, out, outlen));
}

/* When quic_conn_handle_expiry() is due; UINT64_MAX for never. */
uint64_t
quic_conn_expiry(struct quic_conn *qc)
{
	switch (qc->state) {
	case QUIC_ST_CLOSING:
	case QUIC_ST_DRAINING:
		return (qc->deadline);
	case QUIC_ST_CLOSED:
		return (UINT64_MAX);
	default:
		return (ngtcp2_conn_get_expiry(qc->conn));
	}
}

/* The timer fired: returns QUIC_EV_CLOSED when the connection ended. */
int
quic_conn_handle_expiry(struct quic_conn *qc, uint64_t now)
{
	int	 rv, ev = 0;

	switch (qc->state) {
	case QUIC_ST_CLOSED:
		return (QUIC_EV_CLOSED);
	case QUIC_ST_CLOSING:
	case QUIC_ST_DRAINING:
		if (now >= qc->deadline) {
			qc->state = QUIC_ST_CLOSED;
			return (QUIC_EV_CLOSED);
		}
		return (0);
	default:
		break;
	}
	qc->in_cb = 1;
	rv = ngtcp2_conn_handle_expiry(qc->conn, now);
	qc->in_cb = 0;
	switch (rv) {
	case 0:
		break;
	case NGTCP2_ERR_IDLE_CLOSE:
		conn_seterr(qc, "idle timeout");
		qc->state = QUIC_ST_CLOSED;
		return (QUIC_EV_CLOSED);
	case NGTCP2_ERR_HANDSHAKE_TIMEOUT:
		conn_seterr(qc, "handshake timeout");
		qc->state = QUIC_ST_CLOSED;
		return (QUIC_EV_CLOSED);
	default:
		ev = conn_error(qc, rv, now);
		break;
	}
	conn_after(qc, now);
	return (ev);
}

/*
 * Close with an application error code and a reason.  Inside a callback
 * the close is done once ngtcp2 returns (and now is not used).  Then
 * drain quic_conn_write() for the CONNECTION_CLOSE packet.
 */
int
quic_conn_close(struct quic_conn *qc, uint64_t code, const char *reason,
    uint64_t now)
{
	ngtcp2_connection_close_error	 ccerr;
	size_t				 len;

	if (qc->state != QUIC_ST_HANDSHAKE && qc->state != QUIC_ST_OPEN)
		return (0);
	if (reason == NULL)
		reason = "";
	if (qc->in_cb) {
		qc->close_req = 1;
		qc->close_code = code;
		(void)strlcpy(qc->close_reason, reason,
		    sizeof(qc->close_reason));
		return (0);
	}
	len = strlen(reason);
	ngtcp2_connection_close_error_set_application_error(&ccerr, code,
	    (const uint8_t *)reason, len);
	conn_seterr(qc, "closed locally: error 0x%llx%s%s",
	    (unsigned long long)code, len > 0 ? ", " : "", reason);
	return (conn_start_close(qc, &ccerr, now));
}

enum quic_state
quic_conn_state(const struct quic_conn *qc)
{
	return (qc->state);
}

/*
 * Nonzero once the peer's address is validated: on a server by a Retry
 * token at accept, else when the handshake completed.
 */
int
quic_conn_addr_validated(const struct quic_conn *qc)
{
	return (qc->validated);
}

/* Why the connection ended ("" while it is fine). */
const char *
quic_conn_error(const struct quic_conn *qc)
{
	return (qc->err);
}

const struct quic_stats *
quic_conn_stats(const struct quic_conn *qc)
{
	return (&qc->stats);
}

void *
quic_conn_arg(const struct quic_conn *qc)
{
	return (qc->arg);
}

void
quic_conn_set_arg(struct quic_conn *qc, void *arg)
{
	qc->arg = arg;
}

/* streams */

static struct qstream *
stream_find(struct quic_conn *qc, int64_t sid)
{
	struct qstream	*st;

	TAILQ_FOREACH(st, &qc->streams, entry)
		if (st->id == sid)
			return (st);
	return (NULL);
}

static struct qstream *
stream_new(struct quic_conn *qc, int64_t sid)
{
	struct qstream	*st;

	if ((st = calloc(1, sizeof(*st))) == NULL) {
		log_warn("quic: stream");
		return (NULL);
	}
	st->id = sid;
	TAILQ_INIT(&st->chunks);
	TAILQ_INSERT_TAIL(&qc->streams, st, entry);
	return (st);
}

static void
stream_free(struct quic_conn *qc, struct qstream *st)
{
	struct qchunk	*ch;

	while ((ch = TAILQ_FIRST(&st->chunks)) != NULL) {
		TAILQ_REMOVE(&st->chunks, ch, entry);
		free(ch);
	}
	TAILQ_REMOVE(&qc->streams, st, entry);
	free(st);
}

/* The unsent bytes of st as at most nvec vectors. */
static size_t
stream_vecs(struct qstream *st, ngtcp2_vec *vec, size_t nvec)
{
	struct qchunk	*ch;
	size_t		 n = 0, skip;

	TAILQ_FOREACH(ch, &st->chunks, entry) {
		if (n == nvec)
			break;
		if (ch->off + ch->len <= st->sent)
			continue;
		skip = st->sent > ch->off ? (size_t)(st->sent - ch->off) : 0;
		vec[n].base = ch->data + skip;
		vec[n].len = ch->len - skip;
		n++;
	}
	return (n);
}

/* Client: open the (first) bidirectional stream, after the handshake. */
int
quic_conn_open_stream(struct quic_conn *qc, int64_t *sidp)
{
	int64_t	 sid;
	int	 rv;

	if (qc->state != QUIC_ST_OPEN) {
		log_warnx("quic: open stream: connection not open");
		return (-1);
	}
	if ((rv = ngtcp2_conn_open_bidi_stream(qc->conn, &sid, NULL)) != 0) {
		log_warnx("quic: open stream: %s", ngtcp2_strerror(rv));
		return (-1);
	}
	if (stream_find(qc, sid) == NULL && stream_new(qc, sid) == NULL)
		return (-1);
	*sidp = sid;
	return (0);
}

/*
 * Queue len bytes on stream sid; they are kept until acknowledged.
 * Fails, queueing nothing, when that would hold more than
 * QUIC_STREAM_BUFMAX unacknowledged bytes.
 */
int
quic_conn_stream_write(struct quic_conn *qc, int64_t sid,
    const uint8_t *data, size_t len)
{
	struct qstream	*st;
	struct qchunk	*ch;

	if (qc->state != QUIC_ST_OPEN) {
		log_warnx("quic: stream %lld: connection not open",
		    (long long)sid);
		return (-1);
	}
	if (len == 0)
		return (0);
	if ((st = stream_find(qc, sid)) == NULL &&
	    (st = stream_new(qc, sid)) == NULL)
		return (-1);
	if (len > QUIC_STREAM_BUFMAX ||
	    st->end - st->acked > QUIC_STREAM_BUFMAX - len) {
		log_warnx("quic: stream %lld: send buffer full (%llu bytes "
		    "unacknowledged)", (long long)sid,
		    (unsigned long long)(st->end - st->acked));
		return (-1);
	}
	if ((ch = malloc(sizeof(*ch) + len)) == NULL) {
		log_warn("quic: stream %lld", (long long)sid);
		return (-1);
	}
	ch->off = st->end;
	ch->len = len;
	memcpy(ch->data, data, len);
	TAILQ_INSERT_TAIL(&st->chunks, ch, entry);
	st->end += len;
	qc->stats.stream_sent += len;
	return (0);
}

/* Bytes written on sid and not yet acknowledged. */
size_t
quic_conn_stream_pending(struct quic_conn *qc, int64_t sid)
{
	struct qstream	*st;

	if ((st = stream_find(qc, sid)) == NULL)
		return (0);
	return ((size_t)(st->end - st->acked));
}

/* datagrams */

static void
dq_pop(struct quic_conn *qc)
{
	qc->dqhead = (qc->dqhead + 1) % qc->dqmax;
	qc->dqlen--;
}

/*
 * Queue one DATAGRAM payload (kind byte included).  Returns
 * QUIC_DGRAM_QUEUED, or why it was dropped (and counted).
 */
int
quic_conn_send_datagram(struct quic_conn *qc, const uint8_t *data,
    size_t len)
{
	return (quic_conn_send_datagram2(qc, NULL, 0, data, len));
}

/*
 * The same for a payload in two parts, hdr then data (an overlay piece:
 * its header and a slice of the frame), copied once, into the queue.
 */
int
quic_conn_send_datagram2(struct quic_conn *qc, const uint8_t *hdr,
    size_t hdrlen, const uint8_t *data, size_t datalen)
{
	struct qdgram	*d;
	size_t		 len = hdrlen + datalen;

	if (qc->state != QUIC_ST_OPEN) {
		qc->stats.dgram_drop_notready++;
		return (QUIC_DGRAM_NOTREADY);
	}
	if (len == 0 || len > quic_conn_dgram_max(qc)) {
		qc->stats.dgram_drop_toobig++;
		return (QUIC_DGRAM_TOOBIG);
	}
	/*
	 * Allocated only now: dqmax packets' worth is most of a connection's
	 * memory, and a handshake that never completes must not hold it.
	 */
	if (qc->dq == NULL &&
	    (qc->dq = calloc(qc->dqmax, sizeof(*qc->dq))) == NULL) {
		log_warn("quic: datagram queue");
		qc->stats.dgram_drop_full++;
		return (QUIC_DGRAM_FULL);
	}
	if (qc->dqlen == qc->dqmax) {
		qc->stats.dgram_drop_full++;
		return (QUIC_DGRAM_FULL);
	}
	d = &qc->dq[(qc->dqhead + qc->dqlen) % qc->dqmax];
	if (hdrlen > 0)
		memcpy(d->data, hdr, hdrlen);
	memcpy(d->data + hdrlen, data, datalen);
	d->len = len;
	qc->dqlen++;
	qc->stats.dgram_queued++;
	return (QUIC_DGRAM_QUEUED);
}

/*
 * The longest DATAGRAM payload (kind byte included) that fits one packet
 * on the current path; 0 before the handshake or without peer support.
 */
size_t
quic_conn_dgram_max(struct quic_conn *qc)
{
	size_t	 budget;

	if ((budget = quic_conn_frame_budget(qc)) == 0)
		return (0);
	return (budget + MTU_KIND_LEN);
}

/*
 * The largest UDP payload the path is known to carry (1200 until path MTU
 * discovery raised it); probes are larger.  0 before the handshake.
 */
size_t
quic_conn_path_max(struct quic_conn *qc)
{
	if (qc->conn == NULL || qc->state != QUIC_ST_OPEN)
		return (0);
	return (ngtcp2_conn_get_path_max_tx_udp_payload_size(qc->conn));
}

/* The frame budget: the longest Ethernet frame sent whole. */
size_t
quic_conn_frame_budget(struct quic_conn *qc)
{
	const ngtcp2_transport_params	*rp;
	size_t				 budget, peer;

	if (qc->state != QUIC_ST_OPEN)
		return (0);
	rp = ngtcp2_conn_get_remote_transport_params(qc->conn);
	if (rp == NULL || rp->max_datagram_frame_size == 0)
		return (0);
	budget = mtu_frame_budget(
	    ngtcp2_conn_get_path_max_tx_udp_payload_size(qc->conn),
	    ngtcp2_conn_get_dcid(qc->conn)->datalen);
	/* The peer's limit counts the frame type and a length varint. */
	if (rp->max_datagram_frame_size < 1 + 8 + MTU_KIND_LEN)
		return (0);
	peer = (size_t)MINIMUM(rp->max_datagram_frame_size - 1 - 8 -
	    MTU_KIND_LEN, SIZE_MAX);
	return (MINIMUM(budget, peer));
}

size_t
quic_conn_dgram_queued(const struct quic_conn *qc)
{
	return (qc->dqlen);
}

/* to += s, counter by counter. */
void
quic_stats_add(struct quic_stats *to, const struct quic_stats *s)
{
	to->dgram_queued += s->dgram_queued;
	to->dgram_sent += s->dgram_sent;
	to->dgram_recv += s->dgram_recv;
	to->dgram_acked += s->dgram_acked;
	to->dgram_lost += s->dgram_lost;
	to->dgram_drop_full += s->dgram_drop_full;
	to->dgram_drop_toobig += s->dgram_drop_toobig;
	to->dgram_drop_notready += s->dgram_drop_notready;
	to->dgram_drop_refused += s->dgram_drop_refused;
	to->stream_sent += s->stream_sent;
	to->stream_recv += s->stream_recv;
	to->pkt_recv += s->pkt_recv;
	to->pkt_sent += s->pkt_sent;
	to->pkt_bad += s->pkt_bad;
	to->pkt_short += s->pkt_short;
	to->stateless_reset += s->stateless_reset;
}

/* How many more datagrams quic_conn_send_datagram() would queue now. */
size_t
quic_conn_dgram_room(const struct quic_conn *qc)
{
	if (qc->state != QUIC_ST_OPEN)
		return (0);
	return (qc->dqmax - qc->dqlen);
}

/* The smoothed round-trip time in ns (RFC 9002), 0 before a sample. */
uint64_t
quic_conn_rtt(struct quic_conn *qc)
{
	ngtcp2_conn_stat	 cs;

	if (qc->conn == NULL)
		return (0);
	ngtcp2_conn_get_conn_stat(qc->conn, &cs);
	if (cs.latest_rtt == 0)
		return (0);
	return (cs.smoothed_rtt);
}

/* TLS facts */

/* The negotiated cipher suite, e.g. "TLS13-AES128-GCM-SHA256". */
const char *
quic_conn_cipher(struct quic_conn *qc)
{
	const char	*s;

	if (qc->state == QUIC_ST_HANDSHAKE ||
	    (s = wolfSSL_get_cipher_name(qc->ssl)) == NULL)
		return ("none");
	return (s);
}

/* The negotiated ALPN as a string; -1 if none. */
int
quic_conn_alpn(struct quic_conn *qc, char *buf, size_t len)
{
	char		*alpn = NULL;
	unsigned short	 alen = 0;

	if (wolfSSL_ALPN_GetProtocol(qc->ssl, &alpn, &alen) !=
	    WOLFSSL_SUCCESS || alpn == NULL || alen == 0 || alen >= len)
		return (-1);
	memcpy(buf, alpn, alen);
	buf[alen] = '\0';
	return (0);
}

/* Client: the stateless reset token the server announced. */
int
quic_conn_peer_reset_token(struct quic_conn *qc,
    uint8_t token[QUIC_RESET_TOKENLEN])
{
	const ngtcp2_transport_params	*rp;

	if (qc->server || qc->state == QUIC_ST_HANDSHAKE)
		return (-1);
	rp = ngtcp2_conn_get_remote_transport_params(qc->conn);
	if (rp == NULL || !rp->stateless_reset_token_present)
		return (-1);
	memcpy(token, rp->stateless_reset_token, QUIC_RESET_TOKENLEN);
	return (0);
}

/* The connection ID packets to the peer carry; its length. */
size_t
quic_conn_dcid(struct quic_conn *qc, uint8_t *buf, size_t len)
{
	const ngtcp2_cid	*cid;

	cid = ngtcp2_conn_get_dcid(qc->conn);
	if (cid->datalen > len)
		return (0);
	memcpy(buf, cid->data, cid->datalen);
	return (cid->datalen);
}

/* helpers for a server's demultiplexer */

/*
 * The destination connection ID of a received packet, for the lookup;
 * anything but QUIC_PKT_OK is to be counted and dropped.
 */
enum quic_pkt
quic_packet_dcid(const uint8_t *pkt, size_t len,
    uint8_t dcid[QUIC_MAX_CIDLEN], size_t *dcidlen)
{
	ngtcp2_version_cid	 vc;
	int			 rv;

	*dcidlen = 0;
	/* ngtcp2 asserts len != 0. */
	if (len < QUIC_MIN_PKTLEN)
		return (QUIC_PKT_SHORT);
	rv = ngtcp2_pkt_decode_version_cid(&vc, pkt, len, QUIC_CIDLEN);
	if (rv == NGTCP2_ERR_VERSION_NEGOTIATION)
		return (QUIC_PKT_VERSION);
	if (rv != 0 || vc.dcidlen > QUIC_MAX_CIDLEN)
		return (QUIC_PKT_GARBAGE);
	memcpy(dcid, vc.dcid, vc.dcidlen);
	*dcidlen = vc.dcidlen;
	return (QUIC_PKT_OK);
}

/* The stateless reset token for cid under secret. */
int
quic_reset_token(const uint8_t *secret, size_t secretlen, const uint8_t *cid,
    size_t cidlen, uint8_t token[QUIC_RESET_TOKENLEN])
{
	ngtcp2_cid	 c;

	if (secretlen < QUIC_RESET_SECRET_MIN || cidlen == 0 ||
	    cidlen > NGTCP2_MAX_CIDLEN)
		return (-1);
	ngtcp2_cid_init(&c, cid, cidlen);
	if (ngtcp2_crypto_generate_stateless_reset_token(token, secret,
	    secretlen, &c) != 0)
		return (-1);
	return (0);
}

/*
 * A stateless reset answering a short-header packet of trigger bytes for
 * an unknown connection cid.  It is kept shorter than the trigger, so
 * resets never loop; 0 when the trigger is too short to answer.
 */
ssize_t
quic_write_stateless_reset(uint8_t *out, size_t outlen, size_t trigger,
    const uint8_t *secret, size_t secretlen, const uint8_t *cid,
    size_t cidlen)
{
	uint8_t		 token[QUIC_RESET_TOKENLEN];
	uint8_t		 rnd[64];
	size_t		 rlen;
	ngtcp2_ssize	 n;

	/* first byte + random + token, and one byte less than trigger */
	if (trigger < 1 + NGTCP2_MIN_STATELESS_RESET_RANDLEN +
	    QUIC_RESET_TOKENLEN + 1 || trigger < cidlen + 22)
		return (0);
	rlen = MINIMUM(trigger - 1 - QUIC_RESET_TOKENLEN - 1, sizeof(rnd));
	if (quic_reset_token(secret, secretlen, cid, cidlen, token) == -1)
		return (-1);
	cb_rand(rnd, rlen, NULL);
	n = ngtcp2_pkt_write_stateless_reset(out, outlen, token, rnd, rlen);
	explicit_bzero(token, sizeof(token));
	if (n < 0)
		return (-1);
	return (n);
}
