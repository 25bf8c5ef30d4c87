/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The frames that open an authenticated connection, before any state is
 * shown (Documentation/plans/halo_blk-data-path.md, 3.3): the dialler's
 * AUTH_INIT, the listener's AUTH_CHALLENGE (or AUTH_REFUSE, a code, never
 * text), the dialler's AUTH_RESPONSE. The tags come from kdf.h. Pure, host
 * unit lane: selftests/unit/proto_test.c.
 */
#ifndef _HALO_BLK_PROTO_AUTH_H
#define _HALO_BLK_PROTO_AUTH_H

#include "kdf.h"
#include "proto.h"

#define HALO_P_AUTH_INIT_LEN		112
#define HALO_P_AUTH_CHALLENGE_LEN	72
#define HALO_P_AUTH_RESPONSE_LEN	32
#define HALO_P_AUTH_REFUSE_LEN		8

enum halo_p_purpose {
	HALO_P_PURPOSE_DATA = 1,	/* the connection's first socket */
	HALO_P_PURPOSE_META,		/* acks and pings, bound to the data one's sid */
};

enum halo_p_auth {
	HALO_P_AUTH_NONE,		/* insecure: the same frames, zero keys */
	HALO_P_AUTH_HMAC_SHA256,
};

enum halo_p_refuse {
	HALO_P_REFUSE_VERSION = 1,	/* another protocol version */
	HALO_P_REFUSE_NO_DEVICE,	/* no device of that name (yet) */
	HALO_P_REFUSE_NOT_WAITING,	/* it does not wait for that node */
	HALO_P_REFUSE_AUTH_MODE,	/* one side insecure, the other not */
	HALO_P_REFUSE_BUSY,		/* too many handshakes at once */
	HALO_P_REFUSE_NO_SESSION,	/* a meta socket for no data socket */
	__HALO_P_REFUSE_MAX
};

struct halo_p_auth_init {
	u32 version;
	u8 purpose;		/* enum halo_p_purpose */
	u8 auth;		/* enum halo_p_auth */
	u32 dialler_id, listener_id;
	u32 key_gen;
	char name[HALO_KDF_NAME_LEN];
	u8 nonce[HALO_KDF_NONCE_LEN];
	u8 sid[HALO_KDF_SID_LEN];	/* zero for data, the session's for meta */
};

struct halo_p_auth_challenge {
	u8 nonce[HALO_KDF_NONCE_LEN];
	u32 key_gen;
	u8 tag[HALO_KDF_KEY_LEN];
};

void halo_p_auth_init_encode(const struct halo_p_auth_init *a, u8 *buf);
/* Any version decodes (the listener refuses another with a code). */
int halo_p_auth_init_decode(const u8 *buf, size_t len, struct halo_p_auth_init *a,
			    const char **why);
void halo_p_auth_challenge_encode(const struct halo_p_auth_challenge *c, u8 *buf);
int halo_p_auth_challenge_decode(const u8 *buf, size_t len,
				 struct halo_p_auth_challenge *c, const char **why);
int halo_p_auth_response_decode(const u8 *buf, size_t len, u8 tag[HALO_KDF_KEY_LEN],
				const char **why);
void halo_p_auth_refuse_encode(enum halo_p_refuse code, u8 *buf);
int halo_p_auth_refuse_decode(const u8 *buf, size_t len, enum halo_p_refuse *code,
			      const char **why);
/* What a refusal means, for conn-error and the log. */
const char *halo_p_refuse_name(enum halo_p_refuse code);

#endif /* _HALO_BLK_PROTO_AUTH_H */
