// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The key schedule of an authenticated connection (kdf.h). Pure: compiled
 * into halo_blk.ko and into the host unit lane, which checks it against
 * RFC 5869's vectors and against selftests/blk_auth_vectors.json, made by
 * an independent implementation (selftests/blk_peer.py).
 *
 * Every label ends with its NUL, and every input after a label has a fixed
 * length, so no two different inputs concatenate to the same bytes:
 *
 *   K_dev = HMAC(K_blk, "halo-blk dev v6" || name[32] || be32(lower id) ||
 *                be32(higher id) || be16(port))
 *   tag_L = HMAC(K_dev, "halo-blk L v6" || T1 || nonce_L || be32(key_gen))
 *   tag_D = HMAC(K_dev, "halo-blk D v6" || T2)
 *   PRK   = HKDF-Extract(salt = nonce_D || nonce_L, K_dev)
 *   k_DL  = HKDF-Expand(PRK, "halo-blk v6 D>L" || th, 32)
 *   k_LD  = HKDF-Expand(PRK, "halo-blk v6 L>D" || th, 32)
 *   sid   = HKDF-Expand(PRK, "halo-blk v6 sid" || th, 16)
 *
 * The listener and the dialler use different labels, so that neither
 * side's tag can be reflected to it as the other's.
 */

#include "kdf.h"

#define L(s)	{ .p = s, .len = sizeof(s) }	/* a label, NUL included */

int halo_hkdf_extract(const struct halo_kdf_ops *ops, const u8 *salt, u32 salt_len,
		      const u8 *ikm, u32 ikm_len, u8 prk[HALO_KDF_KEY_LEN])
{
	static const u8 zero[HALO_KDF_KEY_LEN];
	struct halo_kdf_buf in = { .p = ikm, .len = ikm_len };

	/* RFC 5869 2.2: no salt is HashLen zeroes */
	if (!salt_len)
		return ops->hmac(ops->ctx, zero, sizeof(zero), &in, 1, prk);
	return ops->hmac(ops->ctx, salt, salt_len, &in, 1, prk);
}

int halo_hkdf_expand(const struct halo_kdf_ops *ops, const u8 prk[HALO_KDF_KEY_LEN],
		     const struct halo_kdf_buf *info, unsigned int n, u8 *out, u32 len)
{
	struct halo_kdf_buf parts[6];
	u8 t[HALO_KDF_KEY_LEN];
	unsigned int i, np;
	u32 done = 0, chunk;
	u8 counter = 0;
	int ret = 0;

	if (n > 4 || len > 255 * HALO_KDF_KEY_LEN)
		return -EINVAL;
	while (done < len && !ret) {
		/* T(i) = HMAC(PRK, T(i-1) || info || i), T(0) empty */
		np = 0;
		if (counter)
			parts[np++] = (struct halo_kdf_buf){ .p = t, .len = sizeof(t) };
		for (i = 0; i < n; i++)
			parts[np++] = info[i];
		counter++;
		parts[np++] = (struct halo_kdf_buf){ .p = &counter, .len = 1 };
		ret = ops->hmac(ops->ctx, prk, HALO_KDF_KEY_LEN, parts, np, t);
		chunk = len - done < sizeof(t) ? len - done : sizeof(t);
		if (!ret)
			memcpy(out + done, t, chunk);
		done += chunk;
	}
	halo_wipe(t, sizeof(t));
	return ret;
}

