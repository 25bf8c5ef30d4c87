/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * One code path prints text and JSON, as iproute2's print_*() do: each
 * call names the JSON key (the YAML spec's attribute name) and the text
 * format. With -j the values collect in a json-c object printed at the end.
 * Inside an array the key is ignored. Text formats that are NULL print
 * nothing.
 */
#ifndef HALOCTL_PRINT_H
#define HALOCTL_PRINT_H

#include <stdbool.h>
#include <stdint.h>

void print_begin(bool json, bool pretty);
void print_end(void);
bool print_json(void);
void print_string(const char *key, const char *fmt, const char *val);
void print_u64(const char *key, const char *fmt, uint64_t val);
void print_bool(const char *key, const char *fmt, bool val);
void print_open_object(const char *key);
void print_close_object(void);
void print_open_array(const char *key);
void print_close_array(void);
/* Text only: ignored in JSON. */
void print_text(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif /* HALOCTL_PRINT_H */
