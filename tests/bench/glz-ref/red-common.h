/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * What libspice-server's glz-encoder.h wants of its red-common.h, so that
 * the GLZ benchmark can build glz-encoder.c and glz-encoder-dict.c alone
 * (nothing of spiced includes this).
 */
#ifndef SPICED_BENCH_RED_COMMON_H
#define SPICED_BENCH_RED_COMMON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <spice/macros.h>

#endif
