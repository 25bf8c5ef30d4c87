// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The key schedule (kernel/halo_blk/kdf.c), with OpenSSL's HMAC-SHA256 as
 * the HMAC: HKDF against RFC 5869's vectors A.1-A.3; every key and tag
 * against selftests/blk_auth_vectors.json, which selftests/blk_kdf.py
 * computes independently; and what the keys must bind: every input
 * changes every output it feeds, the ids count in either order, the two
 * directions and the two tags differ.
 */
#include "kdf.h"
#include "kselftest_harness.h"

#include <json-c/json.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>

static int ossl_hmac(void *ctx, const u8 *key, u32 klen,
		     const struct halo_kdf_buf *parts, unsigned int n, u8 *out)
{
	unsigned char buf[4096];
	unsigned int len = 0, i;
	size_t off = 0;

	(void)ctx;
	for (i = 0; i < n; i++) {
		if (off + parts[i].len > sizeof(buf))
			return -E2BIG;
		memcpy(buf + off, parts[i].p, parts[i].len);
		off += parts[i].len;
	}
	if (!HMAC(EVP_sha256(), key, klen, buf, off, out, &len) || len != HALO_KDF_KEY_LEN)
		return -EIO;
	return 0;
}

static const struct halo_kdf_ops ops = { .hmac = ossl_hmac };

static size_t unhex(const char *s, u8 *out, size_t max)
{
	size_t n = strlen(s) / 2, i;
	unsigned int b;

	if (n > max)
		return 0;
	for (i = 0; i < n; i++) {
		if (sscanf(s + 2 * i, "%2x", &b) != 1)
			return 0;
		out[i] = b;
	}
	return n;
}

#define HEX(s) ({ static u8 __b[256]; unhex(s, __b, sizeof(__b)); __b; })

TEST(hkdf_rfc5869)
{
	static const struct {
		const char *ikm, *salt, *info, *prk, *okm;
	} v[] = {
		{	/* A.1 */
			"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b",
			"000102030405060708090a0b0c", "f0f1f2f3f4f5f6f7f8f9",
			"077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5",
			"3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf"
			"34007208d5b887185865",
		}, {	/* A.2: longer inputs, three blocks of output */
			"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
			"202122232425262728292a2b2c2d2e2f303132333435363738393a3b3c3d3e3f"
			"404142434445464748494a4b4c4d4e4f",
			"606162636465666768696a6b6c6d6e6f707172737475767778797a7b7c7d7e7f"
			"808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f"
			"a0a1a2a3a4a5a6a7a8a9aaabacadaeaf",
			"b0b1b2b3b4b5b6b7b8b9babbbcbdbebfc0c1c2c3c4c5c6c7c8c9cacbcccdcecf"
			"d0d1d2d3d4d5d6d7d8d9dadbdcdddedfe0e1e2e3e4e5e6e7e8e9eaebecedeeef"
			"f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff",
			"06a6b88c5853361a06104c9ceb35b45cef760014904671014a193f40c15fc244",
			"b11e398dc80327a1c8e7f78c596a49344f012eda2d4efad8a050cc4c19afa97c"
			"59045a99cac7827271cb41c65e590e09da3275600c2f09b8367793a9aca3db71"
			"cc30c58179ec3e87c14c01d5c1f3434f1d87",
		}, {	/* A.3: no salt, no info */
			"0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b", "", "",
			"19ef24a32c717b167f33a91d6f648bdf96596776afdb6377ac434c1c293ccb04",
			"8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d"
			"9d201395faa4b61a96c8",
		},
	};
	u8 ikm[128], salt[128], info[128], prk[32], want_prk[32], okm[128], want[128];
	size_t i, ni, ns, nk, nw;

	for (i = 0; i < ARRAY_SIZE(v); i++) {
		nk = unhex(v[i].ikm, ikm, sizeof(ikm));
		ns = unhex(v[i].salt, salt, sizeof(salt));
		ni = unhex(v[i].info, info, sizeof(info));
		unhex(v[i].prk, want_prk, sizeof(want_prk));
		nw = unhex(v[i].okm, want, sizeof(want));
		ASSERT_EQ(0, halo_hkdf_extract(&ops, salt, ns, ikm, nk, prk));
		EXPECT_EQ(0, memcmp(prk, want_prk, 32)) TH_LOG("A.%zu PRK", i + 1);
		{
			struct halo_kdf_buf in = { .p = info, .len = ni };

			ASSERT_EQ(0, halo_hkdf_expand(&ops, prk, &in, ni ? 1 : 0, okm, nw));
		}
		EXPECT_EQ(0, memcmp(okm, want, nw)) TH_LOG("A.%zu OKM", i + 1);
	}
}

