// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 *
 * haloctl: the command line over halo's generic netlink families, in
 * iproute2's grammar: haloctl [OPTIONS] OBJECT { COMMAND | help }.
 */
#define _GNU_SOURCE
#include "haloctl.h"
#include "../../kernel/halo/version.h"

#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define BATCH_ARGS_MAX	64

struct opts opts;

void errorf(const char *fmt, ...)
{
	va_list ap;

	fputs("haloctl: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: haloctl [OPTIONS] OBJECT { COMMAND | help }\n"
		"       haloctl [OPTIONS] version\n"
		"       haloctl help\n"
		"       haloctl [OPTIONS] monitor\n"
		"       haloctl [OPTIONS] -b[atch] FILE\n"
		"where  OBJECT  := { cluster | node | dev | lb | module }\n"
		"       OPTIONS := { -j[son] | -p[retty] | -n[etns] NAME |\n"
		"                    -V[ersion] | -h[elp] }\n"
		"\n"
		"  -j, -json     print JSON (keys are the netlink spec's attribute names)\n"
		"  -p, -pretty   indent JSON\n"
		"  -n, -netns    run in network namespace NAME (/run/netns/NAME or a path)\n"
		"  -b, -batch    run the commands in FILE (\"-\": standard input), one\n"
		"                per line, \"#\" starts a comment; stop at the first\n"
		"                that fails, naming its line\n"
		"\n"
		"Objects:\n"
		"  cluster       this namespace's cluster instance: create, destroy, show\n"
		"  node          the cluster's nodes: add, del, show, standby\n"
		"  dev           replicated block devices: create, destroy, primary,\n"
		"                secondary, connect, set, disconnect, verify, show\n"
		"  lb            IPVS services using ip_vs_halo's schedulers: show\n"
		"  monitor       the current state, then one line per event\n"
		"  module        the loaded halo module and this namespace's instance\n"
		"  version       print haloctl's and the halo module's versions\n");
}

static int enter_netns(const char *name)
{
	char path[4096];
	int fd;

	if (strchr(name, '/'))
		snprintf(path, sizeof(path), "%s", name);
	else
		snprintf(path, sizeof(path), "/run/netns/%s", name);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		errorf("cannot open network namespace \"%s\": %s", name,
		       strerror(errno));
		return -1;
	}
	if (setns(fd, CLONE_NEWNET) < 0) {
		errorf("cannot enter network namespace \"%s\": %s", name,
		       strerror(errno));
		close(fd);
		return -1;
	}
	close(fd);
	return 0;
}

static const struct {
	const char *name;
	int (*fn)(int argc, char **argv);
} objects[] = {
	{ "cluster", do_cluster },
	{ "node", do_node },
	{ "dev", do_dev },
	{ "lb", do_lb },
	{ "monitor", do_monitor },
	{ "module", do_module },
	{ "version", do_version },
};

static int run_command(int argc, char **argv)
{
	size_t i;

	for (i = 0; i < sizeof(objects) / sizeof(objects[0]); i++) {
		if (matches(argv[0], objects[i].name))
			return objects[i].fn(argc - 1, argv + 1);
	}
	errorf("unknown object \"%s\" (use cluster/node/dev/lb/monitor/module/version, or help)", argv[0]);
	return 1;
}

/*
 * -batch FILE: one command per line, words split at blanks, "#" to the end
 * of a line a comment, as ip -batch takes them (without its quoting). The
 * first command that fails ends the batch with its status.
 */
static int run_batch(const char *name)
{
	char *line = NULL, *argv[BATCH_ARGS_MAX + 1], *p;
	unsigned long lineno = 0;
	size_t cap = 0;
	int argc, ret = 0;
	FILE *f;

	f = strcmp(name, "-") ? fopen(name, "r") : stdin;
	if (!f) {
		errorf("cannot open batch file \"%s\": %s", name, strerror(errno));
		return 1;
	}
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		p = strchr(line, '#');
		if (p)
			*p = '\0';
		argc = 0;
		for (p = strtok(line, " \t\r\n"); p; p = strtok(NULL, " \t\r\n")) {
			if (argc == BATCH_ARGS_MAX) {
				errorf("%s:%lu: more than %d words", name, lineno,
				       BATCH_ARGS_MAX);
				ret = 1;
				goto out;
			}
			argv[argc++] = p;
		}
		if (!argc)
			continue;
		argv[argc] = NULL;
		if (matches(argv[0], "monitor")) {
			errorf("%s:%lu: monitor does not end: not in a batch", name,
			       lineno);
			ret = 1;
			goto out;
		}
		ret = run_command(argc, argv);
		fflush(stdout);
		if (ret) {
			errorf("%s:%lu: command failed", name, lineno);
			goto out;
		}
	}
	if (ferror(f)) {
		errorf("cannot read batch file \"%s\": %s", name, strerror(errno));
		ret = 1;
	}
out:
	free(line);
	if (f != stdin)
		fclose(f);
	return ret;
}

int main(int argc, char **argv)
{
	const char *opt, *batch = NULL;

	while (argc > 1 && argv[1][0] == '-') {
		opt = argv[1] + 1;
		if (opt[0] == '-')
			opt++;
		if (!strcmp(opt, "j") || matches(opt, "json")) {
			opts.json = true;
		} else if (!strcmp(opt, "p") || matches(opt, "pretty")) {
			opts.pretty = true;
		} else if (!strcmp(opt, "n") || matches(opt, "netns")) {
			if (argc < 3) {
				errorf("option -n needs a namespace name");
				return 1;
			}
			opts.netns = argv[2];
			argc--;
			argv++;
		} else if (!strcmp(opt, "b") || matches(opt, "batch")) {
			if (argc < 3) {
				errorf("option -b needs a file name (\"-\" for standard input)");
				return 1;
			}
			batch = argv[2];
			argc--;
			argv++;
		} else if (!strcmp(opt, "V") || matches(opt, "Version")) {
			printf("haloctl %s\n", HALO_VERSION);
			return 0;
		} else if (!strcmp(opt, "h") || matches(opt, "help")) {
			usage(stdout);
			return 0;
		} else {
			errorf("unknown option \"%s\" (use -j, -p, -n NETNS, -b FILE, -V, -h)",
			       argv[1]);
			return 1;
		}
		argc--;
		argv++;
	}
	if (batch && argc > 1) {
		errorf("-b takes its commands from the file, not \"%s\"", argv[1]);
		return 1;
	}
	if (!batch && argc < 2) {
		usage(stderr);
		return 1;
	}
	if (!batch && matches(argv[1], "help")) {
		usage(stdout);
		return 0;
	}
	if (opts.netns && enter_netns(opts.netns) < 0)
		return 1;
	if (batch)
		return run_batch(batch);
	return run_command(argc - 1, argv + 1);
}
