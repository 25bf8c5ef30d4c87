// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * Argument helpers with no I/O, so the unit lane can test them.
 */
#include "haloctl.h"

#include <string.h>

/* iproute2 semantics: @arg is a non-empty prefix of @word. */
bool matches(const char *arg, const char *word)
{
	size_t len = strlen(arg);

	return len && len <= strlen(word) && !strncmp(arg, word, len);
}
