/* SPDX-License-Identifier: LGPL-2.1-or-later */
/* spice-common's quic.c includes <config.h>; it needs nothing from it. */
