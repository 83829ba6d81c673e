#!/usr/bin/env python3
"""campaign.py - the fault campaign's jobs, on a cluster run.sh booted.

    campaign.py --work W --out DIR [--jobs 100] [--seed S] [--sizes 4,8,16]
                [--modes lazy,all] [--baselines 3] [--kinds K,...]
                [--read-timeout S] [--wait-timeout S] [--ready-timeout S]
                [--cut-s 10] [--stop-s 20] [--slow-rate 1mbit] [--seeders 2]

Environment: what tests/cluster/cluster-up.sh's env.sh exports (SLURM_CONF,
DSL_CLUSTER_*), and FAULT_CLUSTER (the harness's directory).

Every random choice (kind, job size, mode, nodes, target, moment) is drawn
from one random.Random(seed) before the job runs, never from an outcome, so
`--seed S` replays the same campaign.  The kinds come from a shuffled deck
(each kind jobs/len(kinds) times, the rest drawn at random) so that every
kind gets its share.  The moment is a fraction of the shape's baseline time
(the same job size and mode without a fault, measured first in the same
campaign), so each fault lands somewhere in the distribution.

Per job: outcome (correct: every task read every byte right; failed-named:
the job failed and a message names the cause; failed-unnamed; hung: not over
within the configured time-outs; hung-slurm: hung only because the faulted
node's slurmstepd lost srun's launch response or a task's exit message on
the cut link, every task having ended), corrupt bytes the tasks read, nodes
drained (and whether that was right), what was left on any node, time
against the baseline.  Then the cluster is restored (fault undone, drained
nodes resumed, leftovers removed; all recorded) so that one job's fault does
not poison the next.  Writes DIR/jobs.csv; report.py makes the tables.
"""
import argparse
import csv
import os
import random
import re
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

# kind: (what it is, node fault?, pattern a failure message must match to
# name the cause).  Node faults are conditions of the node itself (its link,
# its slurmd, its disk): draining that node is right.  The others are faults
# of the job's own processes or of the file server: no node should drain.
KINDS = {
    "kill-downloader": ("a downloader's dsl-helper killed (SIGKILL)", False,
                        r"helper|dsl-helper"),
    "kill-seeder": ("a seeder's dsl-helper killed (SIGKILL)", False, r"helper|dsl-helper|seeder"),
    "kill-tracker": ("the job's dsl-tracker killed (SIGKILL)", False, r"tracker"),
    "link-cut": ("a node's link down for CUT s", True,
                 r"link|network|unreachable|connection|timed out|not responding"),
    "slurmd-stop": ("a node's slurmd stopped (SIGSTOP) for STOP s", True,
                    r"slurmd|not responding|Node failure|NODE_FAIL|timed out"),
    "corrupt-source": ("one byte of the set's source flipped on the file server", False,
                       r"hash|corrupt|checksum|SHA-?256|changed|verif"),
    "cache-fill": ("the node's cache file system filled", True,
                   r"No space left|ENOSPC|disk full|file system full|cache.*full"),
    "slow-peer": ("a node's link shaped to SLOW", True,
                  r"slow|not complete on this node after|timed out"),
}
NODE_FAULTS = [k for k, v in KINDS.items() if v[1]]


def log(msg):
    print("%s %s" % (time.strftime("%H:%M:%S", time.gmtime()), msg), flush=True)


def run(cmd, timeout=60, check=False):
    r = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                       timeout=timeout, check=False)
    if check and r.returncode:
        raise RuntimeError("%s: exit %d: %s" % (" ".join(cmd), r.returncode, r.stdout.strip()))
    return r.stdout


def node_key(name):
    m = re.search(r"(\d+)$", name)
    return int(m.group(1)) if m else 0


