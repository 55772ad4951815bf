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
 * The TLS half of the QUIC glue: wolfSSL contexts for clients and
 * servers, per-connection WOLFSSL objects, and a self-signed certificate
 * generator for development relays and tests.
 */

#include <limits.h>
#include <stdint.h>	/* before wolfssl/quic.h, which needs it */
#include <stdlib.h>
#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/quic.h>
#include <wolfssl/wolfcrypt/asn_public.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_wolfssl.h>

#include "log.h"
#include "quic.h"

/*
 * The TLS 1.3 suites, most preferred first.  CCM is left out on purpose:
 * it breaks the handshake in wolfSSL 5.5.4.
 *
 * The order is the client's: the relay follows it
 * (wolfSSL_CTX_UseClientSuites; a wolfSSL server otherwise follows its
 * own), so each client gets the suite that is fast on its machine.
 * Chosen by measurement (regress/bench/wincipher.c in "make bench": QUIC
 * datagrams sealed and opened on one core, Mbit/s of payload, on the
 * 2-core build machine).  Linux, wolfSSL with AES-NI: AES128-GCM 5393,
 * AES256-GCM 5043, ChaCha20-Poly1305 2815, so AES128-GCM first.  Windows,
 * under Wine (the MinGW wolfSSL has no assembly, so no AES-NI):
 * ChaCha20-Poly1305 1092, AES128-GCM 478, AES256-GCM 433, so ChaCha20
 * first: AES-GCM would not carry 500 Mbit/s each way.
 *
 * ChaCha20-Poly1305 needs the wolfSSL that common/mk/deps.sh and
 * deps-win.sh build: Debian's 5.5.4 computes its tag on decryption and
 * never compares it (EVP, the path of ngtcp2's wolfSSL backend), so a
 * connection with that suite took forged packets;
 * common/mk/wolfssl-chacha-tag.patch fixes it, and
 * regress/unit/test_cipher.c fails on a library without the fix.
 */
#ifdef _WIN32
#define QUIC_TLS_CIPHERS	"TLS13-CHACHA20-POLY1305-SHA256:" \
				"TLS13-AES128-GCM-SHA256:" \
				"TLS13-AES256-GCM-SHA384"
#else
#define QUIC_TLS_CIPHERS	"TLS13-AES128-GCM-SHA256:" \
				"TLS13-AES256-GCM-SHA384:" \
				"TLS13-CHACHA20-POLY1305-SHA256"
#endif
#define QUIC_TLS_TPVERSION	0x39	/* RFC 9000 transport params */
#define CERTGEN_DERMAX		4096
#define CERTGEN_KEYMAX		512

struct quic_tls {
	WOLFSSL_CTX	*ctx;
	int		 server;
};

static int	tls_format(const uint8_t *, size_t);
static struct quic_tls *tls_new(int);

/* PEM if it holds a PEM armour line, DER otherwise. */
static int
tls_format(const uint8_t *buf, size_t len)
{
	static const char	 armour[] = "-----BEGIN ";

	if (memmem(buf, len, armour, sizeof(armour) - 1) != NULL)
		return (WOLFSSL_FILETYPE_PEM);
	return (WOLFSSL_FILETYPE_ASN1);
}

static struct quic_tls *
tls_new(int server)
{
	struct quic_tls	*tls;
	int		 rv;

	if ((tls = calloc(1, sizeof(*tls))) == NULL) {
		log_warn("quic: tls context");
		return (NULL);
	}
	tls->server = server;
	tls->ctx = wolfSSL_CTX_new(server ? wolfTLSv1_3_server_method() :
	    wolfTLSv1_3_client_method());
	if (tls->ctx == NULL) {
		log_warnx("quic: wolfSSL_CTX_new failed");
		free(tls);
		return (NULL);
	}
	if (server)
		rv = ngtcp2_crypto_wolfssl_configure_server_context(tls->ctx);
	else
		rv = ngtcp2_crypto_wolfssl_configure_client_context(tls->ctx);
	if (rv != 0) {
		log_warnx("quic: cannot configure the wolfSSL QUIC context");
		goto fail;
	}
	if (wolfSSL_CTX_set_cipher_list(tls->ctx, QUIC_TLS_CIPHERS) !=
	    WOLFSSL_SUCCESS) {
		log_warnx("quic: cannot set the cipher suites");
		goto fail;
	}
	/* The client's order decides (see QUIC_TLS_CIPHERS); 0 is success. */
	if (server && wolfSSL_CTX_UseClientSuites(tls->ctx) != 0) {
		log_warnx("quic: cannot follow the client's cipher order");
		goto fail;
	}
	return (tls);
 fail:
	wolfSSL_CTX_free(tls->ctx);
	free(tls);
	return (NULL);
}

