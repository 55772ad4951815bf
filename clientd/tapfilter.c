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
 * The TAP-side filter of the client; see tapfilter.h.  Portable C99.
 */

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "ether.h"
#include "l2class.h"
#include "mtu.h"
#include "tapfilter.h"

/*
 * Start with the virtual MAC and a room MTU (MTU_ROOM_DEFAULT until the
 * welcome says otherwise); the counters start at zero.
 */
void
tapfilter_init(struct tapfilter *tf, const struct ether_mac *mac,
    uint16_t mtu)
{
	memset(tf, 0, sizeof(*tf));
	tf->mac = *mac;
	tapfilter_set_mtu(tf, mtu);
}

/* The room MTU from welcome; out of range values mean the default. */
void
tapfilter_set_mtu(struct tapfilter *tf, uint16_t mtu)
{
	if (!mtu_room_valid(mtu))
		mtu = MTU_ROOM_DEFAULT;
	tf->mtu = mtu;
}

/*
 * Classify one frame read from the TAP and count it.  Returns TAPF_PASS
 * if it may go to the relay, else the reason it is dropped.
 */
enum tapf_reason
tapfilter_check(struct tapfilter *tf, const uint8_t *frame, size_t len)
{
	struct ether_mac	 src;
	enum tapf_reason	 r;

	tf->counters.frames_in++;
	tf->counters.bytes_in += len;

	if (len < ETHER_HDR_LEN)
		r = TAPF_DROP_RUNT;
	else {
		memcpy(src.octet, frame + ETHER_ADDR_LEN, ETHER_ADDR_LEN);
		if (!ether_mac_eq(&src, &tf->mac))
			r = TAPF_DROP_FOREIGN_SOURCE;
		else
			r = (enum tapf_reason)l2_classify(frame, len, tf->mtu,
			    1, NULL);
	}

	if (r == TAPF_PASS) {
		tf->counters.frames_pass++;
		tf->counters.bytes_pass += len;
	} else if ((unsigned int)r < TAPF_REASON_MAX)
		tf->counters.drops[r]++;
	else {
		/* l2_classify() grew a reason this file does not know. */
		r = TAPF_DROP_MALFORMED;
		tf->counters.drops[r]++;
	}
	return (r);
}

/* Stable: these are counter names on the control socket. */
const char *
tapfilter_reason_name(enum tapf_reason r)
{
	if (r == TAPF_DROP_FOREIGN_SOURCE)
		return ("foreign-source");
	if ((unsigned int)r < L2_CLASS_MAX)
		return (l2_class_name((enum l2_class)r));
	return ("unknown");
}