TEST(hkdf_expand_bounds)
{
	u8 prk[32] = { 1 }, out[32];
	struct halo_kdf_buf in[5] = {};

	EXPECT_EQ(-EINVAL, halo_hkdf_expand(&ops, prk, in, 5, out, 16));
	EXPECT_EQ(-EINVAL, halo_hkdf_expand(&ops, prk, in, 0, out, 255 * 32 + 1));
}

struct inputs {
	u8 k_blk[32], t1[32], t2[32], th[32], nonce_d[32], nonce_l[32];
	char name[64];
	u32 id_a, id_b, key_gen;
	u16 port;
};

struct outputs {
	u8 k_dev[32], tag_l[32], tag_d[32];
	struct halo_kdf_session s;
};

static int schedule(const struct inputs *in, struct outputs *out)
{
	return halo_kdf_dev_key(&ops, in->k_blk, in->name, in->id_a, in->id_b,
				in->port, out->k_dev) ?:
	       halo_kdf_tag_l(&ops, out->k_dev, in->t1, in->nonce_l, in->key_gen,
			      out->tag_l) ?:
	       halo_kdf_tag_d(&ops, out->k_dev, in->t2, out->tag_d) ?:
	       halo_kdf_session(&ops, out->k_dev, in->nonce_d, in->nonce_l, in->th,
				&out->s);
}

static const char *str(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_string(v) : "";
}

static u32 num(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) ? json_object_get_int64(v) : 0;
}

TEST(vectors_of_blk_kdf_py)
{
	json_object *root = json_object_from_file(HALO_VECTORS);
	json_object *cases;
	struct outputs out;
	struct inputs in;
	u8 want[32];
	size_t i, n;

	ASSERT_NE(NULL, root) TH_LOG("cannot read selftests/blk_auth_vectors.json");
	ASSERT_TRUE(json_object_object_get_ex(root, "cases", &cases));
	n = json_object_array_length(cases);
	ASSERT_GE(n, 10);
	for (i = 0; i < n; i++) {
		json_object *c = json_object_array_get_idx(cases, i);
		u8 cluster_key[32];
		u8 k_blk_want[32];

		memset(&in, 0, sizeof(in));
		unhex(str(c, "cluster_key"), cluster_key, sizeof(cluster_key));
		/* halo.ko's derivation (kernel/halo/api.c), here for the record */
		{
			static const char label[] = "halo derive v1";
			struct halo_kdf_buf parts[] = {
				{ .p = label, .len = sizeof(label) },
				{ .p = "halo_blk", .len = 8 },
			};

			ASSERT_EQ(0, ossl_hmac(NULL, cluster_key, 32, parts, 2, in.k_blk));
		}
		unhex(str(c, "k_blk"), k_blk_want, 32);
		EXPECT_EQ(0, memcmp(in.k_blk, k_blk_want, 32)) TH_LOG("case %zu k_blk", i);
		snprintf(in.name, sizeof(in.name), "%s", str(c, "name"));
		in.id_a = num(c, "id_a");
		in.id_b = num(c, "id_b");
		in.port = num(c, "port");
		in.key_gen = num(c, "key_gen");
		unhex(str(c, "t1"), in.t1, 32);
		unhex(str(c, "t2"), in.t2, 32);
		unhex(str(c, "th"), in.th, 32);
		unhex(str(c, "nonce_d"), in.nonce_d, 32);
		unhex(str(c, "nonce_l"), in.nonce_l, 32);
		ASSERT_EQ(0, schedule(&in, &out));
#define CHECK(field, got, len)						\
		do {							\
			unhex(str(c, field), want, sizeof(want));	\
			EXPECT_EQ(0, memcmp(got, want, len))		\
				TH_LOG("case %zu: %s", i, field);	\
		} while (0)
		CHECK("k_dev", out.k_dev, 32);
		CHECK("tag_l", out.tag_l, 32);
		CHECK("tag_d", out.tag_d, 32);
		CHECK("k_dl", out.s.k_dl, 32);
		CHECK("k_ld", out.s.k_ld, 32);
		CHECK("sid", out.s.sid, 16);
#undef CHECK
	}
	json_object_put(root);
}

static void base(struct inputs *in)
{
	size_t i;

	memset(in, 0, sizeof(*in));
	for (i = 0; i < 32; i++) {
		in->k_blk[i] = i;
		in->t1[i] = 0x10 + i;
		in->t2[i] = 0x20 + i;
		in->th[i] = 0x30 + i;
		in->nonce_d[i] = 0x40 + i;
		in->nonce_l[i] = 0x50 + i;
	}
	strcpy(in->name, "r0");
	in->id_a = 1;
	in->id_b = 2;
	in->port = 7789;
}

