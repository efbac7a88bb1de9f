/* SPDX-License-Identifier: LGPL-2.1-or-later */
/*
 * script-draw: the drawables of script-producer (tests/tools) beyond FILL,
 * COPY and COPY_BITS, each a line of the script (RGB, ROPD and CODE in
 * hex; pictures pat(i, j, SEED) as in script-draw.c):
 *   ropfill X Y W H RGB ROPD      FILL of a colour with a ROP descriptor
 *   patfill X Y W H SEED PX PY ROPD
 *                                 FILL of an 8 x 8 pattern brush whose
 *                                 pixel 0,0 lies at PX,PY
 *   maskfill X Y W H RGB INV      FILL through a W x H 1-bit mask, bit
 *                                 (i, j) = ((i >> 2) ^ (j >> 2)) & 1, INV
 *                                 1 for SPICE_MASK_FLAGS_INVERS
 *   ropcopy X Y W H SEED ROPD     COPY of a W x H source (SEED) with a ROP
 *                                 descriptor
 *   scaled X Y W H SW SH SEED MODE [ROPD]
 *                                 COPY of an SW x SH source (SEED)
 *                                 stretched over W x H, scale mode MODE
 *                                 (0 interpolate, 1 nearest), ROP
 *                                 descriptor ROPD (OP_PUT)
 *   scaledpart X Y W H PW PH SEED MODE SX SY SW SH ICON
 *                                 COPY of the SW x SH area at SX,SY of a
 *                                 PW x PH source stretched over W x H,
 *                                 scale mode MODE; the source pat(i, j,
 *                                 SEED), or with ICON 1 alphaicon's RGBA
 *                                 source, with 2 script-producer's photo
 *                                 of SEED
 *   rop3solid X Y W H CODE SEED RGB
 *                                 ROP3 of a W x H source (SEED) and a
 *                                 solid brush of colour RGB
 *   rop3 X Y W H CODE SEED [PX PY]
 *                                 ROP3 of a W x H source (SEED) and an
 *                                 8 x 8 pattern brush (SEED + 1) at PX,PY
 *                                 (0,0)
 *   opaque X Y W H SEED RGB ROPD  OPAQUE of a source (SEED) and a colour
 *   patopaque X Y W H SEED ROPD PX PY
 *                                 OPAQUE of a source (SEED) and rop's
 *                                 pattern brush
 *   transparent X Y W H SEED RGB [SW SH]
 *                                 TRANSPARENT of a source (SEED) that is
 *                                 RGB, the key, where (i + j) % 3 == 0;
 *                                 SW x SH stretched over W x H (W x H)
 *   alphablend X Y W H SEED A     ALPHA_BLEND of a source with alpha A
 *   alphaicon X Y W H SEED A [SW SH]
 *                                 ALPHA_BLEND of an RGBA source: alpha
 *                                 (37 i + 23 j) & 255, each colour
 *                                 channel of pat(i, j, SEED) times it /
 *                                 255 (premultiplied), overall alpha A;
 *                                 SW x SH stretched over W x H (W x H)
 *   alphaphoto X Y W H SEED A [SW SH]
 *                                 the same of a photograph: alpha
 *                                 96 + 159 (i + j) / (SW + SH), colour
 *                                 script-producer's photo of SEED
 *   composite X Y W H SEED        COMPOSITE (SRC) of a W/2 x H/2 source
 *                                 scaled 2x by its transform, nearest
 *   compositemask X Y W H SEED OP COMPOSITE with operator OP (pixman's
 *                                 number) of alphaicon's W x H source
 *                                 through a W x H 8BIT_A mask of value
 *                                 (8 i + 4 j) & 255, no transform
 *   compositexf X Y W H SW SH SEED FILTER MASKXF T0 T1 T2 T3 T4 T5
 *                                 COMPOSITE OVER of alphaicon's SW x SH
 *                                 source under the 16.16 transform T0..T5
 *                                 (decimal), filter FILTER (0 nearest, 1
 *                                 bilinear), through compositemask's mask:
 *                                 W x H untransformed, or (MASKXF 1) SW x
 *                                 SH under the same transform and filter
 *   compositetext X Y W H RGB     COMPOSITE OVER of a 1x1 source of colour
 *                                 RGB (opaque), repeated, through that
 *                                 mask: anti-aliased text as X drivers
 *                                 draw it
 *   compressed quic|lz|jpeg X Y W H SEED
 *                                 COPY of a W x H picture (SEED; for
 *                                 JPEG at quality 90, script-producer's
 *                                 photo of SEED) the producer compressed
 *                                 with spiced's encoders
 *   palette X Y W H               COPY of an 8-bit bitmap, index
 *                                 (i + 2 j) % 5 into red, green, blue,
 *                                 white, grey
 *   text X Y RGB | text4 X Y RGB | text8 X Y RGB
 *                                 TEXT of 3 glyphs 10 (A1), 9 (A4) or 8
 *                                 (A8) x 12 on baseline Y, 2 pixels
 *                                 apart, from X: A1 bit (i, j) = (i j + i
 *                                 + 2 j) % 3 == 0, A4 value (i + 2 j + 5
 *                                 k) & 15 (rows top-down), A8 value (16 i
 *                                 + 8 j + 40 k) & 255
 *   textback X Y RGB BACK         text (A1) over its box put in BACK
 *   stroke RGB X0 Y0 X1 Y1 ...    STROKE of an open polyline
 *   ropstroke RGB ROPD X0 Y0 X1 Y1 ...
 *                                 the same with the ROP descriptor ROPD
 *   dashstroke RGB ROPD ON OFF X0 Y0 X1 Y1 ...
 *                                 the same dashed (STYLED): ON pixels
 *                                 drawn, OFF not, running on along it
 *   bezier RGB ROPD X0 Y0 X1 Y1 ...
 *                                 STROKE of Bezier curves from X0,Y0
 *                                 (three points a curve: two control
 *                                 points, its end)
 *   surface ID W H SEED [argb]    CREATE off-screen surface ID (1..7) of
 *                                 W x H holding pat(i, j, SEED) (argb: an
 *                                 ARGB one, alpha 0x80, each channel times
 *                                 0x80 / 255)
 *   surfdestroy ID                DESTROY it
 *   target ID                     draw what follows on surface ID (0: the
 *                                 primary), here and in script-producer
 *   surfcopy ID SX SY SW SH X Y W H [MODE [ROPD [CX CY CW CH]]]
 *                                 COPY of the SW x SH area at SX,SY of
 *                                 surface ID onto X,Y,W,H, scale mode
 *                                 MODE (1 nearest), ROP descriptor ROPD
 *                                 (OP_PUT), clipped to the rectangle
 *                                 CX,CY,CW,CH (none)
 *   surfkey ID SX SY SW SH X Y W H RGB
 *                                 TRANSPARENT from the same area, key RGB
 *   surfalpha ID SX SY SW SH X Y W H A [FLAGS]
 *                                 ALPHA_BLEND from it with alpha A and
 *                                 alpha_flags FLAGS (0; 2: the source
 *                                 surface's alpha counts)
 *   blackness|whiteness|invers X Y W H
 *   badtext X Y                   TEXT whose glyph claims 64 bytes of
 *                                 bits and has 4 (a producer fault)
 */
#ifndef SPICED_SCRIPT_DRAW_H
#define SPICED_SCRIPT_DRAW_H

struct qxlshm;

/* Push the drawable line names: 0 pushed, -1 failed, 1 not ours. */
int	script_draw(struct qxlshm *, const char *line);
/* The surface drawn on (target's; 0 at first). */
uint32_t script_draw_target(void);

#endif
