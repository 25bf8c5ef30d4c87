// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * AUTH_* frames (proto_auth.h), big-endian, every unused byte zero:
 *
 * AUTH_INIT (112):  0 4 version, 4 1 purpose, 5 1 auth, 6 2 zero,
 *   8 4 dialler id, 12 4 listener id, 16 4 key generation, 20 4 zero,
 *   24 32 device name (NUL-padded), 56 32 nonce, 88 16 session id (zero
 *   for a data socket), 104 8 zero
 * AUTH_CHALLENGE (72): 0 32 nonce, 32 4 key generation, 36 4 zero, 40 32 tag
 * AUTH_RESPONSE (32): 0 32 tag
 * AUTH_REFUSE (8): 0 4 code, 4 4 zero
 */

#include "proto_auth.h"

static bool halo_p_zero(const u8 *p, size_t n)
{
	while (n--)
		if (*p++)
			return false;
	return true;
}

void halo_p_auth_init_encode(const struct halo_p_auth_init *a, u8 *buf)
{
	memset(buf, 0, HALO_P_AUTH_INIT_LEN);
	put_unaligned_be32(a->version, buf);
	buf[4] = a->purpose;
	buf[5] = a->auth;
	put_unaligned_be32(a->dialler_id, buf + 8);
	put_unaligned_be32(a->listener_id, buf + 12);
	put_unaligned_be32(a->key_gen, buf + 16);
	memcpy(buf + 24, a->name, strnlen(a->name, HALO_KDF_NAME_LEN - 1));
	memcpy(buf + 56, a->nonce, HALO_KDF_NONCE_LEN);
	memcpy(buf + 88, a->sid, HALO_KDF_SID_LEN);
}

int halo_p_auth_init_decode(const u8 *buf, size_t len, struct halo_p_auth_init *a,
			    const char **why)
{
	bool data;

	if (len != HALO_P_AUTH_INIT_LEN) {
		*why = "auth-init of the wrong length";
		return -EPROTO;
	}
	memset(a, 0, sizeof(*a));
	a->version = get_unaligned_be32(buf);
	a->purpose = buf[4];
	a->auth = buf[5];
	a->dialler_id = get_unaligned_be32(buf + 8);
	a->listener_id = get_unaligned_be32(buf + 12);
	a->key_gen = get_unaligned_be32(buf + 16);
	memcpy(a->nonce, buf + 56, HALO_KDF_NONCE_LEN);
	memcpy(a->sid, buf + 88, HALO_KDF_SID_LEN);
	if (!halo_p_zero(buf + 6, 2) || !halo_p_zero(buf + 20, 4) ||
	    !halo_p_zero(buf + 104, 8)) {
		*why = "auth-init with reserved fields not zero";
		return -EPROTO;
	}
	if (a->purpose != HALO_P_PURPOSE_DATA && a->purpose != HALO_P_PURPOSE_META) {
		*why = "auth-init for an unknown purpose";
		return -EPROTO;
	}
	if (a->auth > HALO_P_AUTH_HMAC_SHA256) {
		*why = "auth-init with an unknown authentication";
		return -EPROTO;
	}
	if (!a->dialler_id || !a->listener_id || a->dialler_id == a->listener_id) {
		*why = "auth-init with bad node ids";
		return -EPROTO;
	}
	if (!halo_p_name_ok(buf + 24, HALO_KDF_NAME_LEN)) {
		*why = "auth-init with a malformed device name";
		return -EPROTO;
	}
	/* a data socket starts a session; a meta socket names one */
	data = a->purpose == HALO_P_PURPOSE_DATA;
	if (halo_p_zero(a->sid, HALO_KDF_SID_LEN) != data) {
		*why = "auth-init with a session id that does not fit its purpose";
		return -EPROTO;
	}
	memcpy(a->name, buf + 24, HALO_KDF_NAME_LEN);
	return 0;
}

void halo_p_auth_challenge_encode(const struct halo_p_auth_challenge *c, u8 *buf)
{
	memset(buf, 0, HALO_P_AUTH_CHALLENGE_LEN);
	memcpy(buf, c->nonce, HALO_KDF_NONCE_LEN);
	put_unaligned_be32(c->key_gen, buf + 32);
	memcpy(buf + 40, c->tag, HALO_KDF_KEY_LEN);
}

int halo_p_auth_challenge_decode(const u8 *buf, size_t len,
				 struct halo_p_auth_challenge *c, const char **why)
{
	if (len != HALO_P_AUTH_CHALLENGE_LEN) {
		*why = "auth-challenge of the wrong length";
		return -EPROTO;
	}
	if (!halo_p_zero(buf + 36, 4)) {
		*why = "auth-challenge with reserved fields not zero";
		return -EPROTO;
	}
	memcpy(c->nonce, buf, HALO_KDF_NONCE_LEN);
	c->key_gen = get_unaligned_be32(buf + 32);
	memcpy(c->tag, buf + 40, HALO_KDF_KEY_LEN);
	return 0;
}

int halo_p_auth_response_decode(const u8 *buf, size_t len, u8 tag[HALO_KDF_KEY_LEN],
				const char **why)
{
	if (len != HALO_P_AUTH_RESPONSE_LEN) {
		*why = "auth-response of the wrong length";
		return -EPROTO;
	}
	memcpy(tag, buf, HALO_KDF_KEY_LEN);
	return 0;
}

void halo_p_auth_refuse_encode(enum halo_p_refuse code, u8 *buf)
{
	put_unaligned_be32(code, buf);
	put_unaligned_be32(0, buf + 4);
}

static const char *const halo_p_refuse_names[__HALO_P_REFUSE_MAX] = {
	[HALO_P_REFUSE_VERSION] = "it speaks another protocol version",
	[HALO_P_REFUSE_NO_DEVICE] = "it has no device of that name (yet)",
	[HALO_P_REFUSE_NOT_WAITING] = "its device does not wait for this node",
	[HALO_P_REFUSE_AUTH_MODE] = "one side is insecure, the other is not",
	[HALO_P_REFUSE_BUSY] = "it has too many handshakes at once",
	[HALO_P_REFUSE_NO_SESSION] = "it has no connection for that session",
};

int halo_p_auth_refuse_decode(const u8 *buf, size_t len, enum halo_p_refuse *code,
			      const char **why)
{
	u32 c;

	if (len != HALO_P_AUTH_REFUSE_LEN) {
		*why = "auth-refuse of the wrong length";
		return -EPROTO;
	}
	c = get_unaligned_be32(buf);
	if (!c || c >= __HALO_P_REFUSE_MAX || get_unaligned_be32(buf + 4)) {
		*why = "auth-refuse with an unknown code";
		return -EPROTO;
	}
	*code = c;
	return 0;
}

const char *halo_p_refuse_name(enum halo_p_refuse code)
{
	if ((unsigned int)code >= __HALO_P_REFUSE_MAX || !halo_p_refuse_names[code])
		return "an unknown refusal";
	return halo_p_refuse_names[code];
}
