/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 */
#ifndef HALOCTL_H
#define HALOCTL_H

#include <stdbool.h>
#include <stdint.h>

struct opts {
	bool json;
	bool pretty;
	const char *netns;
};

extern struct opts opts;

void errorf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* argv helpers in iproute2's style */
bool matches(const char *arg, const char *word);
bool parse_u32(const char *arg, uint32_t min, uint32_t max, uint32_t *out);
bool parse_rate(const char *arg, uint64_t *out);

/* Objects: each takes the words after the object name. */
int do_version(int argc, char **argv);
int do_module(int argc, char **argv);
int do_cluster(int argc, char **argv);
int do_node(int argc, char **argv);
int do_dev(int argc, char **argv);
int do_lb(int argc, char **argv);
int do_monitor(int argc, char **argv);

/* Largest key file accepted (the kernel's limit). */
#define HALO_KEY_FILE_MAX 4096

/* Printers shared between objects and monitor. */
struct nl_msg;
struct nlattr;
int print_cluster_msg(struct nl_msg *msg, bool *quorate);
struct halo_nl;
int print_cluster_problems(struct halo_nl *nl);
int print_node_msg(struct nl_msg *msg, void *arg);
int print_dev_msg(struct nl_msg *msg, void *arg);
int print_dev_line(struct nl_msg *msg);
int print_split_brain(struct nlattr *nest);
void print_io_error(struct nlattr **tb);
void print_fence(struct nlattr *nest);
void print_link(struct nlattr *nest);
const char *node_state_name(uint32_t state);

#endif /* HALOCTL_H */