/*
 * A client context.  ca holds the trust anchors (DER or PEM, PEM may be
 * a bundle); a pinned self-signed relay certificate works as its own CA.
 * The peer chain and the server name are always verified.
 */
struct quic_tls *
quic_tls_client_new(const uint8_t *ca, size_t calen)
{
	struct quic_tls	*tls;

	if (ca == NULL || calen == 0 || calen > LONG_MAX) {
		log_warnx("quic: client needs a CA or pinned certificate");
		return (NULL);
	}
	if ((tls = tls_new(0)) == NULL)
		return (NULL);
	if (wolfSSL_CTX_load_verify_buffer(tls->ctx, ca, (long)calen,
	    tls_format(ca, calen)) != WOLFSSL_SUCCESS) {
		log_warnx("quic: cannot load the CA certificate");
		quic_tls_free(tls);
		return (NULL);
	}
	wolfSSL_CTX_set_verify(tls->ctx, WOLFSSL_VERIFY_PEER, NULL);
	return (tls);
}

/* A server context with its certificate (chain) and key, as bytes. */
struct quic_tls *
quic_tls_server_new(const uint8_t *cert, size_t certlen, const uint8_t *key,
    size_t keylen)
{
	struct quic_tls	*tls;
	int		 fmt, rv;

	if (cert == NULL || certlen == 0 || certlen > LONG_MAX ||
	    key == NULL || keylen == 0 || keylen > LONG_MAX) {
		log_warnx("quic: server needs a certificate and a key");
		return (NULL);
	}
	if ((tls = tls_new(1)) == NULL)
		return (NULL);
	fmt = tls_format(cert, certlen);
	if (fmt == WOLFSSL_FILETYPE_PEM)
		rv = wolfSSL_CTX_use_certificate_chain_buffer(tls->ctx, cert,
		    (long)certlen);
	else
		rv = wolfSSL_CTX_use_certificate_buffer(tls->ctx, cert,
		    (long)certlen, fmt);
	if (rv != WOLFSSL_SUCCESS) {
		log_warnx("quic: cannot load the server certificate");
		goto fail;
	}
	if (wolfSSL_CTX_use_PrivateKey_buffer(tls->ctx, key, (long)keylen,
	    tls_format(key, keylen)) != WOLFSSL_SUCCESS) {
		log_warnx("quic: cannot load the server key");
		goto fail;
	}
	if (wolfSSL_CTX_check_private_key(tls->ctx) != WOLFSSL_SUCCESS) {
		log_warnx("quic: the server key does not match the "
		    "certificate");
		goto fail;
	}
	return (tls);
 fail:
	quic_tls_free(tls);
	return (NULL);
}

void
quic_tls_free(struct quic_tls *tls)
{
	if (tls == NULL)
		return;
	wolfSSL_CTX_free(tls->ctx);
	free(tls);
}

int
quic_tls_is_server(const struct quic_tls *tls)
{
	return (tls->server);
}

/*
 * A WOLFSSL for one connection.  ref is the ngtcp2_crypto_conn_ref the
 * ngtcp2 wolfSSL backend finds through the app data.  Returns a WOLFSSL *.
 */
void *
quic_tls_ssl_new(struct quic_tls *tls, const char *server_name, void *ref)
{
	static char			 alpn[] = QUIC_ALPN;
	WOLFSSL				*ssl;
	size_t				 len;

	if ((ssl = wolfSSL_new(tls->ctx)) == NULL) {
		log_warnx("quic: wolfSSL_new failed");
		return (NULL);
	}
	wolfSSL_set_app_data(ssl, ref);
	wolfSSL_set_quic_transport_version(ssl, QUIC_TLS_TPVERSION);
	/*
	 * Both sides offer softlan/1 only and fail on a mismatch (this
	 * wolfSSL build has no ALPN select callback: the server matches the
	 * client's list against its own).
	 */
	if (wolfSSL_UseALPN(ssl, alpn, sizeof(alpn) - 1,
	    WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS) {
		log_warnx("quic: cannot set the ALPN");
		goto fail;
	}
	if (tls->server) {
		wolfSSL_set_accept_state(ssl);
		return (ssl);
	}
	wolfSSL_set_connect_state(ssl);
	if (server_name == NULL || (len = strlen(server_name)) == 0 ||
	    len > 255) {
		log_warnx("quic: client needs a server name");
		goto fail;
	}
	if (wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, server_name,
	    (unsigned short)len) != WOLFSSL_SUCCESS ||
	    wolfSSL_check_domain_name(ssl, server_name) != WOLFSSL_SUCCESS) {
		log_warnx("quic: cannot set the server name %s", server_name);
		goto fail;
	}
	return (ssl);
 fail:
	wolfSSL_free(ssl);
	return (NULL);
}

