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
 * The cipher suite a client gets from the relay (common/quic_tls.c), on
 * Linux and, in the Windows unit run, on Windows: the relay is a Linux
 * server that follows the client's order, AES128-GCM first on Linux and
 * ChaCha20-Poly1305 first on Windows (no AES-NI there).
 *
 * First what wolfSSL 5.5.4 does by itself, by real TLS 1.3 handshakes
 * over its QUIC API in memory: a server follows its own order unless told
 * to follow the client's (wolfSSL_CTX_UseClientSuites).  Then that every
 * QUIC AEAD refuses a forged packet: Debian's wolfSSL took one with
 * ChaCha20-Poly1305 (common/mk/wolfssl-chacha-tag.patch fixes it).  Last,
 * the project's own pair of connections (quic.c over ngtcp2, quic_tls.c's
 * contexts) and the suite this platform's client negotiates with the
 * relay's context.
 */

#include <sys/types.h>
#include <sys/socket.h>

#include <netinet/in.h>
#include <arpa/inet.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/quic.h>
#include <wolfssl/openssl/evp.h>

#include <criterion/criterion.h>

#include "compat.h"
#include "quic.h"

#define NAME		"relay.test"
#define T0		(1000 * QUIC_NSEC)
#define MSEC		1000000ULL
#define AES128		"TLS13-AES128-GCM-SHA256"
#define AES256		"TLS13-AES256-GCM-SHA384"
#define CHACHA		"TLS13-CHACHA20-POLY1305-SHA256"
/* quic_tls.c's QUIC_TLS_CIPHERS on Linux, and on Windows. */
#define RELAY_ORDER	AES128 ":" AES256 ":" CHACHA
#define CHACHA_FIRST	CHACHA ":" AES128 ":" AES256
#define LEVELS		4	/* wolfssl_encryption_initial..application */
#define FLIGHTMAX	8192

/* What one side's wolfSSL gave to QUIC, per encryption level. */
struct flight {
	uint8_t		 data[LEVELS][FLIGHTMAX];
	size_t		 len[LEVELS];
	int		 alert;		/* -1: none */
};

struct side {
	WOLFSSL_CTX	*ctx;
	WOLFSSL		*ssl;
	struct flight	 out;
};

static int
q_secrets(WOLFSSL *ssl, WOLFSSL_ENCRYPTION_LEVEL level, const uint8_t *rd,
    const uint8_t *wr, size_t len)
{
	(void)ssl;
	(void)level;
	(void)rd;
	(void)wr;
	(void)len;
	return (1);
}

/* No cr_assert here: this runs inside wolfSSL. */
static int
q_add(WOLFSSL *ssl, WOLFSSL_ENCRYPTION_LEVEL level, const uint8_t *data,
    size_t len)
{
	struct flight	*f = wolfSSL_get_app_data(ssl);

	if ((int)level < 0 || (int)level >= LEVELS ||
	    len > FLIGHTMAX - f->len[level])
		return (0);
	memcpy(f->data[level] + f->len[level], data, len);
	f->len[level] += len;
	return (1);
}

static int
q_flush(WOLFSSL *ssl)
{
	(void)ssl;
	return (1);
}

static int
q_alert(WOLFSSL *ssl, WOLFSSL_ENCRYPTION_LEVEL level, uint8_t alert)
{
	struct flight	*f = wolfSSL_get_app_data(ssl);

	(void)level;
	f->alert = alert;
	return (1);
}

static const WOLFSSL_QUIC_METHOD qmethod = {
	q_secrets, q_add, q_flush, q_alert
};

/*
 * One side: a TLS 1.3 context with the QUIC method, the suite list and,
 * for a server, the certificate and key (DER) and, if clientorder, the
 * client's order of preference.
 */
