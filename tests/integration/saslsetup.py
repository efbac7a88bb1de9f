# SPDX-License-Identifier: LGPL-2.1-or-later
"""saslsetup: a throwaway cyrus-sasl configuration for a test's spiced.

make_sasldb() writes a sasldb with the given users (saslpasswd2) and a
config directory holding APPNAME.conf that points cyrus at it; spiced
reads it through the global keys sasl-appname and sasl-config-dir.

spice-gtk 0.42 answers cyrus' prompts from the session: the user name
from its "username" property, the password from "password"
(spice_client.connect(username=..., password=...)).
"""

import os
import shutil
import subprocess

import common

APPNAME = "spiced-test"
REALM = "SPICETEST"


def need(*binaries):
    for b in binaries:
        if shutil.which(b) is None:
            raise common.SkipTest("%s not installed (Debian package sasl2-bin)" % b)


def make_sasldb(base, users, mechs="DIGEST-MD5 SCRAM-SHA-256", appname=APPNAME,
                realm=REALM):
    """users: {name: password}.  Returns the config directory."""
    need("saslpasswd2")
    confdir = os.path.join(base, "sasl2")
    os.makedirs(confdir, exist_ok=True)
    db = os.path.join(base, "sasldb2")
    for user, password in users.items():
        subprocess.run(["saslpasswd2", "-f", db, "-a", appname, "-u", realm,
                        "-p", "-c", user], input=password.encode(), check=True)
    with open(os.path.join(confdir, appname + ".conf"), "w") as f:
        f.write("pwcheck_method: auxprop\n"
                "auxprop_plugin: sasldb\n"
                "sasldb_path: %s\n"
                "mech_list: %s\n" % (db, mechs))
    return confdir


def global_lines(confdir, appname=APPNAME):
    return "sasl-appname = %s\nsasl-config-dir = %s" % (appname, confdir)
