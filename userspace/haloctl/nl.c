// SPDX-License-Identifier: GPL-2.0
/*
 * Copyright (C) 2026 The halo authors.
 */
#include "nl.h"
#include "haloctl.h"

#include <errno.h>
#include <linux/netlink.h>
#include <netlink/genl/ctrl.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/utsname.h>

#ifndef SOL_NETLINK
#define SOL_NETLINK 270
#endif

/*
 * The kernel asked modprobe for the family's alias before answering that
 * it has no such family: the module is not installed for this kernel, or
 * it failed to load.
 */
static void not_loaded(const char *module, const char *family)
{
	struct utsname u;

	if (uname(&u) < 0)
		strcpy(u.release, "?");
	errorf("the %s kernel module is not loaded and could not be loaded (no generic netlink family \"%s\"): is halo installed for kernel %s? ('dkms status halo' tells; 'modprobe %s' says why a load fails)",
	       module, family, u.release, module);
}

int halo_nl_open(struct halo_nl *nl, const char *family, unsigned int version)
{
	return halo_nl_open_module(nl, family, version, family);
}

int halo_nl_open_module(struct halo_nl *nl, const char *family, unsigned int version,
			const char *module)
{
	int one = 1;
	int ret;

	memset(nl, 0, sizeof(*nl));
	nl->name = family;
	nl->version = version;
	nl->sk = nl_socket_alloc();
	if (!nl->sk) {
		errorf("out of memory");
		return -ENOMEM;
	}
	ret = genl_connect(nl->sk);
	if (ret < 0) {
		errorf("cannot open a generic netlink socket: %s",
		       nl_geterror(ret));
		goto err;
	}
	/* Ask for the kernel's error text (extack) with every error. */
	setsockopt(nl_socket_get_fd(nl->sk), SOL_NETLINK, NETLINK_EXT_ACK,
		   &one, sizeof(one));

	nl->family = genl_ctrl_resolve(nl->sk, family);
	if (nl->family < 0) {
		if (nl->family == -NLE_OBJ_NOTFOUND)
			not_loaded(module, family);
		else
			errorf("cannot look up the \"%s\" netlink family: %s",
			       family, nl_geterror(nl->family));
		ret = -ENOENT;
		goto err;
	}
	return 0;
err:
	nl_socket_free(nl->sk);
	nl->sk = NULL;
	return ret;
}

void halo_nl_close(struct halo_nl *nl)
{
	if (nl->sk)
		nl_socket_free(nl->sk);
	nl->sk = NULL;
}

struct nl_msg *halo_nl_msg(struct halo_nl *nl, uint8_t cmd, int flags)
{
	struct nl_msg *msg = nlmsg_alloc();

	if (!msg)
		return NULL;
	if (!genlmsg_put(msg, NL_AUTO_PORT, NL_AUTO_SEQ, nl->family, 0,
			 flags | NLM_F_ACK, cmd, nl->version)) {
		nlmsg_free(msg);
		return NULL;
	}
	return msg;
}

struct request {
	const char *family;
	int (*cb)(struct nl_msg *msg, void *arg);
	void *arg;
	int err;
	int done;
	int quiet;	/* an error not to print */
};

static int on_valid(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;
	int ret;

	if (!req->cb)
		return NL_OK;
	ret = req->cb(msg, req->arg);
	if (ret < 0 && !req->err)
		req->err = ret;
	return NL_OK;
}

static int on_finish(struct nl_msg *msg, void *arg)
{
	struct request *req = arg;

	(void)msg;
	req->done = 1;
	return NL_STOP;
}

static struct nla_policy extack_policy[NLMSGERR_ATTR_MAX + 1] = {
	[NLMSGERR_ATTR_MSG] = { .type = NLA_STRING },
};

/* Print the kernel's extack message that follows the error, if any. */
static int on_error(struct sockaddr_nl *nla, struct nlmsgerr *e, void *arg)
{
	struct nlmsghdr *nlh = (struct nlmsghdr *)((char *)e - NLMSG_HDRLEN);
	struct nlattr *tb[NLMSGERR_ATTR_MAX + 1] = {};
	struct request *req = arg;
	const char *text = NULL;
	size_t off;

	(void)nla;
	req->err = e->error;
	req->done = 1;
	if (e->error && e->error == req->quiet)
		return NL_STOP;

	if (nlh->nlmsg_flags & NLM_F_ACK_TLVS) {
		off = sizeof(*e);
		if (!(nlh->nlmsg_flags & NLM_F_CAPPED))
			off += e->msg.nlmsg_len - NLMSG_HDRLEN;
		off = NLMSG_ALIGN(off);
		if (off + NLMSG_HDRLEN < nlh->nlmsg_len &&
		    nla_parse(tb, NLMSGERR_ATTR_MAX,
			      (struct nlattr *)((char *)e + off),
			      nlh->nlmsg_len - NLMSG_HDRLEN - off,
			      extack_policy) == 0 &&
		    tb[NLMSGERR_ATTR_MSG])
			text = nla_get_string(tb[NLMSGERR_ATTR_MSG]);
	}
	if (e->error == -EPERM && !text)
		errorf("%s (the %s family needs CAP_NET_ADMIN)", strerror(EPERM),
		       req->family);
	else if (text)
		errorf("%s (%s)", text, strerror(-e->error));
	else if (e->error)
		errorf("%s", strerror(-e->error));
	return NL_STOP;
}

int halo_nl_request(struct halo_nl *nl, struct nl_msg *msg,
		    int (*cb)(struct nl_msg *msg, void *arg), void *arg)
{
	return halo_nl_request_quiet(nl, msg, cb, arg, 0);
}

int halo_nl_request_quiet(struct halo_nl *nl, struct nl_msg *msg,
			  int (*cb)(struct nl_msg *msg, void *arg), void *arg,
			  int quiet)
{
	struct request req = { .family = nl->name, .cb = cb, .arg = arg,
			       .quiet = quiet };
	struct nl_cb *nlcb;
	int ret;

	nlcb = nl_cb_alloc(NL_CB_CUSTOM);
	if (!nlcb) {
		nlmsg_free(msg);
		errorf("out of memory");
		return -ENOMEM;
	}
	nl_cb_set(nlcb, NL_CB_VALID, NL_CB_CUSTOM, on_valid, &req);
	nl_cb_set(nlcb, NL_CB_FINISH, NL_CB_CUSTOM, on_finish, &req);
	nl_cb_set(nlcb, NL_CB_ACK, NL_CB_CUSTOM, on_finish, &req);
	nl_cb_err(nlcb, NL_CB_CUSTOM, on_error, &req);

	ret = nl_send_auto(nl->sk, msg);
	nlmsg_free(msg);
	if (ret < 0) {
		errorf("cannot send to the kernel: %s", nl_geterror(ret));
		nl_cb_put(nlcb);
		return -EIO;
	}
	while (!req.done) {
		ret = nl_recvmsgs(nl->sk, nlcb);
		if (ret < 0 && !req.done) {
			errorf("cannot read the kernel's answer: %s",
			       nl_geterror(ret));
			req.err = -EIO;
			break;
		}
	}
	nl_cb_put(nlcb);
	return req.err;
}
