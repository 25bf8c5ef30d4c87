/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef HALOCTL_H
#define HALOCTL_H

#include <stdbool.h>

struct opts {
	bool json;
	bool pretty;
	const char *netns;
};

extern struct opts opts;

void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* argv helpers in iproute2's style */
bool matches(const char *arg, const char *word);

/* Objects: each takes the words after the object name. */
int do_version(int argc, char **argv);
int do_module(int argc, char **argv);

#endif /* HALOCTL_H */
