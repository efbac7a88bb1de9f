/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * fuzz-vsc: the smartcard channel's VSCard checks (workers/vmc-smartcard.c)
 * both ways: a client's SMARTCARD_DATA bodies and a device's byte stream.
 *
 * Input byte 0: bit 0 picks the device's side, bit 1 whether the client
 * has spoken to the device, bits 2.. the piece size (1..64) the device's
 * stream arrives in.  Client side: the rest is
 * messages, each a u16le length and that many bytes (the last one what
 * is left).  Device side: the rest is the stream.
 *
 * Invariants: client side, what goes to the device is a whole VSCard
 * message whose network-order length is its size, never more than the
 * client sent, with reader 0; spiced's own answers are 16-byte errors;
 * ReaderAdd and ReaderRemove reach the device alternately, starting with
 * Add, and a reader added is removed when the client goes; the device is
 * owed an answer for each ReaderAdd, ReaderRemove, ATR and CardRemove
 * it got.  Device side:
 * every message taken is its header plus its length, at most
 * VSC_MAX_MSG, the client's copy the same message in little-endian with
 * reader 0, none before the client spoke; only a VSC_Error pays off an
 * answer owed; fed in pieces, the stream gives what it gives whole.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spice/enums.h>

#include "vmc-smartcard.h"

#define FUZZ_CHECK(c) do { if (!(c)) abort(); } while (0)

int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint32_t
fuzz_be(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	    (uint32_t)p[2] << 8 | p[3];
}

static void
fuzz_client(const uint8_t *p, size_t n)
{
	static uint8_t dev[VSC_MAX_MSG];
	struct vsc vs;
	struct vsc_act act;
	struct sbuf sb;
	const char *why;
	size_t len;
	int added = 0;
	uint32_t type, owed = 0;

	memset(&vs, 0, sizeof(vs));
	while (n > 0) {
		if (n >= 2) {
			len = (size_t)p[0] | (size_t)p[1] << 8;
			p += 2;
			n -= 2;
			if (len > n)
				len = n;
		} else
			len = n;
		why = NULL;
		sbuf_init(&sb, p, len);
		if (vsc_from_client(&vs, &sb, dev, &act, &why) != 0) {
			FUZZ_CHECK(why != NULL);
			break;
		}
		FUZZ_CHECK(act.dev_len <= len);
		if (act.dev_len > 0) {
			FUZZ_CHECK(act.dev_len >= VSC_HDR_LEN);
			FUZZ_CHECK(fuzz_be(dev + 8) == act.dev_len - VSC_HDR_LEN);
			FUZZ_CHECK(fuzz_be(dev + 4) == VSC_READER);
			type = fuzz_be(dev);
			if (type == SPICE_VSC_MESSAGE_TYPE_ReaderAdd ||
			    type == SPICE_VSC_MESSAGE_TYPE_ReaderRemove ||
			    type == SPICE_VSC_MESSAGE_TYPE_ATR ||
			    type == SPICE_VSC_MESSAGE_TYPE_CardRemove)
				owed++;
			if (type == SPICE_VSC_MESSAGE_TYPE_ReaderAdd) {
				FUZZ_CHECK(!added);
				added = 1;
			} else if (type ==
			    SPICE_VSC_MESSAGE_TYPE_ReaderRemove) {
				FUZZ_CHECK(added);
				added = 0;
			} else
				FUZZ_CHECK(memcmp(dev + VSC_HDR_LEN,
				    p + VSC_HDR_LEN, act.dev_len -
				    VSC_HDR_LEN) == 0);
		}
		FUZZ_CHECK(!act.reply || act.reply_code == VSC_E_GENERAL ||
		    act.reply_code == VSC_E_NO_MORE_READERS);
		FUZZ_CHECK(!act.reply || act.dev_len == 0);
		p += len;
		n -= len;
	}
	FUZZ_CHECK(vsc_awaiting(&vs) == (owed > 0));
	len = vsc_client_gone(&vs, dev);
	FUZZ_CHECK(len == (added ? VSC_HDR_LEN : 0));
	FUZZ_CHECK(vsc_client_gone(&vs, dev) == 0);
	FUZZ_CHECK(vsc_awaiting(&vs) == (owed + (len > 0) > 0));
}

