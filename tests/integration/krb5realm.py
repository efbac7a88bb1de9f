# SPDX-License-Identifier: LGPL-2.1-or-later
"""krb5realm: a throwaway MIT Kerberos realm on loopback for one test.

    realm = krb5realm.Realm(base)           # KDC database, principals
    realm.add_user("alice", "pw")
    keytab = realm.add_service("spice/localhost")
    realm.start()                           # krb5kdc -n on a free port
    ccache = realm.kinit("alice", "pw")     # FILE: ccache
    ...
    realm.stop()                            # also at exit (common._procs)

Everything lives in the test's temporary directory: krb5.conf and
kdc.conf (KRB5_CONFIG, KRB5_KDC_PROFILE), the database, the stash, the
keytab, the ccaches and the KDC log.  No DNS: rdns and hostname
canonicalisation are off, so the service principal is exactly
SERVICE/HOST as the client names the host.
"""

import os
import shutil
import subprocess

import common

REALM = "SPICED.TEST"
BINARIES = {"kdb5_util": "krb5-kdc", "krb5kdc": "krb5-kdc",
            "kadmin.local": "krb5-admin-server", "kinit": "krb5-user"}


def _which(name):
    for d in ("/usr/sbin", "/usr/bin", "/sbin", "/bin"):
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    return shutil.which(name)


class Realm:
    def __init__(self, base):
        self.bin = {}
        for name, pkg in BINARIES.items():
            p = _which(name)
            if p is None:
                raise common.SkipTest("%s not installed (Debian package %s)" % (name, pkg))
            self.bin[name] = p
        self.dir = os.path.join(base, "krb5")
        os.makedirs(self.dir)
        self.port = common.free_port()
        self.krb5_conf = os.path.join(self.dir, "krb5.conf")
        self.kdc_conf = os.path.join(self.dir, "kdc.conf")
        with open(self.krb5_conf, "w") as f:
            f.write("[libdefaults]\n"
                    " default_realm = %(r)s\n"
                    " dns_lookup_kdc = false\n"
                    " dns_lookup_realm = false\n"
                    " rdns = false\n"
                    " dns_canonicalize_hostname = false\n"
                    " udp_preference_limit = 1\n"
                    "[realms]\n"
                    " %(r)s = {\n  kdc = 127.0.0.1:%(p)d\n }\n"
                    "[domain_realm]\n"
                    " localhost = %(r)s\n" % {"r": REALM, "p": self.port})
        with open(self.kdc_conf, "w") as f:
            f.write("[kdcdefaults]\n"
                    " kdc_ports = %(p)d\n"
                    " kdc_tcp_ports = %(p)d\n"
                    "[realms]\n"
                    " %(r)s = {\n"
                    "  database_name = %(d)s/principal\n"
                    "  key_stash_file = %(d)s/stash\n"
                    "  acl_file = %(d)s/kadm5.acl\n"
                    "  kdc_listen = 127.0.0.1:%(p)d\n"
                    "  kdc_tcp_listen = 127.0.0.1:%(p)d\n"
                    " }\n"
                    "[logging]\n"
                    " kdc = FILE:%(d)s/kdc.log\n" % {"r": REALM, "p": self.port,
                                                     "d": self.dir})
        with open(os.path.join(self.dir, "kadm5.acl"), "w") as f:
            f.write("")
        self.env = {"KRB5_CONFIG": self.krb5_conf, "KRB5_KDC_PROFILE": self.kdc_conf,
                    "KRB5RCACHETYPE": "none"}
        self.kdc = None
        self._run("kdb5_util", "-r", REALM, "create", "-s", "-P", "master-" + str(self.port))

    def _run(self, name, *args, input=None):
        env = dict(os.environ)
        env.update(self.env)
        r = subprocess.run([self.bin[name]] + list(args), input=input, env=env,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise common.TestFailure("%s %s failed: %s" % (name, " ".join(args),
                                                          r.stdout.decode(errors="replace")))
        return r.stdout

    def add_user(self, name, password):
        self._run("kadmin.local", "-r", REALM, "-q",
                  "addprinc -pw %s %s" % (password, name))

    def add_service(self, principal):
        """A random-key principal, exported to its own keytab (returned)."""
        keytab = os.path.join(self.dir, principal.replace("/", "_") + ".keytab")
        self._run("kadmin.local", "-r", REALM, "-q", "addprinc -randkey %s" % principal)
        self._run("kadmin.local", "-r", REALM, "-q", "ktadd -k %s %s" % (keytab, principal))
        return keytab

    def start(self):
        env = dict(os.environ)
        env.update(self.env)
        log = open(os.path.join(self.dir, "krb5kdc.out"), "w")
        self.kdc = subprocess.Popen([self.bin["krb5kdc"], "-n", "-r", REALM],
                                    env=env, stdout=log, stderr=subprocess.STDOUT)
        common._procs.append(self.kdc)
        # Up once it answers on its TCP port.
        import socket

        def up():
            if self.kdc.poll() is not None:
                raise common.TestFailure("krb5kdc exited with %s" % self.kdc.returncode)
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return True
            except OSError:
                return False
        common.wait_for(up, 10, "krb5kdc on port %d" % self.port)

    def kinit(self, name, password):
        """Get a TGT into a new FILE: ccache; returns its name."""
        cc = "FILE:" + os.path.join(self.dir, "cc-" + name)
        env = dict(os.environ)
        env.update(self.env)
        env["KRB5CCNAME"] = cc
        r = subprocess.run([self.bin["kinit"], name], input=(password + "\n").encode(),
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        if r.returncode != 0:
            raise common.TestFailure("kinit %s: %s" % (name, r.stdout.decode(errors="replace")))
        return cc

    def stop(self):
        if self.kdc is not None and self.kdc.poll() is None:
            self.kdc.terminate()
            self.kdc.wait(timeout=5)
