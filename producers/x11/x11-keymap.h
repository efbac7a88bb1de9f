/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-keymap: SPICE keys (PC AT set 1 make codes, 0x80 | code for the
 * 0xE0-prefixed ones, as qxl-shm carries them) to Linux evdev key codes,
 * which X servers with evdev keycodes (Xorg, Xvfb) use plus 8.
 */
#ifndef X11_KEYMAP_H
#define X11_KEYMAP_H

#include <stdint.h>

/* The evdev code of key (0..0xff), or 0 for a key evdev has no code for. */
uint16_t	xk_evdev(uint32_t key);

#endif