static void
side_init(struct side *sd, int server, const char *ciphers, int clientorder,
    const uint8_t *cert, size_t certlen, const uint8_t *key, size_t keylen)
{
	static const uint8_t	 tp[] = { 0x01, 0x02, 0x75, 0x30 };

	memset(sd, 0, sizeof(*sd));
	sd->out.alert = -1;
	sd->ctx = wolfSSL_CTX_new(server ? wolfTLSv1_3_server_method() :
	    wolfTLSv1_3_client_method());
	cr_assert_not_null(sd->ctx);
	cr_assert_eq(wolfSSL_CTX_set_quic_method(sd->ctx, &qmethod),
	    WOLFSSL_SUCCESS);
	cr_assert_eq(wolfSSL_CTX_set_cipher_list(sd->ctx, ciphers),
	    WOLFSSL_SUCCESS);
	if (server) {
		cr_assert_eq(wolfSSL_CTX_use_certificate_buffer(sd->ctx, cert,
		    (long)certlen, WOLFSSL_FILETYPE_ASN1), WOLFSSL_SUCCESS);
		cr_assert_eq(wolfSSL_CTX_use_PrivateKey_buffer(sd->ctx, key,
		    (long)keylen, WOLFSSL_FILETYPE_ASN1), WOLFSSL_SUCCESS);
		if (clientorder)
			cr_assert_eq(wolfSSL_CTX_UseClientSuites(sd->ctx), 0);
	} else {
		cr_assert_eq(wolfSSL_CTX_load_verify_buffer(sd->ctx, cert,
		    (long)certlen, WOLFSSL_FILETYPE_ASN1), WOLFSSL_SUCCESS);
		wolfSSL_CTX_set_verify(sd->ctx, WOLFSSL_VERIFY_PEER, NULL);
	}
	sd->ssl = wolfSSL_new(sd->ctx);
	cr_assert_not_null(sd->ssl);
	wolfSSL_set_app_data(sd->ssl, &sd->out);
	cr_assert_eq(wolfSSL_set_quic_transport_params(sd->ssl, tp,
	    sizeof(tp)), WOLFSSL_SUCCESS);
	if (server)
		wolfSSL_set_accept_state(sd->ssl);
	else
		wolfSSL_set_connect_state(sd->ssl);
}

static void
side_free(struct side *sd)
{
	wolfSSL_free(sd->ssl);
	wolfSSL_CTX_free(sd->ctx);
}

/* Hand what from has written to to, level by level. */
static void
deliver(struct side *from, struct side *to)
{
	int	 l;

	for (l = 0; l < LEVELS; l++) {
		if (from->out.len[l] == 0)
			continue;
		cr_assert_eq(wolfSSL_provide_quic_data(to->ssl,
		    (WOLFSSL_ENCRYPTION_LEVEL)l, from->out.data[l],
		    from->out.len[l]), WOLFSSL_SUCCESS);
		from->out.len[l] = 0;
	}
}

/*
 * A TLS 1.3 handshake between a client offering cciphers and a server
 * with sciphers (and the client's order if clientorder); the suite the
 * client got, as wolfSSL names it, into buf.
 */
static void
tls_handshake(const char *cciphers, const char *sciphers, int clientorder,
    char *buf, size_t len)
{
	struct side	 c, s;
	uint8_t		*cert, *key;
	size_t		 certlen, keylen;
	const char	*cc, *sc;
	int		 i;

	cr_assert_eq(quic_certgen(NAME, 30, &cert, &certlen, &key, &keylen),
	    0);
	side_init(&c, 0, cciphers, 0, cert, certlen, NULL, 0);
	side_init(&s, 1, sciphers, clientorder, cert, certlen, key, keylen);
	for (i = 0; i < 10 && !(wolfSSL_is_init_finished(c.ssl) &&
	    wolfSSL_is_init_finished(s.ssl)); i++) {
		(void)wolfSSL_quic_do_handshake(c.ssl);
		deliver(&c, &s);
		(void)wolfSSL_quic_do_handshake(s.ssl);
		deliver(&s, &c);
	}
	cr_assert_eq(c.out.alert, -1, "client sent alert %d", c.out.alert);
	cr_assert_eq(s.out.alert, -1, "server sent alert %d", s.out.alert);
	cr_assert(wolfSSL_is_init_finished(c.ssl), "client: no handshake");
	cr_assert(wolfSSL_is_init_finished(s.ssl), "server: no handshake");
	cc = wolfSSL_get_cipher_name(c.ssl);
	sc = wolfSSL_get_cipher_name(s.ssl);
	cr_assert_not_null(cc);
	cr_assert_not_null(sc);
	cr_assert_str_eq(cc, sc);
	cr_assert_lt(strlcpy(buf, cc, len), len);
	side_free(&c);
	side_free(&s);
	free(cert);
	freezero(key, keylen);
}

TestSuite(cipher, .init = quic_init);

