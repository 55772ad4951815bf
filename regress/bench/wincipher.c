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
 * wincipher: the QUIC data path's cost per TLS 1.3 cipher suite, the
 * measurement behind the client's cipher order in common/quic_tls.c.
 * Built for Linux (suite.mk: wolfSSL with AES-NI) and for Windows
 * (win.mk, run under Wine: the MinGW wolfSSL has no assembly at all,
 * so no AES-NI, PCLMULQDQ or AVX2 code).
 *
 * For each suite, two connections of common/quic.c in one process, the
 * suite forced on both sides, the packets handed over in memory: the
 * client sends the largest DATAGRAM frames the connection takes (one per
 * 1452-byte packet) for a second.  Every packet is sealed (AEAD and
 * header protection, through ngtcp2) by one side and opened by the other
 * in this one thread, so the figure is what one core does when it both
 * seals and opens every payload byte: a worker that reaches N Mbit/s here
 * keeps up with N Mbit/s each way.  ROUNDS rounds over the suites in
 * turn, the best round of each counts: on a small shared machine a build
 * running beside it slows some rounds, and taking turns keeps that from
 * favouring one suite.  One line per suite: Mbit/s of
 * datagram payload, the ratio to the best suite, and whether the suite's
 * AEAD refuses a forged packet (sealed and opened as ngtcp2's wolfSSL
 * backend does, one ciphertext bit flipped): a fast suite that takes
 * forgeries is no candidate.  Then the suite that this platform's client
 * gets from a server with the relay's settings (quic_tls_server_new),
 * and its ratio to the best.
 *
 * The suite is forced without a hook in quic_tls.c: the program is
 * linked with -Wl,--wrap=wolfSSL_CTX_set_cipher_list, and the wrapper
 * below hands wolfSSL the suite being measured instead of quic_tls.c's
 * list.  Exit status 1 when a handshake fails, another suite is
 * negotiated, or a datagram is lost or damaged; there are no speed
 * thresholds.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/quic.h>
#include <wolfssl/openssl/evp.h>

#include "clock.h"
#include "compat.h"
#include "log.h"
#include "quic.h"

#define NAME		"relay.bench"
#define ROUNDS		3
#define ROUND_NSEC	QUIC_NSEC
#define HANDSHAKE_MAX	(10 * QUIC_NSEC)	/* Wine starts slowly */

#ifdef _WIN32
#define PLATFORM	"windows"
#else
#define PLATFORM	"linux"
#endif

struct end {
	struct quic_conn	*qc;
	struct quic_path	 path;
	uint64_t		 ndgram;	/* received */
	uint64_t		 nbytes;
	uint64_t		 bad;		/* wrong size or content */
	uint32_t		 next;		/* expected sequence */
};

struct suite {
	const char		*name;		/* wolfSSL's */
	const char		*label;
	const WOLFSSL_EVP_CIPHER *(*aead)(void);
	double			 mbits;		/* measured */
};

static struct suite	 suites[] = {
	{ "TLS13-AES128-GCM-SHA256", "AES128-GCM",
	    wolfSSL_EVP_aes_128_gcm, 0 },
	{ "TLS13-AES256-GCM-SHA384", "AES256-GCM",
	    wolfSSL_EVP_aes_256_gcm, 0 },
	{ "TLS13-CHACHA20-POLY1305-SHA256", "CHACHA20-POLY1305",
	    wolfSSL_EVP_chacha20_poly1305, 0 },
};

static struct end	 client, server;
static size_t		 dgramlen;
static const char	*forced;	/* the suite list wolfSSL gets */

int	__real_wolfSSL_CTX_set_cipher_list(WOLFSSL_CTX *, const char *);
int	__wrap_wolfSSL_CTX_set_cipher_list(WOLFSSL_CTX *, const char *);

/* quic_tls.c's list, or the one suite being measured. */
int
__wrap_wolfSSL_CTX_set_cipher_list(WOLFSSL_CTX *ctx, const char *list)
{
	return (__real_wolfSSL_CTX_set_cipher_list(ctx,
	    forced != NULL ? forced : list));
}

