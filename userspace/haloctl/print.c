// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 */
#include "print.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>

static struct json_object *root;
static bool pretty;

void print_begin(bool json, bool pretty_json)
{
	pretty = pretty_json;
	root = json ? json_object_new_object() : NULL;
}

void print_end(void)
{
	int flags = pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			     JSON_C_TO_STRING_PLAIN;

	if (!root)
		return;
	puts(json_object_to_json_string_ext(root, flags));
	json_object_put(root);
	root = NULL;
}

void print_string(const char *key, const char *fmt, const char *val)
{
	if (root)
		json_object_object_add(root, key, json_object_new_string(val));
	else
		printf(fmt, val);
}

void print_u64(const char *key, const char *fmt, uint64_t val)
{
	if (root)
		json_object_object_add(root, key,
				       json_object_new_uint64(val));
	else
		printf(fmt, val);
}

void print_bool(const char *key, const char *fmt, bool val)
{
	if (root)
		json_object_object_add(root, key, json_object_new_boolean(val));
	else
		printf(fmt, val ? "yes" : "no");
}
