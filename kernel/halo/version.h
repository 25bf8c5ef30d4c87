/* SPDX-License-Identifier: GPL-2.0 */
/*
 * Copyright (C) 2026 The halo authors.
 *
 * The one place the release number is written: the modules, haloctl and
 * dkms.conf read it from here (make checks dkms.conf agrees).
 */
#ifndef _HALO_VERSION_H
#define _HALO_VERSION_H

#define HALO_VERSION "0.1.0"

#endif /* _HALO_VERSION_H */