class Cluster:
    """The nodes, found through their network namespaces (never pid files)."""

    def __init__(self, harness, user):
        self.harness = harness
        self.user = user
        self.uid = int(run(["id", "-u", user]).strip())
        self.slurmd = {}        # node -> its slurmd's pid, checked at each use
        self.nodes = sorted(self._names(), key=node_key)

    @staticmethod
    def _names():
        n = int(os.environ["DSL_CLUSTER_NNODES"])
        prefix = "c%sn" % os.environ["DSL_CLUSTER_ID"]
        return ["%s%d" % (prefix, i) for i in range(1, n + 1)]

    def procs(self):
        """node -> [(pid, uid, exe basename, comm, cmdline)] for every process
        in a node's network namespace (one pass over /proc)."""
        ino = {}
        for n in self.nodes:
            try:
                ino[os.stat("/run/netns/" + n).st_ino] = n
            except OSError:
                pass
        out = {n: [] for n in self.nodes}
        for p in os.listdir("/proc"):
            if not p.isdigit():
                continue
            try:
                n = ino.get(os.stat("/proc/%s/ns/net" % p).st_ino)
                if n is None:
                    continue
                uid = os.stat("/proc/" + p).st_uid
                comm = open("/proc/%s/comm" % p).read().strip()
                cmd = open("/proc/%s/cmdline" % p, "rb").read().replace(b"\0", b" ").decode(
                    errors="replace").strip()
                try:
                    exe = os.path.basename(os.readlink("/proc/%s/exe" % p))
                except OSError:
                    exe = ""
                out[n].append((int(p), uid, exe, comm, cmd))
            except OSError:
                continue
        return out

    def named(self, node, name, procs=None):
        procs = procs or self.procs()
        return [p for p in procs.get(node, []) if name in (p[2], p[3])]

    def root(self, node):
        """The node's file system as its processes see it (its mount namespace)."""
        pid = self.slurmd.get(node)
        try:
            if not pid or open("/proc/%d/comm" % pid).read().strip() != "slurmd":
                raise OSError
        except OSError:
            s = self.named(node, "slurmd")
            if not s:
                raise RuntimeError("%s: no slurmd" % node)
            pid = self.slurmd[node] = s[0][0]
        return "/proc/%d/root" % pid, pid

    def fault(self, node, *args):
        return run([os.path.join(self.harness, "cluster-fault.sh"), node] + list(args), check=True)

    def leftovers(self, jobid):
        """What the job left on any node: [(node, kind, what)]."""
        out = []
        procs = self.procs()
        for n in self.nodes:
            for pid, uid, exe, comm, cmd in procs[n]:
                if uid == self.uid or exe in ("dsl-helper", "dsl-tracker") or \
                        comm in ("dsl-helper", "dsl-tracker"):
                    out.append((n, "process", "%d %s" % (pid, cmd[:120])))
            try:
                root, spid = self.root(n)
            except RuntimeError:
                continue
            try:
                for line in open("/proc/%d/mountinfo" % spid):
                    f = line.split()
                    mp, fstype = f[4], f[f.index("-") + 1]
                    if mp.startswith("/run/dsl/") or (fstype.startswith("fuse") and
                                                      mp not in self.mounts0.get(n, ())):
                        out.append((n, "mount", "%s (%s)" % (mp, fstype)))
            except OSError:
                pass
            for d in ("/run/dsl/job", "/run/dsl/view", "/var/cache/dsl"):
                try:
                    for e in sorted(os.listdir(root + d)):
                        if e != ".fault-fill":
                            out.append((n, "dir", d + "/" + e))
                except OSError:
                    pass
        if jobid:
            out += self.cgroups(jobid)
        return out

    def snapshot(self):
        """The mounts each node has before any job: the harness copies the
        machine's mounts (another program's FUSE mounts included) into
        every node's namespace when it boots; only new ones are the jobs'."""
        self.mounts0 = {}
        for n in self.nodes:
            _, spid = self.root(n)
            self.mounts0[n] = {line.split()[4] for line in open("/proc/%d/mountinfo" % spid)}

    def cgroups(self, jobid):
        """Cgroups of the job: a directory named after the job id below one
        named after one of this cluster's nodes (cgroup hierarchies are the
        machine's, shared with other clusters and programs: nothing else is
        looked at, let alone removed)."""
        out = []
        try:
            root, _ = self.root(self.nodes[0])
        except RuntimeError:
            return out
        top = root + "/sys/fs/cgroup"
        mine = set(self.nodes)
        pat = re.compile(r"(^|\D)%s$" % re.escape(str(jobid)))
        for dp, dns, _ in os.walk(top):
            comps = dp[len(top):].split("/")
            if len(comps) > 6:
                dns[:] = []
            node = next((c for c in comps if c in mine), None)
            if not node:
                continue
            for d in dns:
                if pat.search(d):
                    out.append((node, "cgroup", os.path.join(dp, d)[len(root):]))
        return out

    def clean(self, left):
        """Remove leftovers: processes killed, mounts detached, directories
        and cgroups removed.  Returns what it did."""
        done = []
        for n, kind, what in left:
            try:
                root, spid = self.root(n)
                if kind == "process":
                    os.kill(int(what.split()[0]), signal.SIGKILL)
                elif kind == "mount":
                    run(["nsenter", "-t", str(spid), "-m", "umount", "-l", what.split()[0]])
                elif kind == "dir":
                    shutil.rmtree(root + what, ignore_errors=True)
                elif kind == "cgroup":
                    for dp, _, _ in sorted(os.walk(root + what), key=lambda x: -len(x[0])):
                        os.rmdir(dp)
                done.append("%s:%s:%s" % (n, kind, what.split()[0]))
            except (OSError, RuntimeError, subprocess.TimeoutExpired) as e:
                done.append("%s:%s:%s:failed(%s)" % (n, kind, what.split()[0], e))
        return done

    def node_states(self):
        """node -> (state, reason) from slurmctld."""
        out = {}
        for line in run(["sinfo", "-h", "-N", "-o", "%N|%T|%E"]).splitlines():
            f = line.split("|", 2)
            if len(f) == 3:
                out[f[0]] = (f[1], f[2])
        return out

    def bad_nodes(self):
        return {n: s for n, s in self.node_states().items()
                if re.search(r"drain|down|fail", s[0], re.I)}

    def wait_idle(self, bound=120):
        """Until the queue is empty and every node idle; resume what is
        drained or down after BOUND s (returned, to be recorded)."""
        t = time.time() + bound
        resumed = []
        while time.time() < t:
            states = self.node_states()
            bad = {n: s for n, s in states.items() if re.search(r"drain|down|fail", s[0], re.I)}
            if bad:
                resumed += self.resume(bad)
            elif not run(["squeue", "-h"]).strip() and all(s[0] == "idle" for s in states.values()):
                return resumed
            time.sleep(0.5)
        return resumed + ["not idle after %d s: %s" % (bound, self.node_states())]

    def resume(self, bad):
        out = []
        for n, (state, reason) in sorted(bad.items()):
            r = run(["scontrol", "update", "NodeName=" + n, "State=RESUME"])
            out.append("%s:%s:%s%s" % (n, state, reason, "" if not r.strip() else "(" + r.strip() + ")"))
        return out


