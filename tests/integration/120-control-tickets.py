#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Tickets at run time through spicectl: a ticket set with set-ticket
links (rawlink and the real spice-gtk client) and replaces the old
password; with --expires-in it is refused with PERMISSION_DENIED once it
expired; expire-ticket refuses it at once; --expires-at in the past and in
the future; the password never reaches the log; unknown displays and
over-long passwords are errors."""

import os
import time

import common
import rawlink
import spice_client
from common import check

DENIED = 7


def link(sp, password):
    return rawlink.link(sp.port, password)[0]


def set_ticket(sp, password, *opts):
    r = sp.spicectl("set-ticket", sp.name, *opts, input=password + "\n")
    check(r.returncode == 0, "set-ticket %s: rc %d, %s" % (opts, r.returncode, r.stderr))
    return r


def main():
    sp = common.Spiced(password="old pw")
    check(link(sp, "old pw") == 0, "configured password refused")

    # A new ticket replaces the old one at once.
    set_ticket(sp, "fresh ticket 1")
    check(link(sp, "old pw") == DENIED, "old password still accepted after set-ticket")
    check(link(sp, "fresh ticket 1") == 0, "ticket set through spicectl refused")
    c = spice_client.connect(port=sp.port, password="fresh ticket 1")
    check(c.wait_link_result(10) is None, "spice-gtk refused with the new ticket")
    c.disconnect()

    # --expires-in 2: good now, PERMISSION_DENIED after it expired.
    r = set_ticket(sp, "short lived", "--expires-in", "2")
    check("expires" in r.stdout, "set-ticket output names the expiry: %r" % r.stdout)
    t0 = time.time()
    check(link(sp, "short lived") == 0, "fresh --expires-in 2 ticket refused")
    mark = sp.log_mark()
    time.sleep(max(0, t0 + 3.1 - time.time()))
    check(link(sp, "short lived") == DENIED, "ticket accepted after it expired")
    sp.wait_log(r"refused: ticket expired", 5, mark)

    # expire-ticket: refused at once.
    set_ticket(sp, "until expired")
    check(link(sp, "until expired") == 0, "ticket refused before expire-ticket")
    r = sp.spicectl("expire-ticket", sp.name)
    check(r.returncode == 0, "expire-ticket failed: %s" % r.stderr)
    check(link(sp, "until expired") == DENIED, "ticket accepted after expire-ticket")

    # --expires-at: in the past refused, in the future accepted; and the
    # date form.
    set_ticket(sp, "at ticket", "--expires-at", str(int(time.time()) - 10))
    check(link(sp, "at ticket") == DENIED, "ticket with a past --expires-at accepted")
    set_ticket(sp, "at ticket", "--expires-at", "@%d" % (int(time.time()) + 3600))
    check(link(sp, "at ticket") == 0, "ticket with a future --expires-at refused")
    set_ticket(sp, "at ticket", "--expires-at", "2999-01-01 00:00:00Z")
    check(link(sp, "at ticket") == 0, "ticket with a date --expires-at refused")
    listing = sp.list_json()["displays"][0]
    check(listing["ticket"] == "set" and listing["expires"] == 32472144000,
          "list shows the ticket and its expiry: %r" % listing)

    # --password-file, and the 60-byte limit.
    pwfile = os.path.join(sp.dir, "pw")
    with open(pwfile, "w") as f:
        f.write("x" * 60 + "\n")
    r = sp.spicectl("set-ticket", sp.name, "--password-file", pwfile)
    check(r.returncode == 0, "60-byte password from a file refused: %s" % r.stderr)
    check(link(sp, "x" * 60) == 0, "60-byte ticket refused")
    r = sp.spicectl("set-ticket", sp.name, input="y" * 61 + "\n")
    check(r.returncode != 0 and "60" in r.stderr, "61-byte password: %r" % r.stderr)
    check(link(sp, "x" * 60) == 0, "a refused set-ticket changed the ticket")

    # Errors: unknown display, bad options.
    r = sp.spicectl("set-ticket", "nosuch", input="pw\n")
    check(r.returncode == 1 and 'no display "nosuch"' in r.stderr, "unknown display: %r" % r.stderr)
    r = sp.spicectl("expire-ticket", "nosuch")
    check(r.returncode == 1, "expire-ticket of an unknown display succeeded")
    r = sp.spicectl("set-ticket", sp.name, "--expires-in", "soon", input="pw\n")
    check(r.returncode == 2, "--expires-in soon: rc %d" % r.returncode)

    # Passwords never reach the log.
    log = sp.log_text()
    for pw in ("fresh ticket 1", "short lived", "until expired", "at ticket", "x" * 60):
        check(pw not in log, "password %r in the log" % pw)
    sp.wait_log(r"ticket set by control client uid", 1)
    check(sp.alive(), "spiced died")


common.run(main)
