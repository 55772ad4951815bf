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
 * quicprobe: proves the MinGW dependency prefix (.deps/win/prefix) links
 * and works under Wine.  It creates a wolfSSL QUIC client context and an
 * ngtcp2 client connection, writes the first Initial packet (ClientHello
 * through wolfSSL's QUIC API, AES-GCM packet protection, header
 * protection), makes a P-256 key in a stack ecc_key and exports it (the
 * HAVE___UINT128_T options.h fix: a mismatched ecc_key overflows), and
 * prints the versions with cJSON.  Exit 0 when all of that worked.
 */

#include <winsock2.h>
#include <ws2tcpip.h>

#include <stdint.h>
#include <stdio.h>
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
#include <cjson/cJSON.h>

struct probe {
	ngtcp2_crypto_conn_ref	 ref;
	ngtcp2_conn		*conn;
};

static void	fail(const char *);
static ngtcp2_conn *get_conn(ngtcp2_crypto_conn_ref *);
static void	cb_rand(uint8_t *, size_t, const ngtcp2_rand_ctx *);
static int	cb_new_cid(ngtcp2_conn *, ngtcp2_cid *, uint8_t *, size_t,
		    void *);
static int	ecc_der(void);

static void
fail(const char *what)
{
	fprintf(stderr, "quicprobe: %s\n", what);
	exit(1);
}

static ngtcp2_conn *
get_conn(ngtcp2_crypto_conn_ref *ref)
{
	struct probe	*p = ref->user_data;

	return (p->conn);
}

static void
cb_rand(uint8_t *dest, size_t len, const ngtcp2_rand_ctx *ctx)
{
	(void)ctx;
	if (wolfSSL_RAND_bytes(dest, (int)len) != 1)
		fail("wolfSSL_RAND_bytes failed");
}

static int
cb_new_cid(ngtcp2_conn *conn, ngtcp2_cid *cid, uint8_t *token, size_t len,
    void *arg)
{
	(void)conn;
	(void)arg;
	cb_rand(cid->data, len, NULL);
	cid->datalen = len;
	cb_rand(token, NGTCP2_STATELESS_RESET_TOKENLEN, NULL);
	return (0);
}

static const ngtcp2_callbacks callbacks = {
	.client_initial = ngtcp2_crypto_client_initial_cb,
	.recv_crypto_data = ngtcp2_crypto_recv_crypto_data_cb,
	.encrypt = ngtcp2_crypto_encrypt_cb,
	.decrypt = ngtcp2_crypto_decrypt_cb,
	.hp_mask = ngtcp2_crypto_hp_mask_cb,
	.recv_retry = ngtcp2_crypto_recv_retry_cb,
	.rand = cb_rand,
	.get_new_connection_id = cb_new_cid,
	.update_key = ngtcp2_crypto_update_key_cb,
	.delete_crypto_aead_ctx = ngtcp2_crypto_delete_crypto_aead_ctx_cb,
	.delete_crypto_cipher_ctx = ngtcp2_crypto_delete_crypto_cipher_ctx_cb,
	.get_path_challenge_data = ngtcp2_crypto_get_path_challenge_data_cb,
	.version_negotiation = ngtcp2_crypto_version_negotiation_cb,
};

/* A P-256 key in a stack ecc_key, exported as DER: its length. */
static int
ecc_der(void)
{
	ecc_key		 key;
	WC_RNG		 rng;
	unsigned char	 der[256];
	int		 n;

	if (wc_InitRng(&rng) != 0)
		fail("wc_InitRng failed");
	if (wc_ecc_init(&key) != 0)
		fail("wc_ecc_init failed");
	if (wc_ecc_make_key_ex(&rng, 32, &key, ECC_SECP256R1) != 0)
		fail("wc_ecc_make_key_ex failed");
	if ((n = wc_EccKeyToDer(&key, der, sizeof(der))) <= 0)
		fail("wc_EccKeyToDer failed");
	wc_ecc_free(&key);
	wc_FreeRng(&rng);
	return (n);
}