class Fault:
    """One fault, injected by a thread at its moment; undo() puts things back."""

    def __init__(self, camp, kind, job, rng):
        self.c, self.kind, self.job = camp, kind, job
        self.frac = rng.random()
        nodes = job["nodes"]
        seeders = nodes[:camp.a.seeders]
        downloaders = nodes[camp.a.seeders:] or nodes
        self.node = {"kill-downloader": rng.choice(downloaders),
                     "kill-seeder": rng.choice(seeders),
                     "kill-tracker": nodes[0]}.get(kind) or rng.choice(nodes)
        self.pick = rng.random()    # which file/byte for corrupt-source
        self.injected = "no"
        self.at = None
        self.detail = ""
        self.undo_steps = []
        self.stop = threading.Event()
        self.thread = None

    def start(self, t0, base):
        self.moment = self.frac * base
        self.thread = threading.Thread(target=self._run, args=(t0,), daemon=True)
        self.thread.start()

    def _run(self, t0):
        try:
            if self.stop.wait(max(0.0, t0 + self.moment - time.time())):
                self.injected = "no (job over before the moment)"
                return
            getattr(self, "_" + self.kind.replace("-", "_"))(t0)
        except Exception as e:  # noqa: BLE001 - recorded, the job goes on
            self.injected = "error: %s" % e

    def _kill(self, t0, name):
        # The process may not be there yet (the prolog has not started it):
        # wait for it while the job runs (the moment is then later).
        while not self.stop.is_set():
            ps = self.c.cl.named(self.node, name)
            if ps:
                roles = ",".join("seed" if "--seed" in p[4] else "-" for p in ps)
                for p in ps:
                    os.kill(p[0], signal.SIGKILL)
                self.at = time.time() - t0
                self.injected = "yes"
                self.detail = "%s on %s (pid %s%s)" % (name, self.node, ",".join(str(p[0]) for p in ps),
                                                       ", argv role " + roles if name == "dsl-helper" else "")
                return
            self.stop.wait(0.05)
        self.injected = "no (%s never ran on %s)" % (name, self.node)

    def _kill_downloader(self, t0):
        self._kill(t0, "dsl-helper")

    _kill_seeder = _kill_downloader

    def _kill_tracker(self, t0):
        self._kill(t0, "dsl-tracker")

    def _timed(self, t0, act, undo, secs, what):
        self.c.cl.fault(self.node, *act)
        self.undo_steps.append(undo)
        self.at = time.time() - t0
        self.injected = "yes"
        self.detail = "%s %s for %d s" % (what, self.node, secs)
        time.sleep(secs)        # the fault lasts, whatever the job does
        self.c.cl.fault(self.node, *undo)
        self.undo_steps.remove(undo)

    def _link_cut(self, t0):
        self._timed(t0, ("link", "down"), ("link", "up"), self.c.a.cut_s, "link of")

    def _slurmd_stop(self, t0):
        self._timed(t0, ("slurmd", "stop"), ("slurmd", "cont"), self.c.a.stop_s, "slurmd of")

    def _slow_peer(self, t0):
        self.c.cl.fault(self.node, "rate", self.c.a.slow_rate)
        self.undo_steps.append(("rate", "restore"))
        self.at = time.time() - t0
        self.injected = "yes"
        self.detail = "link of %s at %s until the job ended" % (self.node, self.c.a.slow_rate)

    def _cache_fill(self, t0):
        root, _ = self.c.cl.root(self.node)
        path = root + "/var/cache/dsl/.fault-fill"
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        self.undo_steps.append(("unlink", path))
        try:
            st = os.statvfs(root + "/var/cache/dsl")
            free = st.f_bavail * st.f_frsize
            try:
                os.posix_fallocate(fd, 0, max(1, free - (1 << 20)))
            except OSError:
                pass            # a tmpfs may refuse the whole size at once
            # What fallocate left: write until ENOSPC.
            os.lseek(fd, 0, os.SEEK_END)
            try:
                while os.write(fd, b"\0" * 65536):
                    pass
            except OSError:
                pass
        finally:
            os.close(fd)
        st = os.statvfs(root + "/var/cache/dsl")
        self.at = time.time() - t0
        self.injected = "yes"
        self.detail = "/var/cache/dsl of %s full (%d bytes free)" % (self.node, st.f_bavail * st.f_frsize)

    def _corrupt_source(self, t0):
        files, total = self.c.files, self.c.total
        off = int(self.pick * total)
        for rel, size in files:
            if off < size:
                break
            off -= size
        path = os.path.join(self.c.src, rel)
        st = os.stat(path)
        with open(path, "r+b") as f:
            f.seek(off)
            old = f.read(1)
            f.seek(off)
            f.write(bytes([old[0] ^ 0xFF]))
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))
        self.undo_steps.append(("byte", path, off, old, st.st_atime_ns, st.st_mtime_ns))
        self.at = time.time() - t0
        self.injected = "yes"
        self.detail = "byte %d of %s flipped" % (off, rel)

    def finish(self):
        """Stop waiting, let a timed fault run out, undo what is left."""
        self.stop.set()
        if self.thread:
            self.thread.join(max(self.c.a.cut_s, self.c.a.stop_s) + 30)
        out = []
        for u in list(self.undo_steps):
            try:
                if u[0] == "unlink":
                    os.unlink(u[1])
                elif u[0] == "byte":
                    with open(u[1], "r+b") as f:
                        f.seek(u[2])
                        f.write(u[3])
                    os.utime(u[1], ns=(u[4], u[5]))
                else:
                    self.c.cl.fault(self.node, *u)
                out.append(":".join(str(x) for x in u[:2]))
            except (OSError, RuntimeError) as e:
                out.append("%s failed: %s" % (u[0], e))
        return out


