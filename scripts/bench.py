#!/usr/bin/env python3
"""The scale curve: `vouch build`, a rebuild with one file edited, one with
a file added (every remembered analysis is taken but those of the reports
that cite it), and
`vouch verify`, each against coreutils' sha256sum over the same files in the
same run, at several corpus sizes; plus the site's size against its input.

Each corpus is generated phase reports in the style of real release evidence
(status lines, gate tables, links between reports, some JSON exports and CI
logs), about 4 KB per file, so that the audit extractor does its real work.

At the --history-scales, a rebuild is also timed once the site keeps 20
snapshots (the default --retain), as a site in use does: each retained
snapshot's archived manifest is as large as the current one.

Wall time is the median of --runs runs; peak memory is the largest resident set
of the measured process tree (getrusage RUSAGE_CHILDREN, per fresh subprocess).
The page cache is warmed first so every contender reads from memory. Nothing
here asserts: it measures and prints ratios, and the goals beside them.
Each build starts without remembered analyses, as on a fresh CI runner;
the rebuilds take those the build before them recorded.

`--corpus DIR` also measures a copy of a real evidence folder the same way
(one Markdown file in the copy is changed for the rebuild)."""

import argparse
import gzip, json, os, random, re, shutil, statistics, subprocess, sys, tempfile

STATUSES = ["PASS", "PASS", "PASS", "Passed", "✅ Complete", "PENDING", "FAIL", "Accepted"]
GATES = ["unit tests", "integration tests", "security scan", "licence check", "performance budget", "docs review"]


def report(rng, i, n):
    stage, phase = i % 23, i % 7
    status = rng.choice(STATUSES)
    rows = "\n".join(
        f"| {g} | {rng.choice(['PASS', 'PASS', 'PENDING', 'FAIL'])} | [log](../logs/ci-{rng.randrange(n):06d}.log) |"
        for g in rng.sample(GATES, 4)
    )
    body = " ".join(rng.choice(["evidence", "reviewed", "the", "gate", "release", "checked", "run", "artifact", "owner"])
                    for _ in range(540))
    return (
        f"# Stage {stage} phase {phase} report {i}\n\n"
        f"**Status:** {status}\n**Date:** 2026-{1 + i % 12:02d}-{1 + i % 28:02d}\n"
        f"**CI run:** https://github.com/example/repo/actions/runs/{9_000_000 + i}\n\n"
        f"## Gates\n\n| Gate | Result | Evidence |\n|---|---|---|\n{rows}\n\n"
        f"## Notes\n\n{body}\n\nSee [the previous report](report-{max(0, i - 1):06d}.md).\n"
    )


def make_corpus(root, files, seed=7):
    """`files` files: 90% reports, 5% JSON exports, 5% CI logs, in 25 folders."""
    rng = random.Random(seed)
    total = 0
    for i in range(files):
        d = os.path.join(root, f"stage-{i % 25:02d}")
        os.makedirs(d, exist_ok=True)
        if i % 20 == 1:
            path, data = os.path.join(d, f"export-{i:06d}.json"), json.dumps(
                {"gate": rng.choice(GATES), "status": rng.choice(["pass", "fail", "pending"]),
                 "checks": [{"name": f"check {k}", "ok": rng.random() > 0.1} for k in range(40)]}, indent=2)
        elif i % 20 == 2:
            path = os.path.join(root, "logs", f"ci-{i:06d}.log")
            os.makedirs(os.path.dirname(path), exist_ok=True)
            data = "".join(f"2026-11-{1 + k % 28:02d}T10:00:{k % 60:02d}Z step {k} ok\n" for k in range(120))
        else:
            path, data = os.path.join(d, f"report-{i:06d}.md"), report(rng, i, files)
        raw = data.encode()
        with open(path, "wb") as f:
            f.write(raw)
        total += len(raw)
    return total


def measure(cmd, runs, cwd=None, before=None, stages=None):
    """Median wall seconds and peak RSS (MiB) of running `cmd` `runs` times.
    `cmd` may be a function returning the command, read after `before`.
    With `stages` (a list), the command is a `vouch build` given
    `--timings`, and `stages` receives each run's stage seconds by name."""
    walls, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        cmd_now = list(cmd() if callable(cmd) else cmd)
        if stages is not None:
            cmd_now.append("--timings")
        script = (
            "import resource,subprocess,sys,time;"
            "t=time.monotonic();r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL,stderr=subprocess.PIPE);"
            "w=time.monotonic()-t;"
            "sys.stderr.buffer.write(r.stderr);"
            "print(w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,r.returncode)"
        )
        out = subprocess.run([sys.executable, "-c", script, *cmd_now], cwd=cwd, capture_output=True, text=True, check=True)
        wall, rss_kib, rc = out.stdout.split()
        if rc != "0":
            sys.exit(f"{' '.join(cmd_now)} exited {rc}")
        walls.append(float(wall))
        peaks.append(int(rss_kib) / 1024)
        if stages is not None:
            stages.append(timings(out.stderr))
    return statistics.median(walls), max(peaks)


