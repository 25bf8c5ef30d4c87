/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The key schedule of an authenticated halo_blk connection
 * (Documentation/plans/halo_blk-data-path.md, 3.2): the device key from the
 * key halo.ko derives for halo_blk, the handshake's tags, and the session
 * keys (HKDF, RFC 5869). Pure: the HMAC is the caller's (the kernel's
 * crypto API in the module, OpenSSL in the unit lane).
 */
#ifndef _HALO_BLK_KDF_H
#define _HALO_BLK_KDF_H

#include "../pure.h"

#define HALO_KDF_KEY_LEN	32	/* every key, tag and transcript hash */
#define HALO_KDF_NONCE_LEN	32
#define HALO_KDF_SID_LEN	16
#define HALO_KDF_NAME_LEN	32	/* the device name, NUL-padded */

struct halo_kdf_buf {
	const void *p;
	u32 len;
};

struct halo_kdf_ops {
	/* HMAC-SHA256 with @key over the concatenation of @parts; 0 or -errno */
	int (*hmac)(void *ctx, const u8 *key, u32 klen,
		    const struct halo_kdf_buf *parts, unsigned int n,
		    u8 out[HALO_KDF_KEY_LEN]);
	void *ctx;
};

/* HKDF-Extract(@salt, @ikm) = HMAC(@salt, @ikm). */
int halo_hkdf_extract(const struct halo_kdf_ops *ops, const u8 *salt, u32 salt_len,
		      const u8 *ikm, u32 ikm_len, u8 prk[HALO_KDF_KEY_LEN]);
/*
 * HKDF-Expand(@prk, the concatenation of @info's @n parts (at most 4),
 * @len bytes (at most 255 * 32)) into @out.
 */
int halo_hkdf_expand(const struct halo_kdf_ops *ops, const u8 prk[HALO_KDF_KEY_LEN],
		     const struct halo_kdf_buf *info, unsigned int n, u8 *out, u32 len);

/*
 * The device key both nodes of device @name compute: bound to the device,
 * the two node ids (in either order) and the port. -EINVAL: @name is
 * empty or too long.
 */
int halo_kdf_dev_key(const struct halo_kdf_ops *ops, const u8 k_blk[HALO_KDF_KEY_LEN],
		     const char *name, u32 id_a, u32 id_b, u16 port,
		     u8 k_dev[HALO_KDF_KEY_LEN]);

/* The listener's tag over the dialler's AUTH_INIT (@t1: its SHA-256). */
int halo_kdf_tag_l(const struct halo_kdf_ops *ops, const u8 k_dev[HALO_KDF_KEY_LEN],
		   const u8 t1[HALO_KDF_KEY_LEN], const u8 nonce_l[HALO_KDF_NONCE_LEN],
		   u32 key_gen, u8 tag[HALO_KDF_KEY_LEN]);
/* The dialler's tag over AUTH_INIT and AUTH_CHALLENGE (@t2: their SHA-256). */
int halo_kdf_tag_d(const struct halo_kdf_ops *ops, const u8 k_dev[HALO_KDF_KEY_LEN],
		   const u8 t2[HALO_KDF_KEY_LEN], u8 tag[HALO_KDF_KEY_LEN]);

struct halo_kdf_session {
	u8 k_dl[HALO_KDF_KEY_LEN];	/* frames from the dialler */
	u8 k_ld[HALO_KDF_KEY_LEN];	/* frames from the listener */
	u8 sid[HALO_KDF_SID_LEN];	/* names the session */
};

/*
 * The session's keys from both nonces and @th, the SHA-256 of the three
 * handshake frames.
 */
int halo_kdf_session(const struct halo_kdf_ops *ops, const u8 k_dev[HALO_KDF_KEY_LEN],
		     const u8 nonce_d[HALO_KDF_NONCE_LEN],
		     const u8 nonce_l[HALO_KDF_NONCE_LEN],
		     const u8 th[HALO_KDF_KEY_LEN], struct halo_kdf_session *s);

#endif /* _HALO_BLK_KDF_H */
