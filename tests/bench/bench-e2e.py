#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""bench-e2e: spiced and the reference SPICE server (libspice-server, in
tests/bench/ref-server) fed the same frames, measured by the same client.

For each frame mode (full: every frame a full-screen DRAW_COPY; damage:
the bounding box of what changed since the frame before) and each rate
(0 = as fast as the server takes frames, then frames per second), both
servers run on loopback with free ports and a ticket; bench-client links
main + display, waits for the initial screen, kicks the feeder (SIGUSR1)
and counts until the display channel is quiet.  Processes, measured
between the kick and the client's result line:

  spiced     server = supervisor + every worker (display, main);
             total  = server + bench-producer (the qxl-shm producer).
  reference  server = the ref-server process minus its feeder thread
             ("bench-feeder", from /proc/PID/task); total = the process.

The kick waits until the server is idle after the client's login (its
CPU grew less than 1 ms in 200 ms; 20 s at most): spiced's key
generator refills its pool of ticket keys after a login, the
reference's worker takes up its new client, costs per login that would
otherwise fall into the figures by chance.

CPU is the scheduler's count of each thread's time on a CPU, in ns
(/proc/PID/task/TID/schedstat; utime + stime, in 10 ms ticks, where a
kernel has no schedstat).  Peak RSS is VmHWM summed over
the processes; the preloaded frames (held by bench-producer and by
ref-server's feeder) are taken out of both totals and of ref-server's
server figure.  Memory a producer shares
with a spiced worker (the memfd slots) counts in both.  Every process is
stopped by pid.  Prints one table per case and the ratios spiced/ref.

With --repeat N each case runs N times, spiced and the reference in
turn, so that a slow spell of a shared machine falls on both: the table
shows each side's median and each ratio's median and range over the
pairs of runs (the image counts and processes are the first run's); the
latency runs are repeated the same way.

Then, unless --no-latency, each case runs again on both servers with
spice-gtk as the only viewer (tests/bench/bench-viewer.py) and a marker
in every frame (bench-frames.h: its bottom-right corner, posted after the
frame): each frame's latency is from the moment the feeder began to post
it to the moment spice-gtk had drawn both its marker and a few blocks
of its own pixels (bench-viewer.py says which; or a later frame's, when
the server merged it into that one: a video stream's frames are drawn at
their multimedia time, which the marker alone did not show); the viewer
then
compares its whole picture with the last frame.  A lossless run that
does not end on the last frame exactly, or in which a frame was not
wholly on screen when it was counted there, is an error, not a figure.  The
viewer also keeps what it showed of the frames' changing box once each
frame had reached it and prints how many frames showed it exactly, and
the PSNR of all of them and of the worst: a lossy server is judged on
every frame it showed, not only the last.

Both servers run lossless unless told otherwise: ref-server turns
libspice-server's video streaming off (but for --ref stream), and spiced gets
"streaming-video = off" unless --spiced-conf names streaming-video (its
default, filter, would send a video as MJPEG, whose last frame is then
resent losslessly: an exact final picture would not show that the
frames before were lossy).

BENCH_KEEP_LOG=FILE keeps spiced's log of the last run (at debug level)
in FILE.
"""

import argparse
import os
import re
import select
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "integration"))
import common       # noqa: E402  (tests/integration/common.py)
PASSWORD = "bench"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def stat_fields(path):
    try:
        with open(path) as f:
            st = f.read()
    except OSError:
        return None
    return st[st.rindex(")") + 2:].split()


def hwm_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def children(pid):
    out = []
    for ent in os.listdir("/proc"):
        if ent.isdigit():
            f = stat_fields("/proc/%s/stat" % ent)
            if f is not None and int(f[1]) == pid:
                out.append(int(ent))
    return out


def thread_named(pid, name):
    for tid in os.listdir("/proc/%d/task" % pid):
        try:
            with open("/proc/%d/task/%s/comm" % (pid, tid)) as f:
                if f.read().strip() == name:
                    return int(tid)
        except OSError:
            pass
    return None


# Lines read from a process's stdout and not yet matched, by pid: one
# read may bring several lines, and select() knows nothing of them.
_pending = {}


def read_line(proc, pattern, timeout, what):
    """Read proc's stdout until a line matches; fail on timeout or EOF."""
    rx = re.compile(pattern)
    end = time.monotonic() + timeout
    buf = _pending.setdefault(proc.pid, [""])
    while True:
        while "\n" in buf[0]:
            line, buf[0] = buf[0].split("\n", 1)
            m = rx.search(line)
            if m:
                return m
        left = end - time.monotonic()
        if left <= 0 or not select.select([proc.stdout], [], [], left)[0]:
            raise RuntimeError("timed out waiting for %s" % what)
        data = os.read(proc.stdout.fileno(), 1 << 20)
        if not data:
            raise RuntimeError("%s: process ended (status %s)" % (what, proc.wait()))
        buf[0] += data.decode(errors="replace")


def wait_file_match(path, pattern, timeout, what):
    rx = re.compile(pattern, re.M)
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        try:
            with open(path) as f:
                if rx.search(f.read()):
                    return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError("timed out waiting for %s" % what)


class Run:
    """Processes of one measurement, stopped by pid at the end."""

    def __init__(self):
        self.procs = []

    def start(self, args, **kw):
        p = subprocess.Popen(args, **kw)
        self.procs.append(p)
        return p

    def stop(self):
        for p in reversed(self.procs):
            if p.poll() is None:
                if p.stdin:
                    try:
                        p.stdin.close()
                    except OSError:
                        pass
                p.send_signal(signal.SIGTERM)
                try:
                    p.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    p.kill()
                    p.wait()


def settle(server_pids, what):
    """Wait until the server is idle: its CPU grew less than 1 ms in
    200 ms.  What the client's own login set off ends first (spiced's
    key generator refilling its pool of ticket keys, the reference's
    worker taking up its new client): a cost per login, not per frame,
    on either side, and running beside the frames it would take CPU from
    them."""
    end = time.monotonic() + 20
    last = sum(common.cpu_seconds(p) for p in server_pids())
    while time.monotonic() < end:
        time.sleep(0.2)
        now = sum(common.cpu_seconds(p) for p in server_pids())
        if now - last < 0.001:
            return
        last = now
    raise RuntimeError("%s did not settle within 20 s of the client's login" % what)


def measure(run, client, server_pids, producer_pids, feeder=None):
    """Kick the feeder through the client and take the readings."""
    def sample():
        out = {}
        for pid in server_pids() + producer_pids:
            out[pid] = common.cpu_seconds(pid)
        if feeder:
            out["feeder"] = common.cpu_seconds(feeder[0], feeder[1])
        return out

    read_line(client, r"^ready", 30, "the client's initial screen")
    settle(server_pids, "the server")
    a = sample()
    client.stdin.write("go\n")
    client.stdin.flush()
    m = read_line(client, r"^result (.*)", 300, "the client's result")
    b = sample()
    res = dict(kv.split("=") for kv in m.group(1).split())
    spids = server_pids()
    d = {pid: b.get(pid, 0) - a.get(pid, 0) for pid in b}
    res["server_cpu"] = sum(d[p] for p in spids if p in d)
    res["total_cpu"] = res["server_cpu"] + sum(d[p] for p in producer_pids)
    res["server_rss"] = sum(hwm_kb(p) for p in spids)
    res["total_rss"] = res["server_rss"] + sum(hwm_kb(p) for p in producer_pids)
    if feeder:
        res["server_cpu"] -= d["feeder"]
    res["procs"] = " ".join("%d:%.1fms/%dMB" % (p, d.get(p, 0) * 1e3, hwm_kb(p) // 1024)
                            for p in spids + producer_pids)
    return res


def viewer_cmd(opt, port, frames, kick_pid):
    """bench-viewer.py (spice-gtk, under the system python3 that has its
    bindings) for a latency run."""
    return ["/usr/bin/python3", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                             "bench-viewer.py"),
            "--port", str(port), "--password", PASSWORD, "--frames", frames,
            "--kick-pid", str(kick_pid), "--idle-ms", str(opt.idle_ms)]


def percentile(xs, q):
    xs = sorted(xs)
    return xs[min(len(xs) - 1, int(round(q / 100 * (len(xs) - 1))))]


def measure_latency(viewer, feeder, nframes, who, server_pids):
    """Kick through the viewer once the server settled; each frame's
    latency, from the feeder's "times" (when it was posted) to the
    viewer's "marks" (when its marker, or a later frame's that carried it
    too, reached spice-gtk's screen)."""
    read_line(viewer, r"^ready", 60, "the viewer's initial screen")
    settle(server_pids, who)
    viewer.stdin.write("go\n")
    viewer.stdin.flush()
    marks = read_line(viewer, r"^marks ?(.*)", 300, "the viewer's marks").group(1)
    bl = read_line(viewer, r"^blocks ?(.*) of ?(.*)", 30, "the viewer's blocks")
    final = read_line(viewer, r"^final (.*)", 120, "the viewer's final picture").group(1)
    q = read_line(viewer, r"^frames exact (\d+) of (\d+) psnr (\S+) worst (\S+)", 300,
                  "the viewer's frame quality")
    times = [int(t) for t in read_line(feeder, r"^times (.*)", 30,
                                       "%s's times" % who).group(1).split(",")]
    played(feeder, nframes, who)
    seen = dict((int(k), int(t)) for k, t in (m.split(":") for m in marks.split(",") if m))
    shown = dict((int(k), int(t)) for k, t in
                 (m.split(":") for m in bl.group(1).split(",") if m))
    has_blocks = set(int(k) for k in bl.group(2).split(",") if k)
    # Frame 0 is the picture the viewer showed before the kick: posting
    # it again changes nothing on screen, and a redraw of its marker
    # seen before that post made a negative "latency" of it.  A frame
    # reached the screen when its marker and its blocks (if it has any)
    # had, or a later frame's that carried them too.
    lat, merged, late_pixels, later, later_px = [], 0, 0, None, None
    for k in range(nframes - 1, 0, -1):
        gone = k not in seen
        if not gone:
            later = seen[k]
        elif later is None:
            raise RuntimeError("%s: frame %d never reached the viewer, nor any after it"
                               % (who, k))
        t = later
        if k in has_blocks:
            if k in shown:
                later_px = shown[k]
            elif later_px is None:
                raise RuntimeError("%s: frame %d's pixels never showed, nor any later frame's"
                                   % (who, k))
            else:
                gone = True
            merged += gone
            if later_px > t + 1000000:
                late_pixels += 1
            t = max(t, later_px)
        else:
            merged += gone
        lat.append((t - times[k]) / 1e6)
    return {"lat_p50": percentile(lat, 50), "lat_p95": percentile(lat, 95),
            "merged": merged, "late_pixels": late_pixels, "final": final,
            "exact": int(q.group(1)),
            "shown": int(q.group(2)), "psnr": float(q.group(3)),
            "worst": float(q.group(4))}


def run_spiced(opt, frames, fps, damage, nframes, latency=False):
    run = Run()
    d = tempfile.mkdtemp(prefix="spiced-bench.")
    os.chmod(d, 0o755)
    try:
        port = free_port()
        lines = ["run-dir = %s" % d] + (
            ["log-level = debug"] if os.environ.get("BENCH_KEEP_LOG") else []) + [
                '[display "bench"]',
                 "listen = 127.0.0.1:%d" % port,
                 "producer-socket = %s/bench.qxl" % d,
                 'password = "%s"' % PASSWORD] + [
                     l.strip() for l in opt.spiced_conf.split(";") if l.strip()]
        # Lossless unless asked otherwise: the reference streams no video
        # (ref-server turns libspice-server's streaming off), and spiced's
        # default streaming-video (filter) would send a video as MJPEG.
        if "streaming-video" not in opt.spiced_conf:
            lines.append("streaming-video = off")
        if os.geteuid() == 0:
            uid = 61000 + os.getpid() % 3000
            lines.append("worker-user = %d:%d" % (uid, uid))
        conf = os.path.join(d, "spiced.conf")
        with open(conf, "w") as f:
            f.write("\n".join(lines) + "\n")
        log = os.path.join(d, "spiced.log")
        logf = open(log, "w")
        sp = run.start([os.path.join(opt.builddir, "daemon", "spiced"), "--foreground",
                        "--config", conf, "--worker",
                        os.path.join(opt.builddir, "workers", "spiced-worker")],
                       stdout=logf, stderr=subprocess.STDOUT)
        wait_file_match(log, r"\bready$", 10, "spiced ready")
        prod = run.start([os.path.join(opt.builddir, "tests", "bench", "bench-producer"),
                          "--socket", os.path.join(d, "bench.qxl"), "--frames", frames,
                          "--fps", str(fps), "--chunk-bytes", str(opt.chunk_bytes)]
                         + (["--damage"] if damage else []) + (["--marker"] if latency else []),
                         stdout=subprocess.PIPE, text=True)
        m = read_line(prod, r"^attached .*frames_bytes=(\d+)", 60, "bench-producer attached")
        preload_kb = int(m.group(1)) // 1024
        wait_file_match(log, r"primary \d+x\d+", 10, "spiced's primary surface")
        if latency:
            viewer = run.start(viewer_cmd(opt, port, frames, prod.pid), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
            return measure_latency(viewer, prod, nframes, "bench-producer",
                                   lambda: [sp.pid] + children(sp.pid))
        # Extra viewers watch the same display (their own sessions); only
        # the last one kicks the feeder and is measured.
        for _ in range(opt.viewers - 1):
            viewer = run.start([os.path.join(opt.builddir, "tests", "bench", "bench-client"),
                                "--port", str(port), "--password", PASSWORD],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
            read_line(viewer, r"^ready", 30, "an extra viewer's initial screen")
        client = run.start([os.path.join(opt.builddir, "tests", "bench", "bench-client"),
                            "--port", str(port), "--password", PASSWORD,
                            "--kick-pid", str(prod.pid), "--idle-ms", str(opt.idle_ms)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        res = measure(run, client, lambda: [sp.pid] + children(sp.pid), [prod.pid])
        played(prod, nframes, "bench-producer")
        res["total_rss"] -= preload_kb
        return res
    finally:
        run.stop()
        if os.environ.get("BENCH_KEEP_LOG"):
            shutil.copy(os.path.join(d, "spiced.log"), os.environ["BENCH_KEEP_LOG"])
        shutil.rmtree(d, ignore_errors=True)


# The reference's settings compared against: what spiced sends (LZ4),
# libspice-server's own default (auto_glz), and its JPEG setting.
REF_CONFIGS = {
    "lz4": ["--compression", "lz4"],
    "auto_glz": ["--compression", "auto_glz"],
    "jpeg": ["--compression", "auto_glz", "--jpeg", "always"],
    "stream": ["--compression", "auto_glz", "--jpeg", "always", "--streaming", "filter"],
}


def played(proc, nframes, who):
    """The feeder's "played N" line: every frame must have been fed, or
    the run is not a figure."""
    m = read_line(proc, r"^played (\d+)", 30, "%s's played line" % who)
    if int(m.group(1)) != nframes:
        raise RuntimeError("%s played %s of %d frames: the run dropped frames, "
                           "no figure" % (who, m.group(1), nframes))


def run_reference(opt, frames, fps, damage, config, nframes, latency=False):
    run = Run()
    try:
        port = free_port()
        ref = run.start([os.path.join(opt.builddir, "tests", "bench", "ref-server"),
                         "--port", str(port), "--password", PASSWORD, "--frames", frames,
                         "--fps", str(fps)] + (["--damage"] if damage else []) +
                        REF_CONFIGS[config] + (["--marker"] if latency else []),
                        stdout=subprocess.PIPE, text=True)
        m = read_line(ref, r"^ready .*frames_bytes=(\d+)", 60, "ref-server ready")
        if latency:
            viewer = run.start(viewer_cmd(opt, port, frames, ref.pid), stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
            return measure_latency(viewer, ref, nframes, "ref-server (%s)" % config,
                                   lambda: [ref.pid])
        preload_kb = int(m.group(1)) // 1024
        feeder = thread_named(ref.pid, "bench-feeder")
        if feeder is None:
            raise RuntimeError("ref-server has no bench-feeder thread")
        client = run.start([os.path.join(opt.builddir, "tests", "bench", "bench-client"),
                            "--port", str(port), "--password", PASSWORD,
                            "--kick-pid", str(ref.pid), "--idle-ms", str(opt.idle_ms)],
                           stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        res = measure(run, client, lambda: [ref.pid], [], (ref.pid, feeder))
        played(ref, nframes, "ref-server (%s)" % config)
        res["server_rss"] -= preload_kb
        res["total_rss"] -= preload_kb
        return res
    finally:
        run.stop()


ROWS = [
    ("wall_ms", "wall time, kick to last draw (ms)", "%.0f"),
    ("screens", "screens' worth of pixels drawn", "%.1f"),
    ("draws", "draw messages received", "%d"),
    ("display_mb", "display channel bytes (MB)", "%.2f"),
    ("server_cpu_ms", "server CPU (ms)", "%.0f"),
    ("total_cpu_ms", "server + producer/feeder CPU (ms)", "%.0f"),
    ("server_rss_mb", "server peak RSS (MB)", "%.1f"),
    ("total_rss_mb", "server + producer peak RSS (MB)", "%.1f"),
]


def derive(r):
    r["wall_ms"] = float(r["wall_ms"])
    r["draws"] = int(r["draws"])
    r["screens"] = float(r["screens"])
    r["display_mb"] = int(r["display_bytes"]) / 1e6
    r["server_cpu_ms"] = r["server_cpu"] * 1000
    r["total_cpu_ms"] = r["total_cpu"] * 1000
    r["server_rss_mb"] = r["server_rss"] / 1024
    r["total_rss_mb"] = r["total_rss"] / 1024
    return r


def print_latency(opt, frames, fps, damage, nframes, configs):
    """Latency runs: spice-gtk as the only viewer, markers in the frames;
    p50/p95 from post to screen, frames merged into later ones, and the
    final picture.  With --repeat, as many runs of each side in turn:
    medians, and each ratio's median and range.  A lossless run whose
    final picture differs, or that did not finish, is an error."""
    lossy = "jpeg" in opt.spiced_conf or re.search(
        r"streaming-video\s*=\s*(filter|all)", opt.spiced_conf) is not None
    runs = []
    for _ in range(max(1, opt.repeat)):
        s = run_spiced(opt, frames, fps, damage, nframes, latency=True)
        refs = [run_reference(opt, frames, fps, damage, c, nframes, latency=True)
                for c in configs]
        for who, r in [("spiced", s)] + [("ref " + c, r) for c, r in zip(configs, refs)]:
            if r["final"].startswith("timeout"):
                raise RuntimeError("%s: the viewer never got the last frame: no figure" % who)
            exact_wanted = not (lossy if who == "spiced" else who in ("ref jpeg", "ref stream"))
            if exact_wanted and r["final"] != "exact":
                raise RuntimeError("%s: the final picture is not the last frame (%s): no figure"
                                   % (who, r["final"]))
            if exact_wanted and r["exact"] != r["shown"]:
                raise RuntimeError("%s: %d of %d frames were not all on screen when their "
                                   "marker and blocks were: their latency would be too short, "
                                   "no figure" % (who, r["shown"] - r["exact"], r["shown"]))
        runs.append((s, refs))
    print("  latency, spice-gtk viewer (markers in the frames%s):" % (
        "" if len(runs) == 1 else "; medians of %d runs each" % len(runs)))
    for key, label in (("lat_p50", "frame latency p50 (ms)"), ("lat_p95", "frame latency p95 (ms)"),
                       ("merged", "frames merged into later ones or dropped"),
                       ("late_pixels", "frames drawn over 1 ms after their marker")):
        fmt = " %10g" if key in ("merged", "late_pixels") else " %10.1f"
        line = "  %-40s" % label + fmt % statistics.median([sr[key] for sr, _ in runs])
        for i in range(len(configs)):
            line += fmt % statistics.median([rr[i][key] for _, rr in runs])
            if key in ("merged", "late_pixels"):
                line += " %7s" % ""
                continue
            ratios = [sr[key] / rr[i][key] if rr[i][key] else float("nan") for sr, rr in runs]
            line += " %7.2f" % statistics.median(ratios)
            if len(runs) > 1:
                line += " (%.2f-%.2f)" % (min(ratios), max(ratios))
        print(line)
    print("  frames whose changes showed exactly with their marker: spiced %s; %s" % (
        ", ".join("%d of %d" % (sr["exact"], sr["shown"]) for sr, _ in runs), "; ".join(
            "ref %s %s" % (c, ", ".join("%d of %d" % (rr[i]["exact"], rr[i]["shown"])
                                       for _, rr in runs))
            for i, c in enumerate(configs))))
    print("  PSNR of the frames as shown, all / worst (dB): spiced %s; %s" % (
        ", ".join("%.2f/%.2f" % (sr["psnr"], sr["worst"]) for sr, _ in runs), "; ".join(
            "ref %s %s" % (c, ", ".join("%.2f/%.2f" % (rr[i]["psnr"], rr[i]["worst"])
                                       for _, rr in runs))
            for i, c in enumerate(configs))))
    print("  final picture: spiced %s; %s" % (", ".join(sr["final"] for sr, _ in runs), "; ".join(
        "ref %s %s" % (c, ", ".join(rr[i]["final"] for _, rr in runs))
        for i, c in enumerate(configs))))

def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--builddir", default=os.path.abspath(
        os.path.join(os.path.dirname(__file__), "../..")))
    ap.add_argument("--frames", type=int, default=60, help="frames to generate (60)")
    ap.add_argument("--size", default="1920x1080", help="frame size (1920x1080)")
    ap.add_argument("--frames-dir", help="play these PPMs instead of generated ones")
    ap.add_argument("--workload", default="desktop",
                    help="generated frames: desktop, text, photo, video, office (desktop)")
    ap.add_argument("--fps", default="0,30", help="rates, 0 = max (0,30)")
    ap.add_argument("--modes", default="full,damage", help="full,damage")
    ap.add_argument("--viewers", type=int, default=1,
                    help="clients watching spiced's display at once (the reference "
                         "server keeps only one)")
    ap.add_argument("--chunk-bytes", type=int, default=0,
                    help="spiced's bitmaps in data chunks of at most this many bytes "
                         "of whole rows (0: one chunk, as the reference gets them)")
    ap.add_argument("--ref", default="lz4,auto_glz,jpeg",
                    help="reference settings to run: lz4 (what spiced sends), auto_glz "
                         "(libspice-server's default), jpeg (auto_glz, JPEG always), "
                         "stream (jpeg with streaming-video filter: MJPEG streams)")
    ap.add_argument("--spiced-conf", default="",
                    help="lines for spiced's display section, separated by ';' "
                         "(e.g. 'jpeg-wan-compression = always'; without a "
                         "streaming-video line, 'streaming-video = off' as the "
                         "reference has it)")
    ap.add_argument("--idle-ms", type=int, default=1500,
                    help="display quiet this long = done (1500)")
    ap.add_argument("--repeat", type=int, default=1,
                    help="run each case this many times, spiced and the reference "
                         "in turn; print medians, and each ratio's median and "
                         "range over the pairs of runs (1)")
    ap.add_argument("--no-latency", action="store_true",
                    help="skip the latency runs (spice-gtk as the viewer, markers in "
                         "the frames, the final picture compared)")
    opt = ap.parse_args()

    tmp = tempfile.mkdtemp(prefix="spiced-bench-frames.")
    try:
        frames = opt.frames_dir
        if frames is None:
            frames = os.path.join(tmp, "frames")
            subprocess.run([os.path.join(opt.builddir, "tests", "bench", "bench-genframes"),
                            frames, str(opt.frames), opt.size, opt.workload], check=True)
        nframes = len([n for n in os.listdir(frames) if n.endswith(".ppm")])
        print("bench-e2e: %d frames (%s), client with the LZ4 cap, loopback, "
              "bitmaps in %s" % (nframes, frames if opt.frames_dir else opt.size + " " + opt.workload,
                                 "one chunk" if opt.chunk_bytes == 0 else
                                 "chunks of <= %d bytes for spiced" % opt.chunk_bytes))
        if opt.viewers > 1:
            print("spiced serves %d viewers at once, the reference one" % opt.viewers)
        print("video streams: %s" % ("spiced as --spiced-conf says, the reference's off "
                                     "(but for ref stream)"
                                     if "streaming-video" in opt.spiced_conf else
                                     "off on both sides (lossless; but for ref stream)"))
        configs = opt.ref.split(",")
        for mode in opt.modes.split(","):
            for fps in [int(x) for x in opt.fps.split(",")]:
                damage = mode == "damage"
                runs = []
                for _ in range(max(1, opt.repeat)):
                    runs.append((derive(run_spiced(opt, frames, fps, damage, nframes)),
                                 [derive(run_reference(opt, frames, fps, damage, c, nframes))
                                  for c in configs]))
                s, refs = runs[0]
                print()
                print("%s frames, %s (every frame played on both sides%s):" % (
                    mode, "max rate" if fps == 0 else "%d fps" % fps,
                    "" if len(runs) == 1 else "; medians of %d runs each, ratios "
                    "of runs taken in turn: median (lowest-highest)" % len(runs)))
                print("  %-40s %10s" % ("", "spiced") + "".join(
                    " %10s %7s" % ("ref " + c, "ratio") for c in configs))
                for key, label, fmt in ROWS:
                    line = "  %-40s %10s" % (label, fmt % statistics.median([sr[key] for sr, _ in runs]))
                    for i in range(len(configs)):
                        ratios = [sr[key] / rr[i][key] if rr[i][key] else float("nan")
                                  for sr, rr in runs]
                        line += " %10s %7.2f" % (fmt % statistics.median([rr[i][key] for _, rr in runs]),
                                                 statistics.median(ratios))
                        if len(runs) > 1:
                            line += " (%.2f-%.2f)" % (min(ratios), max(ratios))
                    print(line)
                print("  %-40s %10s" % ("images bitmap/lz4/other", "%s/%s/%s" % (
                    s["img_bitmap"], s["img_lz4"], s["img_other"])) + "".join(
                    " %10s %7s" % ("%s/%s/%s" % (r["img_bitmap"], r["img_lz4"],
                                                 r["img_other"]), "") for r in refs))
                print("  processes (pid:cpu/peak): spiced %s; %s" % (s["procs"], "; ".join(
                    "ref %s %s" % (c, r["procs"]) for c, r in zip(configs, refs))))
                if not opt.no_latency:
                    print_latency(opt, frames, fps, damage, nframes, configs)
                sys.stdout.flush()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
