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