UNITS = {"B": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40}


def timings(stderr):
    """What `vouch build --timings` printed, by stage name: its seconds, and
    the peak memory in MiB by its end (`None` where none was printed)."""
    found, inside = {}, False
    for line in stderr.splitlines():
        if line == "timings:":
            inside = True
        elif inside and (m := re.fullmatch(
                r"  (\S.*?)  +([0-9.]+) s +[0-9]+%(?:  peak +([0-9.]+) (\S+) by then)?", line)):
            peak = float(m.group(3)) * UNITS[m.group(4)] / 2**20 if m.group(3) else None
            found[m.group(1)] = (float(m.group(2)), peak)
        elif inside and (m := re.fullmatch(r"  total +([0-9.]+) s", line)):
            found["total"] = (float(m.group(1)), None)
    return found


def stage_medians(runs):
    """Each stage's median seconds over `runs`, and the largest peak memory
    by its end (as `timings` read them)."""
    names = [n for n in (runs[0] if runs else {}) if n != "total"]
    out = []
    for n in names:
        secs = statistics.median(r.get(n, (0.0, None))[0] for r in runs)
        peaks = [r[n][1] for r in runs if n in r and r[n][1] is not None]
        out.append((n, secs, max(peaks) if peaks else None))
    return out


def du(path):
    return sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(path) for f in fs)


def site_parts(site):
    """Where a site's bytes are: each top-level folder, then `audit.json`
    and the other top-level files together, largest first."""
    parts = {}
    for name in os.listdir(site):
        path = os.path.join(site, name)
        if os.path.isdir(path):
            parts[name] = du(path)
        elif name in ("audit.json", "manifest.json"):
            parts[name] = os.path.getsize(path)
        else:
            parts["other files"] = parts.get("other files", 0) + os.path.getsize(path)
    return sorted(parts.items(), key=lambda kv: -kv[1])


def one_scale(vouch, files, runs, tmp, history_scales=()):
    corpus = os.path.join(tmp, f"evidence-{files}")
    size = make_corpus(corpus, files)
    return one_corpus(vouch, corpus, size, f"{files}", runs, tmp, files in history_scales)


def own_corpus(vouch, src, runs, tmp):
    """A copy of `src` (a repository's evidence folder, say), measured as
    the generated corpora are; the copy is what one file is changed in."""
    name = os.path.basename(os.path.abspath(src).rstrip("/")) or "corpus"
    corpus = os.path.join(tmp, f"own-{name}")
    shutil.copytree(src, corpus, symlinks=True)
    size = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(corpus) for f in fs
               if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f)))
    files = sum(len(fs) for _, _, fs in os.walk(corpus))
    return one_corpus(vouch, corpus, size, name, runs, tmp, files <= 10_000)


