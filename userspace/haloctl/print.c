// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 */
#include "print.h"

#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>

#define DEPTH_MAX 16

static struct json_object *stack[DEPTH_MAX];
static int depth = -1;
static bool pretty;

void print_begin(bool json, bool pretty_json)
{
	pretty = pretty_json;
	depth = -1;
	if (json) {
		stack[0] = json_object_new_object();
		depth = 0;
	}
}

bool print_json(void)
{
	return depth >= 0;
}

void print_end(void)
{
	int flags = pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED :
			     JSON_C_TO_STRING_PLAIN;

	if (depth < 0)
		return;
	puts(json_object_to_json_string_ext(stack[0], flags));
	fflush(stdout);
	json_object_put(stack[0]);
	depth = -1;
}

static void add(const char *key, struct json_object *val)
{
	struct json_object *top = stack[depth];

	if (json_object_is_type(top, json_type_array))
		json_object_array_add(top, val);
	else
		json_object_object_add(top, key, val);
}

static void push(const char *key, struct json_object *val)
{
	if (depth < 0)
		return;
	add(key, val);
	if (depth + 1 < DEPTH_MAX)
		stack[++depth] = val;
}

void print_open_object(const char *key)
{
	if (depth >= 0)
		push(key, json_object_new_object());
}

void print_open_array(const char *key)
{
	if (depth >= 0)
		push(key, json_object_new_array());
}

void print_close_object(void)
{
	if (depth > 0)
		depth--;
}

void print_close_array(void)
{
	if (depth > 0)
		depth--;
}

void print_string(const char *key, const char *fmt, const char *val)
{
	if (depth >= 0)
		add(key, json_object_new_string(val));
	else if (fmt)
		printf(fmt, val);
}

void print_u64(const char *key, const char *fmt, uint64_t val)
{
	if (depth >= 0)
		add(key, json_object_new_uint64(val));
	else if (fmt)
		printf(fmt, val);
}

void print_bool(const char *key, const char *fmt, bool val)
{
	if (depth >= 0)
		add(key, json_object_new_boolean(val));
	else if (fmt)
		printf(fmt, val ? "yes" : "no");
}

void print_text(const char *fmt, ...)
{
	va_list ap;

	if (depth >= 0)
		return;
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
}