/* Take messages from buf[0..n) as the worker does from what it has
 * read; their bytes summed into *sum.  Returns the bytes taken, or
 * (size_t)-1 on a refusal. */
static size_t
fuzz_take(struct vsc *vs, const uint8_t *buf, size_t n, uint32_t *sum,
    unsigned *count)
{
	struct vsc_msg m;
	const char *why = NULL;
	size_t off = 0, used, i;
	uint32_t pending;
	int rc;

	for (;;) {
		pending = vs->vs_pending;
		if ((rc = vsc_from_device(vs, buf + off, n - off, &used, &m,
		    &why)) != 1)
			break;
		/* Only an answer (VSC_Error) pays off what is owed. */
		FUZZ_CHECK(vs->vs_pending == pending ||
		    (vs->vs_pending + 1 == pending && fuzz_be(buf + off) ==
		    SPICE_VSC_MESSAGE_TYPE_Error));
		FUZZ_CHECK(used >= VSC_HDR_LEN && used <= n - off &&
		    used <= VSC_MAX_MSG);
		FUZZ_CHECK(used == VSC_HDR_LEN + fuzz_be(buf + off + 8));
		FUZZ_CHECK(m.vm_type == fuzz_be(buf + off));
		FUZZ_CHECK(m.vm_len == used - VSC_HDR_LEN);
		FUZZ_CHECK(m.vm_data == buf + off + VSC_HDR_LEN);
		FUZZ_CHECK(m.vm_to_client == (vs->vs_spoken && m.vm_type !=
		    SPICE_VSC_MESSAGE_TYPE_Init));
		if (m.vm_to_client) {
			*sum = *sum * 31 + m.vm_type;
			for (i = 0; i < m.vm_len; i++)
				*sum = *sum * 31 + m.vm_data[i];
		}
		(*count)++;
		off += used;
	}
	if (rc < 0) {
		FUZZ_CHECK(why != NULL);
		return (size_t)-1;
	}
	return off;
}

static void
fuzz_device(const uint8_t *p, size_t n, size_t piece, int spoken)
{
	struct vsc vs = { .vs_spoken = spoken, .vs_pending = 2 };
	struct vsc vs_pieces = vs;
	static uint8_t in[VSC_MAX_MSG + 128];
	uint32_t sum_whole = 0, sum_pieces = 0;
	unsigned count_whole = 0, count_pieces = 0;
	size_t inlen = 0, off = 0, take, got;
	int bad_whole = 0, bad_pieces = 0;

	/* Whole, as far as it goes. */
	got = fuzz_take(&vs, p, n, &sum_whole, &count_whole);
	bad_whole = got == (size_t)-1;
	/* In pieces, keeping what is not a whole message yet. */
	while (off < n) {
		take = n - off < piece ? n - off : piece;
		if (take > sizeof(in) - inlen)
			take = sizeof(in) - inlen;
		memcpy(in + inlen, p + off, take);
		inlen += take;
		off += take;
		got = fuzz_take(&vs_pieces, in, inlen, &sum_pieces,
		    &count_pieces);
		if (got == (size_t)-1) {
			bad_pieces = 1;
			break;
		}
		inlen -= got;
		memmove(in, in + got, inlen);
	}
	FUZZ_CHECK(bad_whole == bad_pieces);
	FUZZ_CHECK(count_whole == count_pieces && sum_whole == sum_pieces);
	FUZZ_CHECK(vs.vs_pending == vs_pieces.vs_pending);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	if (data[0] & 1)
		fuzz_device(data + 1, size - 1, (size_t)(data[0] >> 2) + 1,
		    (data[0] >> 1) & 1);
	else
		fuzz_client(data + 1, size - 1);
	return 0;
}