/* wolfSSL 5.5.4's default: the server's order wins in TLS 1.3. */
Test(cipher, wolfssl_server_order_by_default)
{
	char	 got[64];

	tls_handshake(CHACHA_FIRST, RELAY_ORDER, 0, got, sizeof(got));
	cr_assert_str_eq(got, AES128);
	tls_handshake(RELAY_ORDER, CHACHA_FIRST, 0, got, sizeof(got));
	cr_assert_str_eq(got, CHACHA);
}

/*
 * With wolfSSL_CTX_UseClientSuites, the client's: each client would get
 * its own first choice, a Linux one still AES128-GCM.
 */
Test(cipher, wolfssl_client_order_when_asked)
{
	char	 got[64];

	tls_handshake(CHACHA_FIRST, RELAY_ORDER, 1, got, sizeof(got));
	cr_assert_str_eq(got, CHACHA);
	tls_handshake(RELAY_ORDER, CHACHA_FIRST, 1, got, sizeof(got));
	cr_assert_str_eq(got, AES128);
	/* A suite the server does not list is never chosen. */
	tls_handshake(CHACHA ":" AES256, AES128 ":" AES256, 1, got,
	    sizeof(got));
	cr_assert_str_eq(got, AES256);
}

/*
 * Seal a packet the way ngtcp2's wolfSSL backend does, flip one bit of
 * its ciphertext, open it: 1 if the AEAD refused the forgery.
 */
static int
aead_refuses_forgery(const WOLFSSL_EVP_CIPHER *aead)
{
	WOLFSSL_EVP_CIPHER_CTX	*enc, *dec;
	uint8_t			 key[32], iv[12], aad[24], plain[200];
	uint8_t			 sealed[sizeof(plain) + 16], out[sizeof(sealed)];
	size_t			 i;
	int			 rv;

	for (i = 0; i < sizeof(key); i++)
		key[i] = (uint8_t)(0x10 + i);
	for (i = 0; i < sizeof(iv); i++)
		iv[i] = (uint8_t)(0x80 ^ i);
	for (i = 0; i < sizeof(aad); i++)
		aad[i] = (uint8_t)(0x40 + i);
	for (i = 0; i < sizeof(plain); i++)
		plain[i] = (uint8_t)(i * 7);
	cr_assert_not_null(aead);
	enc = wolfSSL_quic_crypt_new(aead, key, iv, 1);
	dec = wolfSSL_quic_crypt_new(aead, key, iv, 0);
	cr_assert_not_null(enc);
	cr_assert_not_null(dec);
	cr_assert_eq(wolfSSL_quic_get_aead_tag_len(aead), 16);
	cr_assert_eq(wolfSSL_quic_aead_encrypt(sealed, enc, plain,
	    sizeof(plain), iv, aad, sizeof(aad)), WOLFSSL_SUCCESS);
	cr_assert_eq(wolfSSL_quic_aead_decrypt(out, dec, sealed,
	    sizeof(sealed), iv, aad, sizeof(aad)), WOLFSSL_SUCCESS);
	cr_assert_arr_eq(out, plain, sizeof(plain));
	sealed[10] ^= 0x01;
	rv = wolfSSL_quic_aead_decrypt(out, dec, sealed, sizeof(sealed), iv,
	    aad, sizeof(aad));
	wolfSSL_EVP_CIPHER_CTX_free(enc);
	wolfSSL_EVP_CIPHER_CTX_free(dec);
	return (rv != WOLFSSL_SUCCESS);
}

/*
 * Every suite refuses a forged packet.  Debian's wolfSSL 5.5.4 computed
 * ChaCha20-Poly1305's tag on decryption and never compared it (EVP, as
 * ngtcp2 uses it): this fails with a library built without
 * common/mk/wolfssl-chacha-tag.patch.
 */
Test(cipher, aead_refuses_forged_packet)
{
	cr_assert(aead_refuses_forgery(wolfSSL_EVP_aes_128_gcm()),
	    "AES128-GCM took a forged packet");
	cr_assert(aead_refuses_forgery(wolfSSL_EVP_aes_256_gcm()),
	    "AES256-GCM took a forged packet");
	cr_assert(aead_refuses_forgery(wolfSSL_EVP_chacha20_poly1305()),
	    "ChaCha20-Poly1305 took a forged packet: wolfSSL without "
	    "common/mk/wolfssl-chacha-tag.patch");
}

/* The project's connections, in memory with a fake clock. */
struct end {
	struct quic_conn	*qc;
	struct quic_path	 path;
};