static void
setaddr(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &sin->sin_addr) != 1)
		fatalx("inet_pton %s", ip);
	*len = sizeof(*sin);
}

/* Datagram: a 32-bit sequence number, then one byte repeated. */
static void
on_datagram(struct quic_conn *qc, const uint8_t *data, size_t len,
    void *arg)
{
	struct end	*e = arg;
	uint32_t	 seq;

	(void)qc;
	if (len != dgramlen) {
		e->bad++;
		return;
	}
	seq = (uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 |
	    (uint32_t)data[2] << 8 | data[3];
	if (seq < e->next || data[4] != (uint8_t)seq ||
	    data[len - 1] != (uint8_t)seq)
		e->bad++;
	e->next = seq + 1;
	e->ndgram++;
	e->nbytes += len;
}

/* Move every packet from one end to the other. */
static void
flush(const struct quic_config *scfg, struct end *from, struct end *to,
    uint64_t now)
{
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	struct quic_path	 path;
	ssize_t			 n;

	while ((n = quic_conn_write(from->qc, &path, buf, sizeof(buf),
	    now)) > 0) {
		if (to->qc == NULL) {
			to->qc = quic_conn_accept(scfg, &to->path, buf,
			    (size_t)n, now);
			if (to->qc == NULL)
				fatalx("quic_conn_accept failed");
		} else
			(void)quic_conn_read(to->qc, &to->path, buf,
			    (size_t)n, now);
	}
	if (n < 0)
		fatalx("quic_conn_write: %s", quic_conn_error(from->qc));
}

static void
timers(struct end *e, uint64_t now)
{
	if (e->qc != NULL && quic_conn_state(e->qc) != QUIC_ST_CLOSED &&
	    quic_conn_expiry(e->qc) <= now)
		(void)quic_conn_handle_expiry(e->qc, now);
}

static void
step(const struct quic_config *scfg)
{
	uint64_t	 now = clock_ns();

	timers(&client, now);
	timers(&server, now);
	flush(scfg, &client, &server, now);
	if (server.qc != NULL)
		flush(scfg, &server, &client, now);
}

/*
 * A connection pair with the contexts of quic_tls.c (the list forced or
 * not), the handshake done.  -1 if it does not complete.
 */
static int
pair_open(struct quic_tls *ctls, struct quic_tls *stls,
    struct quic_config *ccfg, struct quic_config *scfg, struct quic_cb *cb,
    uint8_t *secret, size_t secretlen)
{
	uint64_t	 start;
	int		 i;

	memset(&client, 0, sizeof(client));
	memset(&server, 0, sizeof(server));
	memset(cb, 0, sizeof(*cb));
	cb->datagram = on_datagram;
	quic_config_default(ccfg);
	ccfg->tls = ctls;
	ccfg->server_name = NAME;
	ccfg->cb = cb;
	ccfg->arg = &client;
	quic_config_default(scfg);
	scfg->tls = stls;
	scfg->reset_secret = secret;
	scfg->reset_secretlen = secretlen;
	scfg->cb = cb;
	scfg->arg = &server;
	setaddr(&client.path.local, &client.path.locallen, "198.18.0.1",
	    40000);
	setaddr(&client.path.remote, &client.path.remotelen, "198.18.0.2",
	    443);
	setaddr(&server.path.local, &server.path.locallen, "198.18.0.2", 443);
	setaddr(&server.path.remote, &server.path.remotelen, "198.18.0.1",
	    40000);

	start = clock_ns();
	if ((client.qc = quic_conn_client_new(ccfg, &client.path,
	    start)) == NULL)
		fatalx("quic_conn_client_new failed");
	while (quic_conn_state(client.qc) != QUIC_ST_OPEN ||
	    server.qc == NULL || quic_conn_state(server.qc) != QUIC_ST_OPEN) {
		if (clock_ns() - start > HANDSHAKE_MAX) {
			log_warnx("handshake did not complete: %s",
			    quic_conn_error(client.qc));
			return (-1);
		}
		step(scfg);
	}
	/* Let the handshake's last acks settle. */
	for (i = 0; i < 100; i++)
		step(scfg);
	return (0);
}

static void
pair_close(void)
{
	quic_conn_free(client.qc);
	quic_conn_free(server.qc);
	client.qc = server.qc = NULL;
}

/*
 * Seal a packet as ngtcp2's wolfSSL backend does, flip a bit, open it:
 * 1 if the AEAD refused the forgery (wolfSSL 5.5.4's ChaCha20-Poly1305
 * does not, see common/quic_tls.c), -1 if it could not be tried.
 */
static int
refuses_forgery(const WOLFSSL_EVP_CIPHER *aead)
{
	WOLFSSL_EVP_CIPHER_CTX	*enc = NULL, *dec = NULL;
	uint8_t			 key[32], iv[12], aad[24], plain[200];
	uint8_t			 sealed[sizeof(plain) + 16], out[sizeof(sealed)];
	int			 ret = -1;

	memset(key, 0x11, sizeof(key));
	memset(iv, 0x22, sizeof(iv));
	memset(aad, 0x33, sizeof(aad));
	memset(plain, 0x44, sizeof(plain));
	if (aead == NULL || wolfSSL_quic_get_aead_tag_len(aead) != 16 ||
	    (enc = wolfSSL_quic_crypt_new(aead, key, iv, 1)) == NULL ||
	    (dec = wolfSSL_quic_crypt_new(aead, key, iv, 0)) == NULL ||
	    wolfSSL_quic_aead_encrypt(sealed, enc, plain, sizeof(plain), iv,
	    aad, sizeof(aad)) != WOLFSSL_SUCCESS)
		goto out;
	sealed[10] ^= 0x01;
	ret = wolfSSL_quic_aead_decrypt(out, dec, sealed, sizeof(sealed), iv,
	    aad, sizeof(aad)) != WOLFSSL_SUCCESS;
 out:
	wolfSSL_EVP_CIPHER_CTX_free(enc);
	wolfSSL_EVP_CIPHER_CTX_free(dec);
	return (ret);
}

/* Blast datagrams for ROUND_NSEC; payload Mbit/s, or -1 if broken. */
static double
blast(const struct quic_config *scfg, const char *label)
{
	uint8_t			 dgram[QUIC_MAX_PKTLEN];
	const struct quic_stats	*cs;
	uint64_t		 start, end, until, sent = 0;
	double			 secs;
	int			 i;

	dgramlen = quic_conn_dgram_max(client.qc);
	if (dgramlen < 5 || dgramlen > sizeof(dgram))
		fatalx("datagram max %zu", dgramlen);
	memset(dgram, 0, sizeof(dgram));
	start = clock_ns();
	until = start + ROUND_NSEC;
	do {
		for (;;) {
			dgram[0] = (uint8_t)(sent >> 24);
			dgram[1] = (uint8_t)(sent >> 16);
			dgram[2] = (uint8_t)(sent >> 8);
			dgram[3] = (uint8_t)sent;
			dgram[4] = dgram[dgramlen - 1] = (uint8_t)sent;
			if (quic_conn_send_datagram(client.qc, dgram,
			    dgramlen) != QUIC_DGRAM_QUEUED)
				break;
			sent++;
		}
		step(scfg);
	} while (clock_ns() < until);
	/* Drain what is still queued, bounded. */
	for (i = 0; i < 10000 && quic_conn_dgram_queued(client.qc) > 0; i++)
		step(scfg);
	end = clock_ns();
	for (i = 0; i < 100; i++)
		step(scfg);

	secs = (double)(end - start) / QUIC_NSEC;
	cs = quic_conn_stats(client.qc);
	fprintf(stderr, "wincipher: %s: %.2f s, %zu B datagrams: %llu "
	    "queued, %llu received, %llu lost, %llu damaged, %llu packets, "
	    "%.2f us per datagram\n", label, secs, dgramlen,
	    (unsigned long long)sent, (unsigned long long)server.ndgram,
	    (unsigned long long)cs->dgram_lost,
	    (unsigned long long)server.bad,
	    (unsigned long long)cs->pkt_sent,
	    server.ndgram ? secs * 1e6 / (double)server.ndgram : 0.0);
	if (server.ndgram == 0 || server.bad != 0 || server.ndgram != sent) {
		log_warnx("%s: datagrams damaged or lost", label);
		return (-1);
	}
	return ((double)server.nbytes * 8 / secs / 1e6);
}

int
main(void)
{
	struct quic_tls		*ctls, *stls;
	struct quic_config	 ccfg, scfg;
	struct quic_cb		 cb;
	struct suite		*s;
	uint8_t			*cert, *key, secret[32];
	size_t			 certlen, keylen, i;
	const char		*cipher, *forgery;
	double			 best = 0, got = 0, mbits;
	char			 label[64];
	int			 ret = 0;

	log_init(1, 0);
	log_procinit("wincipher");
	quic_init();
	if (quic_certgen(NAME, 30, &cert, &certlen, &key, &keylen) == -1)
		fatalx("quic_certgen failed");
	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0x5a ^ i);

	for (i = 0; i < ROUNDS * nitems(suites); i++) {
		s = &suites[i % nitems(suites)];
		forced = s->name;
		if ((stls = quic_tls_server_new(cert, certlen, key,
		    keylen)) == NULL ||
		    (ctls = quic_tls_client_new(cert, certlen)) == NULL)
			fatalx("quic_tls_*_new failed");
		forced = NULL;
		if (pair_open(ctls, stls, &ccfg, &scfg, &cb, secret,
		    sizeof(secret)) == -1)
			ret = 1;
		else if (strcmp(cipher = quic_conn_cipher(client.qc),
		    s->name) != 0) {
			log_warnx("%s forced, %s negotiated", s->name,
			    cipher);
			ret = 1;
		} else if ((mbits = blast(&scfg, s->label)) < 0)
			ret = 1;
		else if (mbits > s->mbits)
			s->mbits = mbits;
		pair_close();
		quic_tls_free(ctls);
		quic_tls_free(stls);
		if (s->mbits > best)
			best = s->mbits;
	}
	for (i = 0; i < nitems(suites); i++) {
		s = &suites[i];
		snprintf(label, sizeof(label), "cipher %s (%s)", s->label,
		    PLATFORM);
		switch (refuses_forgery(s->aead())) {
		case 1:
			forgery = "forgery refused";
			break;
		case 0:
			forgery = "FORGERY TAKEN: tag not checked";
			break;
		default:
			forgery = "forgery not tried";
			ret = 1;
			break;
		}
		printf("%-36s %6.0f Mbit/s  %4.2f of best  %s, %s\n", label,
		    s->mbits, best > 0 ? s->mbits / best : 0.0, s->name,
		    forgery);
	}

	/* quic_tls.c's own lists: this client's order, the relay's server. */
	if ((stls = quic_tls_server_new(cert, certlen, key, keylen)) == NULL ||
	    (ctls = quic_tls_client_new(cert, certlen)) == NULL)
		fatalx("quic_tls_*_new failed");
	snprintf(label, sizeof(label), "cipher order (%s)", PLATFORM);
	if (pair_open(ctls, stls, &ccfg, &scfg, &cb, secret,
	    sizeof(secret)) == -1) {
		printf("%-36s handshake failed\n", label);
		ret = 1;
	} else {
		cipher = quic_conn_cipher(client.qc);
		for (i = 0; i < nitems(suites); i++)
			if (strcmp(cipher, suites[i].name) == 0)
				got = suites[i].mbits;
		printf("%-36s gets %s  %4.2f of best\n", label, cipher,
		    best > 0 ? got / best : 0.0);
	}
	pair_close();
	quic_tls_free(ctls);
	quic_tls_free(stls);
	free(cert);
	freezero(key, keylen);
	return (ret);
}