int halo_kdf_dev_key(const struct halo_kdf_ops *ops, const u8 k_blk[HALO_KDF_KEY_LEN],
		     const char *name, u32 id_a, u32 id_b, u16 port,
		     u8 k_dev[HALO_KDF_KEY_LEN])
{
	u8 padded[HALO_KDF_NAME_LEN] = {}, ids[10];
	size_t len = strnlen(name, sizeof(padded));
	struct halo_kdf_buf parts[] = {
		L("halo-blk dev v6"),
		{ .p = padded, .len = sizeof(padded) },
		{ .p = ids, .len = sizeof(ids) },
	};

	if (!len || len == sizeof(padded))
		return -EINVAL;
	memcpy(padded, name, len);
	put_unaligned_be32(id_a < id_b ? id_a : id_b, ids);
	put_unaligned_be32(id_a < id_b ? id_b : id_a, ids + 4);
	put_unaligned_be16(port, ids + 8);
	return ops->hmac(ops->ctx, k_blk, HALO_KDF_KEY_LEN, parts, ARRAY_SIZE(parts),
			 k_dev);
}

int halo_kdf_tag_l(const struct halo_kdf_ops *ops, const u8 k_dev[HALO_KDF_KEY_LEN],
		   const u8 t1[HALO_KDF_KEY_LEN], const u8 nonce_l[HALO_KDF_NONCE_LEN],
		   u32 key_gen, u8 tag[HALO_KDF_KEY_LEN])
{
	u8 gen[4];
	struct halo_kdf_buf parts[] = {
		L("halo-blk L v6"),
		{ .p = t1, .len = HALO_KDF_KEY_LEN },
		{ .p = nonce_l, .len = HALO_KDF_NONCE_LEN },
		{ .p = gen, .len = sizeof(gen) },
	};

	put_unaligned_be32(key_gen, gen);
	return ops->hmac(ops->ctx, k_dev, HALO_KDF_KEY_LEN, parts, ARRAY_SIZE(parts),
			 tag);
}

int halo_kdf_tag_d(const struct halo_kdf_ops *ops, const u8 k_dev[HALO_KDF_KEY_LEN],
		   const u8 t2[HALO_KDF_KEY_LEN], u8 tag[HALO_KDF_KEY_LEN])
{
	struct halo_kdf_buf parts[] = {
		L("halo-blk D v6"),
		{ .p = t2, .len = HALO_KDF_KEY_LEN },
	};

	return ops->hmac(ops->ctx, k_dev, HALO_KDF_KEY_LEN, parts, ARRAY_SIZE(parts),
			 tag);
}

int halo_kdf_session(const struct halo_kdf_ops *ops, const u8 k_dev[HALO_KDF_KEY_LEN],
		     const u8 nonce_d[HALO_KDF_NONCE_LEN],
		     const u8 nonce_l[HALO_KDF_NONCE_LEN],
		     const u8 th[HALO_KDF_KEY_LEN], struct halo_kdf_session *s)
{
	static const struct halo_kdf_buf dl = L("halo-blk v6 D>L");
	static const struct halo_kdf_buf ld = L("halo-blk v6 L>D");
	static const struct halo_kdf_buf sid = L("halo-blk v6 sid");
	struct halo_kdf_buf info[2] = { {}, { .p = th, .len = HALO_KDF_KEY_LEN } };
	u8 salt[2 * HALO_KDF_NONCE_LEN], prk[HALO_KDF_KEY_LEN];
	int ret;

	memcpy(salt, nonce_d, HALO_KDF_NONCE_LEN);
	memcpy(salt + HALO_KDF_NONCE_LEN, nonce_l, HALO_KDF_NONCE_LEN);
	ret = halo_hkdf_extract(ops, salt, sizeof(salt), k_dev, HALO_KDF_KEY_LEN, prk);
	info[0] = dl;
	if (!ret)
		ret = halo_hkdf_expand(ops, prk, info, 2, s->k_dl, sizeof(s->k_dl));
	info[0] = ld;
	if (!ret)
		ret = halo_hkdf_expand(ops, prk, info, 2, s->k_ld, sizeof(s->k_ld));
	info[0] = sid;
	if (!ret)
		ret = halo_hkdf_expand(ops, prk, info, 2, s->sid, sizeof(s->sid));
	halo_wipe(prk, sizeof(prk));
	return ret;
}