def one_corpus(vouch, corpus, size, label, runs, tmp, history):
    files = label
    # Regular files only: vouch leaves links out, and so does the reference.
    paths = sorted(os.path.relpath(os.path.join(d, f), corpus) for d, _, fs in os.walk(corpus) for f in fs
                   if os.path.isfile(os.path.join(d, f)) and not os.path.islink(os.path.join(d, f)))
    listfile = os.path.join(tmp, f"files-{files}.txt")
    with open(listfile, "w") as f:
        f.write("\0".join(paths))
    subprocess.run(["sh", "-c", f"xargs -0 cat < {listfile} > /dev/null"], cwd=corpus, check=True)
    sites = iter(os.path.join(tmp, f"site-{files}-{n}") for n in range(runs + 1))
    site = next(sites)

    def fresh():
        # Each build writes a new folder, as on a fresh CI runner; deleting
        # the last site first would time ext4 reclaiming its inodes. Nor
        # does it find the analyses a build before it remembered (a fresh
        # runner has none): only the rebuilds below take them.
        nonlocal site
        site = next(sites)
        shutil.rmtree(os.path.join(os.environ["XDG_CACHE_HOME"], "vouch", "analyses"),
                      ignore_errors=True)

    sha = measure(["sh", "-c", f"xargs -0 sha256sum < {listfile}"], runs, cwd=corpus)
    build_stages, rebuild_stages = [], []
    build = measure(lambda: [vouch, "-q", "build", corpus, "--out", site], runs, before=fresh,
                    stages=build_stages)
    site_bytes = du(site)
    parts = site_parts(site)
    # One report changed, as between two merges (else the middle file).
    reports = [p for p in paths if p.endswith(".md")] or paths
    victim = os.path.join(corpus, reports[len(reports) // 2])

    def touch_one():
        with open(victim, "ab") as f:
            f.write(b"\nOne more line.\n")

    rebuild = measure([vouch, "-q", "build", corpus, "--out", site], runs, before=touch_one,
                      stages=rebuild_stages)
    # One report added instead: the analyses of the reports that looked up
    # its path or name are made again, the rest taken.
    added = iter(range(runs))

    def add_one():
        n = next(added)
        with open(os.path.join(os.path.dirname(victim), f"added-{n}.md"), "w") as f:
            f.write(f"# Added report {n}\n\n**Status:** PASS\n**Date:** 2026-06-01\n")

    rebuild_added = measure([vouch, "-q", "build", corpus, "--out", site], runs, before=add_one)
    verify = measure([vouch, "-q", "verify", site], runs)
    steady = None
    if history:
        # A site in use keeps `--retain` snapshots (20 by default), each with
        # its archived manifest: build until it does, then time a rebuild.
        while len(os.listdir(os.path.join(site, "snapshots"))) < 19:
            touch_one()
            subprocess.run([vouch, "-q", "build", corpus, "--out", site], check=True,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        steady = measure([vouch, "-q", "build", corpus, "--out", site], runs, before=touch_one)
    shutil.rmtree(corpus, ignore_errors=True)
    for n in range(runs + 1):
        shutil.rmtree(os.path.join(tmp, f"site-{files}-{n}"), ignore_errors=True)
    return {"label": label, "files": len(paths), "bytes": size, "sha": sha, "build": build,
            "rebuild": rebuild, "rebuild_added": rebuild_added, "verify": verify, "site": site_bytes, "parts": parts, "steady": steady,
            "stages": {"build": stage_medians(build_stages), "rebuild": stage_medians(rebuild_stages)}}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vouch", required=True)
    p.add_argument("--scales", default="1000,10000,50000", help="comma-separated file counts")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--history-scales", default="1000,10000",
                   help="scales at which a rebuild is also timed with 20 snapshots kept "
                        "(the default --retain; 18 more builds each)")
    p.add_argument("--corpus", action="append", default=[], metavar="DIR",
                   help="also measure a copy of DIR, a real evidence folder (repeatable); "
                        "with 10,000 files or fewer, a rebuild with 20 snapshots kept too")
    a = p.parse_args()
    history_scales = {int(s) for s in a.history_scales.split(",") if s}
    vouch = os.path.abspath(a.vouch)
    tmp = tempfile.mkdtemp(prefix="vouch-bench-")
    # vouch's cache folder (page-record secret, program digest, remembered
    # analyses) is the benchmark's own, not the user's.
    os.environ["XDG_CACHE_HOME"] = os.path.join(tmp, "cache")
    try:
        results = [one_scale(vouch, int(s), a.runs, tmp, history_scales) for s in a.scales.split(",") if s]
        results += [own_corpus(vouch, c, a.runs, tmp) for c in a.corpus]
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    print(f"{os.cpu_count()} CPUs; median of {a.runs} runs; warm page cache; reference: sha256sum over the same files")
    print(f"{'files':>7}{'MiB':>7}  {'work':<17}{'wall s':>8}{'× sha256sum':>13}{'peak MiB':>10}")
    for r in results:
        if r["label"] != str(r["files"]):
            print(f"{r['label']} (a copy of a real evidence folder):")
        for name in ("sha", "build", "rebuild", "rebuild_added", "steady", "verify"):
            if r[name] is None:
                continue
            wall, peak = r[name]
            label = {"sha": "sha256sum", "rebuild": "rebuild, 1 edited",
                     "rebuild_added": "rebuild, 1 added", "steady": "rebuild, 20 kept"}.get(name, name)
            print(f"{r['files']:>7}{r['bytes'] / 2**20:>7.0f}  {label:<17}{wall:>8.2f}{wall / r['sha'][0]:>13.2f}{peak:>10.0f}")
        print(f"{'':>16}site {r['site'] / 2**20:.1f} MiB = {r['site'] / r['bytes']:.2f}× the input")
        print(f"{'':>16}site by part (× the input): "
              + ", ".join(f"{n} {b / r['bytes']:.2f}" for n, b in r["parts"]))
        for work, stages in r["stages"].items():
            if stages:
                parts = ", ".join(f"{n} {s:.2f}" for n, s, _ in stages)
                print(f"{'':>16}{work} by stage (s, median; `vouch build --timings`): {parts}")
                if all(p is not None for _, _, p in stages):
                    parts = ", ".join(f"{n} {p:.0f}" for n, _, p in stages)
                    print(f"{'':>16}{work}, peak memory by the end of each stage (MiB, largest): {parts}")
    viewer = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "generator", "assets", "viewer")
    sizes = {}
    for f in ("vouch_viewer_bg.wasm", "vouch_viewer.js"):
        with open(os.path.join(viewer, f), "rb") as fh:
            sizes[f] = len(gzip.compress(fh.read(), 9))
    print(f"viewer (the committed build): wasm {sizes['vouch_viewer_bg.wasm']:,} bytes gzip, "
          f"JS {sizes['vouch_viewer.js']:,} bytes gzip")
    print("goals (issue 11): build ≤ 3× sha256sum; peak RSS ≤ 150 MiB at 50,000 files; "
          "rebuild with one file changed ≤ 1.5× sha256sum; site ≤ 2.5× the input; "
          "viewer ≤ 250 KB gzip")


if __name__ == "__main__":
    main()