static void
setaddr(struct sockaddr_storage *ss, socklen_t *len, const char *ip,
    uint16_t port)
{
	struct sockaddr_in	*sin = (struct sockaddr_in *)ss;

	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_port = htons(port);
	cr_assert_eq(inet_pton(AF_INET, ip, &sin->sin_addr), 1);
	*len = sizeof(*sin);
}

static size_t
flush(const struct quic_config *scfg, struct end *from, struct end *to,
    uint64_t now)
{
	uint8_t			 buf[QUIC_MAX_PKTLEN];
	struct quic_path	 path;
	ssize_t			 n;
	size_t			 moved = 0;

	while ((n = quic_conn_write(from->qc, &path, buf, sizeof(buf),
	    now)) > 0) {
		cr_assert_lt(++moved, 1000, "write loop does not end");
		if (to->qc == NULL) {
			to->qc = quic_conn_accept(scfg, &to->path, buf,
			    (size_t)n, now);
			cr_assert_not_null(to->qc);
		} else
			(void)quic_conn_read(to->qc, &to->path, buf,
			    (size_t)n, now);
	}
	cr_assert_eq(n, 0);
	return (moved);
}

/*
 * quic_tls_server_new() is the relay's context on every platform,
 * quic_tls_client_new() this platform's client: in the Windows run, the
 * Windows client against a relay with the Linux settings: AES128-GCM on
 * Linux, ChaCha20-Poly1305 on Windows.
 */
Test(cipher, platform_client_against_relay)
{
	struct quic_tls		*ctls, *stls;
	struct quic_config	 ccfg, scfg;
	struct end		 c, s;
	uint8_t			*cert, *key, secret[32];
	size_t			 certlen, keylen, i;
	uint64_t		 now = T0;
	const char		*cc;

	cr_assert_eq(quic_certgen(NAME, 30, &cert, &certlen, &key, &keylen),
	    0);
	stls = quic_tls_server_new(cert, certlen, key, keylen);
	ctls = quic_tls_client_new(cert, certlen);
	cr_assert_not_null(stls);
	cr_assert_not_null(ctls);
	for (i = 0; i < sizeof(secret); i++)
		secret[i] = (uint8_t)(0xc0 + i);
	quic_config_default(&ccfg);
	ccfg.tls = ctls;
	ccfg.server_name = NAME;
	quic_config_default(&scfg);
	scfg.tls = stls;
	scfg.reset_secret = secret;
	scfg.reset_secretlen = sizeof(secret);
	memset(&c, 0, sizeof(c));
	memset(&s, 0, sizeof(s));
	setaddr(&c.path.local, &c.path.locallen, "198.18.0.1", 40000);
	setaddr(&c.path.remote, &c.path.remotelen, "198.18.0.2", 443);
	setaddr(&s.path.local, &s.path.locallen, "198.18.0.2", 443);
	setaddr(&s.path.remote, &s.path.remotelen, "198.18.0.1", 40000);

	c.qc = quic_conn_client_new(&ccfg, &c.path, now);
	cr_assert_not_null(c.qc);
	for (i = 0; i < 100 && (quic_conn_state(c.qc) != QUIC_ST_OPEN ||
	    s.qc == NULL || quic_conn_state(s.qc) != QUIC_ST_OPEN); i++) {
		(void)flush(&scfg, &c, &s, now);
		if (s.qc != NULL)
			(void)flush(&scfg, &s, &c, now);
		now += MSEC;
	}
	cr_assert_eq(quic_conn_state(c.qc), QUIC_ST_OPEN, "client: %s",
	    quic_conn_error(c.qc));
	cr_assert_not_null(s.qc);
	cr_assert_eq(quic_conn_state(s.qc), QUIC_ST_OPEN, "server: %s",
	    quic_conn_error(s.qc));
	cc = quic_conn_cipher(c.qc);
	cr_assert_str_eq(cc, quic_conn_cipher(s.qc));
#ifdef _WIN32
	cr_assert_str_eq(cc, CHACHA, "the client got %s", cc);
#else
	cr_assert_str_eq(cc, AES128, "the client got %s", cc);
#endif

	quic_conn_free(c.qc);
	quic_conn_free(s.qc);
	quic_tls_free(ctls);
	quic_tls_free(stls);
	free(cert);
	freezero(key, keylen);
}
