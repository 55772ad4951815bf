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
 * The QUIC stack that "make deps" builds: wolfSSL 5.5.4 with its QUIC API
 * and ngtcp2 0.12.1 with the wolfSSL crypto backend, linked statically.
 * These tests fail if the build picked up Debian's libwolfssl (no QUIC) or
 * a different ngtcp2.
 */

#include <string.h>

#include <wolfssl/options.h>
#include <wolfssl/ssl.h>
#include <wolfssl/quic.h>
#include <wolfssl/wolfcrypt/ecc.h>
#include <wolfssl/wolfcrypt/random.h>
#include <ngtcp2/ngtcp2.h>
#include <ngtcp2/ngtcp2_crypto.h>
#include <ngtcp2/ngtcp2_crypto_wolfssl.h>

#include <criterion/criterion.h>

#ifndef WOLFSSL_QUIC
#error "wolfssl/options.h lacks WOLFSSL_QUIC: the system copy won over .deps/"
#endif
#ifndef WOLFSSL_AESNI
#error "wolfssl/options.h lacks WOLFSSL_AESNI: wolfSSL built without AES-NI"
#endif
#ifndef WOLFSSL_GETRANDOM
#error "wolfssl/options.h lacks WOLFSSL_GETRANDOM: the chroot needs it"
#endif

TestSuite(quicstack, .init = (void (*)(void))wolfSSL_Init,
    .fini = (void (*)(void))wolfSSL_Cleanup);

Test(quicstack, ngtcp2_version)
{
	const ngtcp2_info	*info;

	info = ngtcp2_version(0);
	cr_assert_not_null(info);
	cr_assert_str_eq(info->version_str, "0.12.1");
}

Test(quicstack, wolfssl_version)
{
	cr_assert_str_eq(wolfSSL_lib_version(), "5.5.4");
}

static void
configure_quic(int server)
{
	WOLFSSL_CTX	*ctx;
	WOLFSSL		*ssl;

	ctx = wolfSSL_CTX_new(server ? wolfTLSv1_3_server_method() :
	    wolfTLSv1_3_client_method());
	cr_assert_not_null(ctx);
	if (server)
		cr_assert_eq(ngtcp2_crypto_wolfssl_configure_server_context(
		    ctx), 0);
	else
		cr_assert_eq(ngtcp2_crypto_wolfssl_configure_client_context(
		    ctx), 0);
	/* The suites softlan offers; CCM is left out on purpose. */
	cr_assert_eq(wolfSSL_CTX_set_cipher_list(ctx,
	    "TLS13-AES128-GCM-SHA256:TLS13-AES256-GCM-SHA384:"
	    "TLS13-CHACHA20-POLY1305-SHA256"), WOLFSSL_SUCCESS);
	if (server) {
		/* A server object needs a key; the relay's tests cover it. */
		wolfSSL_CTX_free(ctx);
		return;
	}
	ssl = wolfSSL_new(ctx);
	cr_assert_not_null(ssl, "wolfSSL_new failed (RNG seeding?)");
	wolfSSL_set_quic_transport_version(ssl, 0x39);
	cr_assert_eq(wolfSSL_get_quic_transport_version(ssl), 0x39);
	cr_assert(wolfSSL_is_quic(ssl), "QUIC method not installed");
	wolfSSL_free(ssl);
	wolfSSL_CTX_free(ctx);
}

Test(quicstack, client_context)
{
	configure_quic(0);
}

Test(quicstack, server_context)
{
	configure_quic(1);
}

/*
 * The library and softlan must agree on struct layouts.  wolfSSL 5.5.4
 * leaves HAVE___UINT128_T out of options.h, which made our ecc_key 32
 * bytes smaller than the library's; deps.sh puts it back.  A key on the
 * stack followed by a guard must come out of init/make/free with the
 * guard intact.
 */
Test(quicstack, ecc_key_layout_matches_library)
{
	struct {
		ecc_key		 key;
		unsigned char	 guard[256];
	} s;
	WC_RNG		 rng;
	size_t		 i;

	memset(s.guard, 0xa5, sizeof(s.guard));
	cr_assert_eq(wc_InitRng(&rng), 0);
	cr_assert_eq(wc_ecc_init(&s.key), 0);
	cr_assert_eq(wc_ecc_make_key(&rng, 32, &s.key), 0);
	wc_ecc_free(&s.key);
	wc_FreeRng(&rng);
	for (i = 0; i < sizeof(s.guard); i++)
		cr_assert_eq(s.guard[i], 0xa5, "guard byte %zu overwritten", i);
}
