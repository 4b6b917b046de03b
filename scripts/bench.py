#!/usr/bin/env python3
"""Times `vouch build` and `vouch verify` against coreutils' sha256sum over the
same generated corpus, in the same run, and prints ratios.

Wall time is the median of --runs runs; peak memory is the largest resident set
of the measured process tree (getrusage RUSAGE_CHILDREN, per fresh subprocess).
The page cache is warmed first so every contender reads from memory."""

import argparse, os, random, resource, shutil, statistics, subprocess, sys, tempfile, time


def make_corpus(root, files, total_mb, seed=7):
    rng = random.Random(seed)
    total = total_mb * 1024 * 1024
    # A few large logs/exports, some medium, many small reports.
    big = max(1, files // 200)
    medium = max(1, files // 20)
    small = files - big - medium
    sizes = [rng.randint(1_000, 40_000) for _ in range(small)]
    remaining = total - sum(sizes)
    sizes += [remaining * 35 // 100 // medium] * medium
    sizes += [remaining * 65 // 100 // big] * big
    rng.shuffle(sizes)
    words = b"gate phase stage evidence passed pending met ci run pull request sha ".split()
    for i, size in enumerate(sizes):
        d = os.path.join(root, f"stage{i % 17}", f"phase{i % 5}")
        os.makedirs(d, exist_ok=True)
        ext = (".md", ".json", ".log", ".txt", ".bin")[i % 5]
        with open(os.path.join(d, f"artifact-{i:05d}{ext}"), "wb") as f:
            if ext == ".bin":
                f.write(os.urandom(size))
            else:
                line = b" ".join(rng.choice(words) for _ in range(12)) + b"\n"
                f.write((line * (size // len(line) + 1))[:size])
    return len(sizes), sum(sizes)


def measure(cmd, runs, cwd=None, before=None):
    """Median wall seconds and peak RSS (MiB) of running `cmd` `runs` times."""
    walls, peaks = [], []
    for _ in range(runs):
        if before:
            before()
        script = (
            "import resource,subprocess,sys,time;"
            "t=time.monotonic();r=subprocess.run(sys.argv[1:],stdout=subprocess.DEVNULL);"
            "w=time.monotonic()-t;"
            "print(w,resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss,r.returncode)"
        )
        out = subprocess.run([sys.executable, "-c", script, *cmd], cwd=cwd, capture_output=True, text=True, check=True)
        wall, rss_kib, rc = out.stdout.split()
        if rc != "0":
            sys.exit(f"{cmd[0]} exited {rc}")
        walls.append(float(wall))
        peaks.append(int(rss_kib) / 1024)
    return statistics.median(walls), max(peaks)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--vouch", required=True)
    p.add_argument("--files", type=int, default=2000)
    p.add_argument("--mb", type=int, default=500)
    p.add_argument("--runs", type=int, default=3)
    a = p.parse_args()
    vouch = os.path.abspath(a.vouch)
    tmp = tempfile.mkdtemp(prefix="vouch-bench-")
    try:
        corpus = os.path.join(tmp, "evidence")
        n, size = make_corpus(corpus, a.files, a.mb)
        paths = sorted(os.path.relpath(os.path.join(d, f), corpus) for d, _, fs in os.walk(corpus) for f in fs)
        listfile = os.path.join(tmp, "files.txt")
        with open(listfile, "w") as f:
            f.write("\0".join(paths))
        subprocess.run(["sh", "-c", f"xargs -0 cat < {listfile} > /dev/null"], cwd=corpus, check=True)
        site = os.path.join(tmp, "site")
        clear = lambda: shutil.rmtree(site, ignore_errors=True)

        cpus = os.cpu_count() or 1
        sha1 = measure(["sh", "-c", f"xargs -0 sha256sum < {listfile}"], a.runs, cwd=corpus)
        shan = measure(["sh", "-c", f"xargs -0 -P {cpus} -n 64 sha256sum < {listfile}"], a.runs, cwd=corpus)
        build = measure([vouch, "-q", "build", corpus, "--out", site], a.runs, before=clear)
        verify = measure([vouch, "-q", "verify", site], a.runs)

        print(f"corpus: {n} files, {size / 2**20:.0f} MiB; {cpus} CPUs; median of {a.runs} runs; warm page cache")
        print(f"{'command':<34}{'wall s':>9}{'peak MiB':>10}{'wall ratio':>12}{'MiB/s':>9}")
        rows = [
            ("sha256sum (1 process at a time)", sha1),
            (f"sha256sum (xargs -P {cpus})", shan),
            ("vouch build", build),
            ("vouch verify", verify),
        ]
        for name, (wall, peak) in rows:
            print(f"{name:<34}{wall:>9.2f}{peak:>10.1f}{wall / sha1[0]:>12.2f}{size / 2**20 / wall:>9.0f}")
        print(f"vouch build / sha256sum: wall x{build[0] / sha1[0]:.2f}, peak memory x{build[1] / sha1[1]:.1f} "
              f"({build[1]:.0f} MiB vs {sha1[1]:.0f} MiB)")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