/* Which outputs one changed input must change; the rest must stay. */
enum { DEV = 1, TL = 2, TD = 4, SESS = 8 };

static void changes(struct __test_metadata *_metadata, const char *what,
		    void (*mutate)(struct inputs *), int must)
{
	struct outputs a, b;
	struct inputs in;

	base(&in);
	ASSERT_EQ(0, schedule(&in, &a));
	mutate(&in);
	ASSERT_EQ(0, schedule(&in, &b));
	EXPECT_EQ(!!(must & DEV), !!memcmp(a.k_dev, b.k_dev, 32)) TH_LOG("%s: k_dev", what);
	EXPECT_EQ(!!(must & TL), !!memcmp(a.tag_l, b.tag_l, 32)) TH_LOG("%s: tag_l", what);
	EXPECT_EQ(!!(must & TD), !!memcmp(a.tag_d, b.tag_d, 32)) TH_LOG("%s: tag_d", what);
	EXPECT_EQ(!!(must & SESS), !!memcmp(a.s.k_dl, b.s.k_dl, 32)) TH_LOG("%s: k_dl", what);
	EXPECT_EQ(!!(must & SESS), !!memcmp(a.s.k_ld, b.s.k_ld, 32)) TH_LOG("%s: k_ld", what);
	EXPECT_EQ(!!(must & SESS), !!memcmp(a.s.sid, b.s.sid, 16)) TH_LOG("%s: sid", what);
}

static void m_key(struct inputs *in) { in->k_blk[31] ^= 1; }
static void m_name(struct inputs *in) { strcpy(in->name, "r1"); }
static void m_name_pad(struct inputs *in) { strcpy(in->name, "r0\x01"); }
static void m_swap(struct inputs *in) { in->id_a = 2; in->id_b = 1; }
static void m_id(struct inputs *in) { in->id_b = 3; }
static void m_port(struct inputs *in) { in->port = 7790; }
static void m_t1(struct inputs *in) { in->t1[0] ^= 0x80; }
static void m_t2(struct inputs *in) { in->t2[31] ^= 1; }
static void m_th(struct inputs *in) { in->th[7] ^= 4; }
static void m_nd(struct inputs *in) { in->nonce_d[0] ^= 1; }
static void m_nl(struct inputs *in) { in->nonce_l[31] ^= 1; }
static void m_gen(struct inputs *in) { in->key_gen = 1; }

TEST(every_input_binds)
{
	changes(_metadata, "cluster key", m_key, DEV | TL | TD | SESS);
	changes(_metadata, "device name", m_name, DEV | TL | TD | SESS);
	changes(_metadata, "device name's padding", m_name_pad, DEV | TL | TD | SESS);
	changes(_metadata, "ids swapped", m_swap, 0);
	changes(_metadata, "a node id", m_id, DEV | TL | TD | SESS);
	changes(_metadata, "port", m_port, DEV | TL | TD | SESS);
	changes(_metadata, "AUTH_INIT", m_t1, TL);
	changes(_metadata, "AUTH_INIT and AUTH_CHALLENGE", m_t2, TD);
	changes(_metadata, "the handshake", m_th, SESS);
	changes(_metadata, "the dialler's nonce", m_nd, SESS);
	changes(_metadata, "the listener's nonce", m_nl, TL | SESS);
	changes(_metadata, "key generation", m_gen, TL);
}

TEST(directions_and_roles_differ)
{
	struct outputs o;
	struct inputs in;

	base(&in);
	memcpy(in.t2, in.t1, 32);	/* the same transcript hash for both tags */
	ASSERT_EQ(0, schedule(&in, &o));
	EXPECT_NE(0, memcmp(o.tag_l, o.tag_d, 32));
	EXPECT_NE(0, memcmp(o.s.k_dl, o.s.k_ld, 32));
	EXPECT_NE(0, memcmp(o.s.k_dl, o.k_dev, 32));
}

TEST(bad_names)
{
	u8 k[32] = {}, out[32];

	EXPECT_EQ(-EINVAL, halo_kdf_dev_key(&ops, k, "", 1, 2, 7789, out));
	EXPECT_EQ(-EINVAL, halo_kdf_dev_key(&ops, k, "0123456789abcdef0123456789abcdef",
					    1, 2, 7789, out));
	EXPECT_EQ(0, halo_kdf_dev_key(&ops, k, "0123456789abcdef0123456789abcde",
				      1, 2, 7789, out));
}

TEST_HARNESS_MAIN
