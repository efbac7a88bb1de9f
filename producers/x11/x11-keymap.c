/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * x11-keymap: set 1 scan codes to evdev codes.  Codes 0x01..0x58 are the
 * same number in both (Esc is 1 ... F12 is 88); above them and for the
 * 0xE0 keys the table below says, with names from linux/input-event-codes.h.
 */
#include <stddef.h>

#include "x11-keymap.h"

static const struct {
	uint8_t		key;	/* qxl-shm key */
	uint16_t	evdev;
} xk_table[] = {
	{ 0x54, 99 },	/* Alt+SysRq: KEY_SYSRQ */
	{ 0x59, 117 },	/* KEY_KPEQUAL */
	{ 0x5c, 95 },	/* KEY_KPJPCOMMA */
	{ 0x64, 183 },	/* KEY_F13 */
	{ 0x65, 184 },	/* KEY_F14 */
	{ 0x66, 185 },	/* KEY_F15 */
	{ 0x67, 186 },	/* KEY_F16 */
	{ 0x68, 187 },	/* KEY_F17 */
	{ 0x69, 188 },	/* KEY_F18 */
	{ 0x6a, 189 },	/* KEY_F19 */
	{ 0x6b, 190 },	/* KEY_F20 */
	{ 0x6c, 191 },	/* KEY_F21 */
	{ 0x6d, 192 },	/* KEY_F22 */
	{ 0x6e, 193 },	/* KEY_F23 */
	{ 0x70, 93 },	/* KEY_KATAKANAHIRAGANA */
	{ 0x73, 89 },	/* KEY_RO */
	{ 0x76, 194 },	/* KEY_F24 */
	{ 0x77, 90 },	/* KEY_KATAKANA */
	{ 0x78, 91 },	/* KEY_HIRAGANA */
	{ 0x79, 92 },	/* KEY_HENKAN */
	{ 0x7b, 94 },	/* KEY_MUHENKAN */
	{ 0x7d, 124 },	/* KEY_YEN */
	{ 0x7e, 121 },	/* KEY_KPCOMMA */
	{ 0x90, 165 },	/* E0 10 KEY_PREVIOUSSONG */
	{ 0x99, 163 },	/* E0 19 KEY_NEXTSONG */
	{ 0x9c, 96 },	/* E0 1C KEY_KPENTER */
	{ 0x9d, 97 },	/* E0 1D KEY_RIGHTCTRL */
	{ 0xa0, 113 },	/* E0 20 KEY_MUTE */
	{ 0xa1, 140 },	/* E0 21 KEY_CALC */
	{ 0xa2, 164 },	/* E0 22 KEY_PLAYPAUSE */
	{ 0xa4, 166 },	/* E0 24 KEY_STOPCD */
	{ 0xae, 114 },	/* E0 2E KEY_VOLUMEDOWN */
	{ 0xb0, 115 },	/* E0 30 KEY_VOLUMEUP */
	{ 0xb2, 172 },	/* E0 32 KEY_HOMEPAGE */
	{ 0xb5, 98 },	/* E0 35 KEY_KPSLASH */
	{ 0xb7, 99 },	/* E0 37 KEY_SYSRQ (Print Screen) */
	{ 0xb8, 100 },	/* E0 38 KEY_RIGHTALT */
	{ 0xc6, 119 },	/* E0 46 KEY_PAUSE (Ctrl+Break; Pause itself) */
	{ 0xc7, 102 },	/* E0 47 KEY_HOME */
	{ 0xc8, 103 },	/* E0 48 KEY_UP */
	{ 0xc9, 104 },	/* E0 49 KEY_PAGEUP */
	{ 0xcb, 105 },	/* E0 4B KEY_LEFT */
	{ 0xcd, 106 },	/* E0 4D KEY_RIGHT */
	{ 0xcf, 107 },	/* E0 4F KEY_END */
	{ 0xd0, 108 },	/* E0 50 KEY_DOWN */
	{ 0xd1, 109 },	/* E0 51 KEY_PAGEDOWN */
	{ 0xd2, 110 },	/* E0 52 KEY_INSERT */
	{ 0xd3, 111 },	/* E0 53 KEY_DELETE */
	{ 0xdb, 125 },	/* E0 5B KEY_LEFTMETA */
	{ 0xdc, 126 },	/* E0 5C KEY_RIGHTMETA */
	{ 0xdd, 127 },	/* E0 5D KEY_COMPOSE (Menu) */
	{ 0xde, 116 },	/* E0 5E KEY_POWER */
	{ 0xdf, 142 },	/* E0 5F KEY_SLEEP */
	{ 0xe3, 143 },	/* E0 63 KEY_WAKEUP */
	{ 0xe5, 217 },	/* E0 65 KEY_SEARCH */
	{ 0xe6, 156 },	/* E0 66 KEY_BOOKMARKS */
	{ 0xe7, 173 },	/* E0 67 KEY_REFRESH */
	{ 0xe8, 128 },	/* E0 68 KEY_STOP */
	{ 0xe9, 159 },	/* E0 69 KEY_FORWARD */
	{ 0xea, 158 },	/* E0 6A KEY_BACK */
	{ 0xeb, 157 },	/* E0 6B KEY_COMPUTER */
	{ 0xec, 155 },	/* E0 6C KEY_MAIL */
	{ 0xed, 226 },	/* E0 6D KEY_MEDIA */
};

uint16_t
xk_evdev(uint32_t key)
{
	size_t i;

	if (key >= 0x01 && key <= 0x58)
		return (uint16_t)key;
	for (i = 0; i < sizeof(xk_table) / sizeof(xk_table[0]); i++)
		if (xk_table[i].key == key)
			return xk_table[i].evdev;
	return 0;
}