/*
 * A self-signed certificate (ECDSA P-256, SHA-256, CA so that a client
 * can pin it as its trust anchor) for the name cn, valid for days days.
 * Both come back as malloc'd DER; free the key with freezero().
 *
 * The key and the RNG are allocated by wolfSSL itself: their layout
 * depends on build macros (SP_WORD_SIZE through HAVE___UINT128_T) that
 * wolfssl/options.h does not carry, so sizeof() here may be wrong.
 */
int
quic_certgen(const char *cn, unsigned int days, uint8_t **certp,
    size_t *certlenp, uint8_t **keyp, size_t *keylenp)
{
	WC_RNG		*rng;
	ecc_key		*key = NULL;
	Cert		*cert = NULL;
	uint8_t		*der = NULL, *kder = NULL;
	int		 rv, ret = -1;

	*certp = *keyp = NULL;
	*certlenp = *keylenp = 0;
	if (cn == NULL || *cn == '\0' || days == 0 || days > 36500) {
		log_warnx("quic: certgen: bad name or validity");
		return (-1);
	}
	if ((rng = wc_rng_new(NULL, 0, NULL)) == NULL) {
		log_warnx("quic: certgen: no random number generator");
		return (-1);
	}
	if ((key = wc_ecc_key_new(NULL)) == NULL) {
		log_warnx("quic: certgen: wc_ecc_key_new failed");
		goto out;
	}
	if ((rv = wc_ecc_make_key_ex(rng, 32, key, ECC_SECP256R1)) != 0) {
		log_warnx("quic: certgen: key generation failed (%d)", rv);
		goto out;
	}
	(void)wc_ecc_set_rng(key, rng);
	if ((cert = calloc(1, sizeof(*cert))) == NULL ||
	    (der = malloc(CERTGEN_DERMAX)) == NULL ||
	    (kder = malloc(CERTGEN_KEYMAX)) == NULL) {
		log_warn("quic: certgen");
		goto out;
	}
	if (wc_InitCert(cert) != 0) {
		log_warnx("quic: certgen: wc_InitCert failed");
		goto out;
	}
	if (strlcpy(cert->subject.commonName, cn,
	    sizeof(cert->subject.commonName)) >=
	    sizeof(cert->subject.commonName)) {
		log_warnx("quic: certgen: name too long");
		goto out;
	}
	(void)strlcpy(cert->subject.org, "softlan",
	    sizeof(cert->subject.org));
	cert->daysValid = (int)days;
	cert->isCA = 1;
	cert->sigType = CTC_SHA256wECDSA;
	if ((rv = wc_MakeCert(cert, der, CERTGEN_DERMAX, NULL, key,
	    rng)) < 0) {
		log_warnx("quic: certgen: wc_MakeCert failed (%d)", rv);
		goto out;
	}
	if ((rv = wc_SignCert(cert->bodySz, cert->sigType, der,
	    CERTGEN_DERMAX, NULL, key, rng)) < 0) {
		log_warnx("quic: certgen: wc_SignCert failed (%d)", rv);
		goto out;
	}
	*certlenp = (size_t)rv;
	if ((rv = wc_EccKeyToDer(key, kder, CERTGEN_KEYMAX)) < 0) {
		log_warnx("quic: certgen: wc_EccKeyToDer failed (%d)", rv);
		goto out;
	}
	*keylenp = (size_t)rv;
	*certp = der;
	*keyp = kder;
	der = kder = NULL;
	ret = 0;
 out:
	free(der);
	if (kder != NULL)
		freezero(kder, CERTGEN_KEYMAX);
	free(cert);
	if (ret == -1)
		*certlenp = *keylenp = 0;
	if (key != NULL)
		wc_ecc_key_free(key);
	wc_rng_free(rng);
	return (ret);
}