class Campaign:
    def __init__(self, a):
        self.a = a
        self.rng = random.Random(a.seed)
        self.cl = Cluster(os.environ["FAULT_CLUSTER"], os.environ["DSL_CLUSTER_USER"])
        self.w = a.work
        self.src = os.path.join(a.work, "set")
        self.files = []
        for line in open(os.path.join(a.work, "manifest.sha256")):
            rel = line.rstrip("\n").split("  ", 1)[1]
            self.files.append((rel, os.path.getsize(os.path.join(self.src, rel))))
        self.total = sum(s for _, s in self.files)
        self.plugstack = os.path.join(os.environ["DSL_CLUSTER_DIR"], "plugstack.conf")
        self.base = {}
        self.first = {}
        os.makedirs(a.out, exist_ok=True)
        self.csv = open(os.path.join(a.out, "jobs.csv"), "w", newline="")
        self.out = csv.writer(self.csv)
        self.out.writerow(["job", "kind", "node_fault", "nodes", "mode", "jobid", "moment_s",
                           "injected", "injected_at_s", "target", "outcome", "tasks_reported",
                           "tasks_ok", "corrupt_bytes", "time_s", "baseline_s", "slowdown",
                           "drained", "drained_wrong", "resumed", "leftovers", "cleaned",
                           "undone", "settle_s", "message"])
        self.limit = {m: a.ready_timeout + (a.wait_timeout if m == "all" else a.read_timeout)
                      + max(a.cut_s, a.stop_s) + a.slack for m in ("lazy", "all")}

    def set_mode(self, mode):
        s = open(self.plugstack).read()
        s = re.sub(r" wait=(lazy|all)", " wait=" + mode, s)
        with open(self.plugstack + ".tmp", "w") as f:
            f.write(s)
        os.chmod(self.plugstack + ".tmp", 0o644)
        os.rename(self.plugstack + ".tmp", self.plugstack)

    def draw_job(self, idx, kind, n=None, mode=None):
        n = n or self.rng.choice(self.a.sizes)
        mode = mode or self.rng.choice(self.a.modes)
        nodes = sorted(self.rng.sample(self.cl.nodes, n), key=node_key)
        return {"idx": idx, "kind": kind, "n": n, "mode": mode, "nodes": nodes}

    def submit(self, job, res):
        name = "fc-%s" % job["idx"]
        o = open(os.path.join(res, "..", "out-%s" % job["idx"]), "w")
        env = ["SLURM_CONF=" + os.environ["SLURM_CONF"], "PATH=/usr/local/bin:/usr/bin:/bin",
               "FAULT_RESULTS=" + res, "FAULT_MANIFEST=" + os.path.join(self.w, "manifest.sha256"),
               "FAULT_PRISTINE=" + os.path.join(self.w, "pristine")]
        cmd = ["runuser", "-u", self.cl.user, "--", "env"] + env + [
            "srun", "-J", name, "-N", str(job["n"]), "-w", ",".join(job["nodes"]),
            "--dsl-set=fset", os.path.join(self.w, "bin", "task.py")]
        return name, o, subprocess.Popen(cmd, stdout=o, stderr=subprocess.STDOUT, cwd=self.w,
                                         start_new_session=True)

    def jobid(self, name):
        for line in run(["scontrol", "-o", "show", "job"]).splitlines():
            if " JobName=%s " % name in line:
                m = re.match(r"JobId=(\d+)", line)
                if m:
                    return m.group(1)
        return ""

    def check_cluster(self):
        """Stop at once if the cluster went away under the campaign (torn
        down by something else): its rows would blame the product."""
        gone = [n for n in self.cl.nodes if not os.path.exists("/run/netns/" + n)]
        try:
            with open(os.path.join(os.environ["DSL_CLUSTER_DIR"], "faults-token")) as f:
                ours = f.read().strip() == os.environ.get("FAULT_TOKEN")
        except OSError:
            ours = False        # torn down, or booted again by someone else
        if gone or not ours:
            sys.exit("campaign: cluster %s was torn down (or booted again) by something else (nodes gone: %s); "
                     "the campaign stops here" % (os.environ["DSL_CLUSTER_ID"], " ".join(gone) or "-"))

    def run_job(self, job):
        kind, mode = job["kind"], job["mode"]
        self.check_cluster()
        resumed_before = self.cl.wait_idle()
        self.set_mode(mode)
        res = os.path.join(self.w, "res", str(job["idx"]))
        os.makedirs(res)
        shutil.chown(res, self.cl.user)
        fault = Fault(self, kind, job, job["rng"]) if kind != "none" else None
        t0 = time.time()
        name, o, p = self.submit(job, res)
        if fault:
            fault.start(t0, self.first[(job["n"], mode)])
        jobid, hung = "", False
        limit = self.limit[mode]
        while p.poll() is None:
            if not jobid:
                jobid = self.jobid(name)
            if time.time() - t0 > limit:
                hung = True
                log("  %s: not over after %d s (the configured time-outs): cancelled" % (name, limit))
                run(["scancel", "-n", name])
                try:
                    p.wait(20)
                except subprocess.TimeoutExpired:
                    os.killpg(p.pid, signal.SIGKILL)
                    p.wait()
                break
            time.sleep(0.1)
        t1 = time.time()
        rc = p.returncode
        o.close()
        jobid = jobid or self.jobid(name)
        undone = fault.finish() if fault else []
        # Epilogs: the job leaves the queue when every node's epilog is done.
        for _ in range(240):
            if not run(["squeue", "-h", "-n", name]).strip():
                break
            time.sleep(0.5)
        # Slurm drains a node when its prolog or epilog failed, i.e. before
        # the job leaves the queue; a later one is caught by wait_idle.
        bad = self.cl.bad_nodes()
        self.check_cluster()
        left = []
        for _ in range(20):
            left = self.cl.leftovers(jobid)
            if not left:
                break
            time.sleep(0.5)
        cleaned = self.cl.clean(left) if left else []
        # Once more, after the leftover checks: a node set down late (e.g.
        # not responding) is this job's too.
        for n, st in self.cl.bad_nodes().items():
            bad.setdefault(n, st)
        resumed = self.cl.resume(bad) if bad else []
        # Results.
        reports = {}
        for f in os.listdir(res):
            if not f.startswith("."):
                reports[f] = open(os.path.join(res, f), errors="replace").read().splitlines()
        ok = corrupt = 0
        msgs = []
        for lines in reports.values():
            w = lines[0].split() if lines else []
            if len(w) >= 8 and w[0] == "FTASK":
                ok += w[2] == "OK"
                corrupt += int(w[5])
            msgs += [ln.split(" ", 2)[2] for ln in lines[1:] if ln.startswith("FERR ")]
        out = open(os.path.join(res, "..", "out-%s" % job["idx"]), errors="replace").read()
        msgs += [ln.strip() for ln in out.splitlines()
                 if ln.strip() and not ln.startswith(("FTASK ", "FERR "))]
        correct = not hung and rc == 0 and ok == job["n"]
        pattern = KINDS[kind][2] if kind in KINDS else r"$^"
        named = [m for m in msgs if re.search(pattern, m, re.I)]
        if hung and self.slurm_lost_step_message(fault, msgs, reports, job["n"]):
            outcome = "hung-slurm"
        elif hung:
            outcome = "hung"
        elif correct:
            outcome = "correct"
        else:
            outcome = "failed-named" if named else "failed-unnamed"
        # A drain is right only for a node fault, on the faulted node.
        wrong = [n for n in bad if not (fault and KINDS[kind][1] and n == fault.node)]
        el = t1 - t0
        base = self.base.get((job["n"], mode))
        msg = (named or msgs or [""])[0]
        row = [job["idx"], kind, "yes" if kind in NODE_FAULTS else "no", job["n"], mode, jobid,
               "%.2f" % fault.moment if fault else "", fault.injected if fault else "",
               "%.2f" % fault.at if fault and fault.at is not None else "",
               fault.detail if fault else "", outcome, len(reports), ok, corrupt, "%.2f" % el,
               "%.2f" % base if base else "", "%.2f" % (el / base) if base and correct else "",
               ";".join("%s:%s:%s" % (n, s[0], s[1]) for n, s in sorted(bad.items())),
               ";".join(wrong), ";".join(resumed_before + resumed),
               ";".join("%s:%s:%s" % x for x in left), ";".join(cleaned), ";".join(undone),
               "%.1f" % (time.time() - t1), msg[:300]]
        self.out.writerow(row)
        self.csv.flush()
        log("  job %3s %-15s N=%-2d %-4s %-14s %6.1f s%s%s%s%s" % (
            job["idx"], kind, job["n"], mode, outcome, el,
            " (x%.2f)" % (el / base) if base and correct else "",
            " fault@%.1fs %s" % (fault.at, fault.detail) if fault and fault.at is not None
            else (" fault: " + fault.injected if fault else ""),
            " DRAINED " + ",".join(bad) if bad else "",
            " LEFT %d" % len(left) if left else "") + ("" if correct else "\n      " + msg[:200]))
        return el, correct

    @staticmethod
    def slurm_lost_step_message(fault, msgs, reports, n):
        """Whether a hung job is Slurm's own: the faulted node's slurmstepd
        could not send srun the launch response or a task's exit (its link
        was down; Slurm does not resend either and srun waits for it for
        ever), while every task of the job ended and wrote its report, so
        nothing of dslswarm held the job.  A real site ends such a step when
        the node stops answering (SlurmdTimeout, NODE_FAIL)."""
        if not fault or fault.kind != "link-cut" or not fault.node:
            return False
        lost = re.compile(r"slurmstepd-%s: .*Failed to send (RESPONSE_LAUNCH_TASKS|MESSAGE_TASK_EXIT)"
                          % re.escape(fault.node))
        ended = sum(1 for lines in reports.values() if lines and lines[0].startswith("FTASK "))
        return ended == n and any(lost.search(m) for m in msgs)

    def baselines(self, count, tag):
        for (n, mode) in [(n, m) for n in self.a.sizes for m in self.a.modes]:
            for _ in range(count):
                self.nb += 1
                job = self.draw_job("b%d" % self.nb, "none", n, mode)
                el, correct = self.run_job(job)
                if correct:
                    self.btimes.setdefault((n, mode), []).append(el)
                self.base[(n, mode)] = statistics.median(self.btimes.get((n, mode), [el]))
                # The moments fall within the fastest run of the shape, so
                # that a fault lands while the set is being distributed.
                self.first[(n, mode)] = min(self.btimes.get((n, mode), [el]))

    def main(self):
        a = self.a
        log("seed %d (replay: --seed %d); %d jobs; sizes %s; modes %s; kinds %s" % (
            a.seed, a.seed, a.jobs, a.sizes, a.modes, ",".join(a.kinds)))
        deck = a.kinds * (a.jobs // len(a.kinds))
        deck += self.rng.sample(a.kinds, a.jobs - len(deck))
        self.rng.shuffle(deck)
        jobs = []
        for i, k in enumerate(deck, 1):
            j = self.draw_job(i, k)
            j["rng"] = random.Random(self.rng.getrandbits(64))
            jobs.append(j)
        self.nb, self.btimes = 0, {}
        self.cl.snapshot()
        first = a.baselines - 1 if a.baselines >= 3 else a.baselines
        log("baselines: %d per job shape (size x mode), no fault" % first)
        self.baselines(first, "start")
        for j in jobs:
            self.run_job(j)
        if a.baselines > first:
            log("baselines again: %d per job shape" % (a.baselines - first))
            self.baselines(a.baselines - first, "end")
        with open(os.path.join(a.out, "baselines.csv"), "w") as f:
            f.write("nodes,mode,runs,median_s,times_s\n")
            for (n, m), t in sorted(self.btimes.items()):
                f.write("%d,%s,%d,%.2f,%s\n" % (n, m, len(t), statistics.median(t),
                                                " ".join("%.2f" % x for x in t)))
        self.csv.close()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--work", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--jobs", type=int, default=100)
    p.add_argument("--seed", type=int, default=None)
    p.add_argument("--sizes", default="4,8,16")
    p.add_argument("--modes", default="lazy,all")
    p.add_argument("--baselines", type=int, default=3)
    p.add_argument("--kinds", default=",".join(KINDS))
    p.add_argument("--seeders", type=int, default=2)
    p.add_argument("--read-timeout", type=int, default=20)
    p.add_argument("--wait-timeout", type=int, default=75)
    p.add_argument("--ready-timeout", type=int, default=30)
    p.add_argument("--slack", type=int, default=30)
    p.add_argument("--cut-s", type=int, default=10)
    p.add_argument("--stop-s", type=int, default=20)
    p.add_argument("--slow-rate", default="1mbit")
    a = p.parse_args()
    a.sizes = [int(x) for x in a.sizes.split(",")]
    a.modes = a.modes.split(",")
    a.kinds = a.kinds.split(",")
    for k in a.kinds:
        if k not in KINDS:
            sys.exit("campaign: --kinds: unknown kind '%s' (known: %s)" % (k, ", ".join(KINDS)))
    if a.seed is None:
        a.seed = random.SystemRandom().randrange(1, 2 ** 31)
    Campaign(a).main()


main()
