#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Write the seed corpus of fuzz-link: a 16-byte SpiceLinkHeader followed by
a SpiceLinkMess (or reply) body.  The first seed is spice-gtk 0.42's main
channel link as captured live (SPICE-NOTES 1.10); the others vary it,
including one example of each refusal.  Run from anywhere:
    tests/fuzz/gen-link-corpus.py [outdir]
"""
import os
import struct
import sys

MAGIC = b"REDQ"


def hdr(size, major=2, minor=2, magic=MAGIC):
    return magic + struct.pack("<III", major, minor, size)


def mess(conn, ctype, cid, common, channel, offset=18, gap=b"", tail=b"",
         ncommon=None, nchannel=None):
    nco = len(common) if ncommon is None else ncommon
    nch = len(channel) if nchannel is None else nchannel
    body = struct.pack("<IBBIII", conn, ctype, cid, nco, nch, offset)
    body += gap
    body += b"".join(struct.pack("<I", w) for w in common + channel)
    return body + tail


def link(body, **kw):
    return hdr(len(body), **kw) + body


def reply(common):
    body = struct.pack("<I", 0) + bytes([0x30, 0x81, 0x9f]) + bytes(159)
    body += struct.pack("<III", len(common), 0, 178)
    body += b"".join(struct.pack("<I", w) for w in common)
    return link(body)


SEEDS = {
    "live-gtk-main": link(mess(0, 1, 0, [0x0D], [0x0F])),
    "html5-main": link(mess(0, 1, 0, [0x09], [])),
    "gtk-display": link(mess(0x5EED1D, 2, 0, [0x0D], [0x1FF])),
    "gtk-inputs": link(mess(0x5EED1D, 3, 0, [0x0D], [])),
    "no-caps": link(mess(0, 1, 0, [], [])),
    "caps-gap": link(mess(0, 1, 0, [0x0D], [0x0F], offset=30,
                          gap=bytes(12))),
    "caps-trailing": link(mess(0, 1, 0, [0x0D], [0x0F], tail=b"\xff" * 5)),
    "many-caps": link(mess(7, 4, 1, [0x0D, 1, 2, 3, 4, 5],
                           [0xFFFFFFFF] * 6)),
    "bad-magic": link(mess(0, 1, 0, [0x0D], [0x0F]), magic=b"GET "),
    "major-1": link(mess(0, 1, 0, [0x0D], [0x0F]), major=1),
    "size-huge": hdr(1048576) + mess(0, 1, 0, [0x0D], [0x0F]),
    "offset-17": link(mess(0, 1, 0, [0x0D], [0x0F], offset=17)),
    "caps-overrun": link(mess(0, 1, 0, [0x0D], [0x0F], ncommon=2)),
    "count-1025": link(mess(0, 1, 0, [0x0D], [], ncommon=1025)),
    "reply-0b": reply([0x0B]),
}


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.join(
        os.path.dirname(os.path.abspath(__file__)), "corpus", "link")
    os.makedirs(out, exist_ok=True)
    for name, data in SEEDS.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
