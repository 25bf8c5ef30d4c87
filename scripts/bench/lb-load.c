// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The two ends of scripts/bench/lb: a server that answers each TCP
 * connection with its name and closes it, and a client that keeps CONC
 * connections in flight to a virtual service for SECS seconds, each from
 * the next of its source addresses, and counts who answered. With RATE,
 * it starts RATE connections a second whatever becomes of them (open
 * loop, at most CONC in flight), so one server that does not answer
 * cannot stall the others' share.
 *
 *   lb-load serve ADDR PORT NAME
 *   lb-load run VIP PORT SECS CONC TIMEOUT_MS RATE|0 LOG|- SRC...
 *
 * run prints one JSON object: {"secs", "ok", "failed", "conns_per_s",
 * "by_server": {NAME: count}}. With LOG, it also writes one line per
 * connection, "START NAME": START the wall-clock time it was started at
 * (Unix time in ms), NAME "-" when it failed or timed out.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONC	256
#define MAX_NAMES	16

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static double unix_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static int die(const char *what)
{
	perror(what);
	exit(2);
}

static void addr_of(const char *ip, int port, struct sockaddr_in *a)
{
	memset(a, 0, sizeof(*a));
	a->sin_family = AF_INET;
	a->sin_port = htons(port);
	if (inet_pton(AF_INET, ip, &a->sin_addr) != 1) {
		fprintf(stderr, "lb-load: not an IPv4 address: %s\n", ip);
		exit(2);
	}
}

static int serve(const char *ip, int port, const char *name)
{
	struct sockaddr_in a;
	size_t len = strlen(name);
	char msg[64];
	int one = 1, s, c;

	if (len + 1 > sizeof(msg))
		return die("name too long");
	memcpy(msg, name, len);
	msg[len++] = '\n';
	addr_of(ip, port, &a);
	s = socket(AF_INET, SOCK_STREAM, 0);
	if (s < 0 || setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(s, (struct sockaddr *)&a, sizeof(a)) || listen(s, 4096))
		return die("listen");
	for (;;) {
		c = accept(s, NULL, NULL);
		if (c < 0)
			continue;
		/* a client that went already: nothing to do */
		(void)!write(c, msg, len);
		close(c);
	}
}

struct slot {
	int fd;
	double start;
	double start_unix;
	char buf[64];
	size_t got;
};

static char names[MAX_NAMES][64];
static long by_name[MAX_NAMES];
static int n_names;

static void count(const char *name)
{
	int i;

	for (i = 0; i < n_names; i++)
		if (!strcmp(names[i], name))
			break;
	if (i == n_names) {
		if (n_names == MAX_NAMES)
			return;
		snprintf(names[n_names++], sizeof(names[0]), "%s", name);
	}
	by_name[i]++;
}

int main(int argc, char **argv)
{
	struct slot slot[MAX_CONC];
	struct sockaddr_in vip, *src;
	struct epoll_event ev, evs[MAX_CONC];
	long ok = 0, failed = 0, next_src = 0;
	double t0, end, timeout, rate, next_start;
	int conc, n_src, ep, i, n;
	FILE *log = NULL;

	signal(SIGPIPE, SIG_IGN);
	if (argc == 5 && !strcmp(argv[1], "serve"))
		return serve(argv[2], atoi(argv[3]), argv[4]);
	if (argc < 10 || strcmp(argv[1], "run")) {
		fprintf(stderr, "usage: lb-load serve ADDR PORT NAME\n"
			"       lb-load run VIP PORT SECS CONC TIMEOUT_MS RATE|0 LOG|- SRC...\n");
		return 2;
	}
	addr_of(argv[2], atoi(argv[3]), &vip);
	conc = atoi(argv[5]);
	if (conc < 1 || conc > MAX_CONC)
		return die("CONC 1-256");
	timeout = atof(argv[6]);
	rate = atof(argv[7]);
	if (strcmp(argv[8], "-")) {
		log = fopen(argv[8], "w");
		if (!log)
			return die(argv[8]);
	}
	n_src = argc - 9;
	src = calloc(n_src, sizeof(*src));
	if (!src)
		return die("calloc");
	for (i = 0; i < n_src; i++)
		addr_of(argv[9 + i], 0, &src[i]);
	ep = epoll_create1(0);
	if (ep < 0)
		return die("epoll");

	t0 = now_ms();
	end = t0 + atof(argv[4]) * 1e3;
	next_start = t0;
	for (i = 0; i < conc; i++)
		slot[i].fd = -1;
	for (;;) {
		double t = now_ms();
		int live = 0;

		for (i = 0; i < conc; i++) {
			struct slot *sl = &slot[i];

			if (sl->fd >= 0 && t - sl->start > timeout) {
				close(sl->fd);
				sl->fd = -1;
				failed++;
				if (log)
					fprintf(log, "%.1f -\n", sl->start_unix);
			}
			if (sl->fd < 0 && t < end && (!rate || t >= next_start)) {
				int one = 1;

				next_start += rate ? 1e3 / rate : 0;
				sl->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
				if (sl->fd < 0)
					return die("socket");
				setsockopt(sl->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
				if (bind(sl->fd, (struct sockaddr *)&src[next_src++ % n_src],
					 sizeof(src[0])))
					return die("bind");
				sl->start = now_ms();
				sl->start_unix = unix_ms();
				sl->got = 0;
				if (connect(sl->fd, (struct sockaddr *)&vip, sizeof(vip)) &&
				    errno != EINPROGRESS)
					return die("connect");
				ev.events = EPOLLIN | EPOLLRDHUP;
				ev.data.u32 = i;
				if (epoll_ctl(ep, EPOLL_CTL_ADD, sl->fd, &ev))
					return die("epoll_ctl");
			}
			live += sl->fd >= 0;
		}
		if (!live && t >= end)
			break;
		n = epoll_wait(ep, evs, MAX_CONC, rate ? 1 : 5);
		for (i = 0; i < n; i++) {
			struct slot *sl = &slot[evs[i].data.u32];
			ssize_t r;
			char *nl;

			if (sl->fd < 0)
				continue;
			r = read(sl->fd, sl->buf + sl->got, sizeof(sl->buf) - 1 - sl->got);
			if (r < 0 && errno == EAGAIN)
				continue;
			if (r > 0)
				sl->got += r;
			sl->buf[sl->got] = 0;
			nl = strchr(sl->buf, '\n');
			if (!nl && r > 0 && sl->got < sizeof(sl->buf) - 1)
				continue;
			if (nl) {
				*nl = 0;
				count(sl->buf);
				ok++;
			} else {
				failed++;
			}
			if (log)
				fprintf(log, "%.1f %s\n", sl->start_unix, nl ? sl->buf : "-");
			close(sl->fd);
			sl->fd = -1;
		}
	}
	t0 = (now_ms() - t0) / 1e3;
	printf("{\"secs\": %.3f, \"ok\": %ld, \"failed\": %ld, \"conns_per_s\": %.1f, \"by_server\": {",
	       t0, ok, failed, ok / t0);
	for (i = 0; i < n_names; i++)
		printf("%s\"%s\": %ld", i ? ", " : "", names[i], by_name[i]);
	printf("}}\n");
	if (log)
		fclose(log);
	return 0;
}
