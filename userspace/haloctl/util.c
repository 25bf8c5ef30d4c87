// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Argument helpers with no I/O, so the unit lane can test them.
 */
#include "haloctl.h"

#include <stdint.h>
#include <string.h>

/* iproute2 semantics: @arg is a non-empty prefix of @word. */
bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}

/*
 * Parse @arg as a decimal number in [@min, @max]. Returns false (and
 * leaves @out alone) for anything else: empty, signs, junk, overflow.
 */
bool parse_u32(const char *arg, uint32_t min, uint32_t max, uint32_t *out)
{
	unsigned long long v = 0;
	const char *p = arg;

	if (!*p)
		return false;
	for (; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > max)
			return false;
	}
	if (v < min)
		return false;
	*out = (uint32_t)v;
	return true;
}

/*
 * Parse @arg as bytes per second: a decimal number with an optional K, M
 * or G (powers of 1024, either case), as DRBD's rates. "0" is zero.
 * Returns false (and leaves @out alone) for anything else or above 1 PiB/s.
 */
bool parse_rate(const char *arg, uint64_t *out)
{
	static const char units[] = "kmg";
	unsigned long long v = 0;
	const char *p = arg, *u;

	if (*p < '0' || *p > '9')
		return false;
	for (; *p >= '0' && *p <= '9'; p++) {
		v = v * 10 + (unsigned int)(*p - '0');
		if (v > 1ULL << 50)
			return false;
	}
	if (*p) {
		u = p[1] ? NULL : strchr(units, *p | 0x20);
		if (!u || !*u || v > (1ULL << 50) >> (10 * (u - units + 1)))
			return false;
		v <<= 10 * (u - units + 1);
	}
	*out = v;
	return true;
}