int
main(void)
{
	static unsigned char	 alpn[] = "\x09softlan/1";
	struct probe		 p;
	struct sockaddr_in	 local, remote;
	ngtcp2_path		 path;
	ngtcp2_settings		 s;
	ngtcp2_transport_params	 tp;
	ngtcp2_cid		 dcid, scid;
	ngtcp2_pkt_info		 pi;
	ngtcp2_ssize		 n;
	WOLFSSL_CTX		*ctx;
	WOLFSSL			*ssl;
	cJSON			*o;
	uint8_t			 buf[1500];
	char			*js;
	int			 der;

	if (wolfSSL_Init() != WOLFSSL_SUCCESS)
		fail("wolfSSL_Init failed");
	if ((ctx = wolfSSL_CTX_new(wolfTLSv1_3_client_method())) == NULL)
		fail("wolfSSL_CTX_new failed");
	if (ngtcp2_crypto_wolfssl_configure_client_context(ctx) != 0)
		fail("ngtcp2_crypto_wolfssl_configure_client_context failed");
	wolfSSL_CTX_set_verify(ctx, WOLFSSL_VERIFY_NONE, NULL);
	if ((ssl = wolfSSL_new(ctx)) == NULL)
		fail("wolfSSL_new failed");
	memset(&p, 0, sizeof(p));
	p.ref.get_conn = get_conn;
	p.ref.user_data = &p;
	wolfSSL_set_app_data(ssl, &p.ref);
	wolfSSL_set_connect_state(ssl);
	if (wolfSSL_UseALPN(ssl, (char *)alpn + 1, alpn[0],
	    WOLFSSL_ALPN_FAILED_ON_MISMATCH) != WOLFSSL_SUCCESS ||
	    wolfSSL_UseSNI(ssl, WOLFSSL_SNI_HOST_NAME, "relay.test", 10) !=
	    WOLFSSL_SUCCESS)
		fail("cannot set ALPN or SNI");

	memset(&local, 0, sizeof(local));
	local.sin_family = AF_INET;
	local.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	local.sin_port = htons(40000);
	remote = local;
	remote.sin_port = htons(4433);
	memset(&path, 0, sizeof(path));
	path.local.addr = (struct sockaddr *)&local;
	path.local.addrlen = sizeof(local);
	path.remote.addr = (struct sockaddr *)&remote;
	path.remote.addrlen = sizeof(remote);
	dcid.datalen = 16;
	cb_rand(dcid.data, dcid.datalen, NULL);
	scid.datalen = 16;
	cb_rand(scid.data, scid.datalen, NULL);
	ngtcp2_settings_default(&s);
	s.initial_ts = 1;
	ngtcp2_transport_params_default(&tp);
	tp.initial_max_data = 1 << 20;
	if (ngtcp2_conn_client_new(&p.conn, &dcid, &scid, &path,
	    NGTCP2_PROTO_VER_V1, &callbacks, &s, &tp, NULL, &p) != 0)
		fail("ngtcp2_conn_client_new failed");
	ngtcp2_conn_set_tls_native_handle(p.conn, ssl);
	n = ngtcp2_conn_write_pkt(p.conn, NULL, &pi, buf, sizeof(buf), 2);
	if (n < 1200)
		fail("no padded Initial packet");
	if ((buf[0] & 0xb0) != 0x80)
		fail("not a long header packet");
	der = ecc_der();

	if ((o = cJSON_CreateObject()) == NULL ||
	    cJSON_AddStringToObject(o, "wolfssl", wolfSSL_lib_version()) ==
	    NULL ||
	    cJSON_AddStringToObject(o, "ngtcp2",
	    ngtcp2_version(0)->version_str) == NULL ||
	    cJSON_AddStringToObject(o, "cjson", cJSON_Version()) == NULL ||
	    cJSON_AddNumberToObject(o, "initial", (double)n) == NULL ||
	    cJSON_AddNumberToObject(o, "ecc_der", der) == NULL ||
	    (js = cJSON_PrintUnformatted(o)) == NULL)
		fail("cJSON failed");
	printf("%s\n", js);
	cJSON_free(js);
	cJSON_Delete(o);

	ngtcp2_conn_del(p.conn);
	wolfSSL_free(ssl);
	wolfSSL_CTX_free(ctx);
	wolfSSL_Cleanup();
	return (0);
}
