#!/usr/bin/env python3
"""Benchmark corral against ruff and ast-grep on a corpus of real packages, in one run.

    python3 bench/run.py              # download (once), build, time, report
    python3 bench/run.py --verify     # also: apply on a copy, compile every changed file, re-run,
                                      # and each transform's precision from bench/labels/
    python3 bench/run.py --scale-only # only the scaling rows: one generated file at 1x, 4x, 16x
    python3 bench/run.py --sample 30 [--rule NAME] [--unlabelled] [--seed S]
                                      # findings to label, with their code; no timing
    python3 bench/run.py --precision  # precision per transform from the labels; no timing

Everything it fetches or builds goes under target/bench/: the pinned packages from PyPI (unpacked
to their .py files), a virtualenv with the pinned ruff and ast-grep, and the results. Each tool
is run RUNS times after one warm-up run; the table shows the median wall time, the CPU time (user
+ system) and the peak resident memory of that run, and ratios against ruff and ast-grep. `cat`
of every file is the floor. Machines here are shared and noisy: read the ratios, not the seconds.
"""

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
WORK = REPO / "target" / "bench"
CORPUS = WORK / "corpus"
VENV = WORK / "venv"
RULES = REPO / "bench" / "ast-grep" / "sgconfig.yml"
# One file per transform, `<name>.tsv`: a finding's place (`<package>/<path>:<line>`), its label
# (true: a maintainer would want it; noise: it matches, but nobody would act; false: wrong) and
# why, read from the code.
LABELS = REPO / "bench" / "labels"
LABEL_KINDS = ("true", "noise", "false")

PACKAGES = [
    ("homeassistant", "2026.2.3"),
    ("django", "5.2.19"),
    ("langchain-community", "0.4.2"),
    ("openstacksdk", "4.22.0"),
    ("prefect", "3.9.1"),
    # Async servers and clients, task queues, crawlers, SDKs and automation: the code the
    # precision labels (bench/labels/) are read from, so that no one package's habits decide
    # what a rule's precision is.
    ("aiohttp", "3.14.5"),
    ("distributed", "2026.8.0"),
    ("tornado", "6.6.1"),
    ("scrapy", "2.19.0"),
    ("sanic", "25.12.1"),
    ("celery", "5.7.0"),
    ("kombu", "5.7.0"),
    ("botocore", "1.44.8"),
    ("uvicorn", "0.54.0"),
    ("ansible-core", "2.21.5"),
    ("jupyter-server", "2.21.1"),
]
# The Python the packages are fetched for: current homeassistant needs 3.13, and its 3.12+ syntax
# (PEP 695 type parameters) is part of what the corpus exercises.
PYTHON_VERSION = "3.13.9"
TOOLS = [("ruff", "0.17.6"), ("ast-grep-cli", "0.51.1")]
# The corpus's own project metadata. corral reads the nearest pyproject.toml, and the corpus lies
# inside this repository, whose pyproject.toml packages corral; this one keeps that file from
# governing the corpus. It sets no corral key and no requires-python (so the default target,
# py39), and names httpx, so that the thread-pool rewrites use httpx as they do where no metadata
# is found at all.
CORPUS_METADATA = (
    "# Written by bench/run.py: the corpus is a project of its own, not part of corral's.\n"
    "[project]\n"
    'name = "corral-bench-corpus"\n'
    'version = "0"\n'
    'dependencies = ["httpx"]\n'
)
RUNS = 5
# The generated module (bench/generate.py: N small functions, each calling requests.get with a
# timeout, and one unbounded gather) at 1x, 4x and 16x: how cost grows with one file's size.
SCALE = [("1x", 5000), ("4x", 20000), ("16x", 80000)]
SCALE_RUNS = 3


def log(message):
    print(message, file=sys.stderr, flush=True)


def run(cmd, **kwargs):
    return subprocess.run(cmd, check=True, **kwargs)


def ensure_tools():
    python = VENV / "bin" / "python3"
    if not python.exists():
        log("creating the tool virtualenv")
        run([sys.executable, "-m", "venv", str(VENV)])
    wanted = [f"{name}=={version}" for name, version in TOOLS]
    have = subprocess.run(
        [str(python), "-m", "pip", "freeze"], capture_output=True, text=True
    ).stdout.split()
    if not all(w in have for w in wanted):
        log("installing " + ", ".join(wanted))
        run([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *wanted])
    return VENV / "bin" / "ruff", VENV / "bin" / "ast-grep"


def ensure_corpus():
    marker = CORPUS / "VERSIONS.txt"
    expected = "".join(f"{name}=={version}\n" for name, version in PACKAGES)
    if marker.exists() and marker.read_text() == expected:
        return
    shutil.rmtree(CORPUS, ignore_errors=True)
    wheels = WORK / "wheels"
    wheels.mkdir(parents=True, exist_ok=True)
    specs = [f"{name}=={version}" for name, version in PACKAGES]
    log("downloading " + ", ".join(specs))
    run([
        sys.executable, "-m", "pip", "download", "--quiet", "--disable-pip-version-check",
        "--no-deps", "--only-binary=:all:", "--python-version", PYTHON_VERSION,
        "--dest", str(wheels), *specs,
    ])
    for name, version in PACKAGES:
        stem = name.replace("-", "_")
        wheel = next(wheels.glob(f"{stem}-{version}-*.whl"))
        target = CORPUS / f"{name}-{version}"
        with zipfile.ZipFile(wheel) as archive:
            for member in archive.namelist():
                if member.endswith(".py") and ".dist-info/" not in member:
                    archive.extract(member, target)
    marker.write_text(expected)


def corpus_size():
    files = list(CORPUS.rglob("*.py"))
    lines = 0
    for f in files:
        with open(f, "rb") as fh:
            lines += fh.read().count(b"\n")
    return len(files), lines


# Each timed command is started by this small helper rather than by the benchmark itself: a
# child's peak RSS (ru_maxrss) includes what it inherited at fork, so a benchmark process grown by
# unpacking wheels would otherwise set every tool's floor.
LAUNCH = (
    "import json, os, sys, time\n"
    "start = time.perf_counter()\n"
    "pid = os.fork()\n"
    "if pid == 0:\n"
    "    fd = os.open(os.devnull, os.O_WRONLY)\n"
    "    os.dup2(fd, 1); os.dup2(fd, 2)\n"
    "    try:\n"
    "        os.execvp(sys.argv[1], sys.argv[1:])\n"
    "    finally:\n"
    "        os._exit(127)\n"
    "_, status, usage = os.wait4(pid, 0)\n"
    "wall = time.perf_counter() - start\n"
    "print(json.dumps([wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024,\n"
    "                  os.waitstatus_to_exitcode(status)]))\n"
)


def measure(cmd, runs=RUNS, cwd=None):
    """Median-by-wall sample of (wall s, cpu s, peak RSS MiB, exit code)."""
    samples = []
    for attempt in range(runs + 1):
        out = subprocess.run(
            [sys.executable, "-S", "-c", LAUNCH, *cmd], capture_output=True, text=True, cwd=cwd,
            check=True,
        ).stdout
        if attempt == 0:
            continue  # warm-up: page cache, lazy loading
        samples.append(tuple(json.loads(out)))
    samples.sort()
    return samples[len(samples) // 2]


def benchmark(corral, ruff, ast_grep):
    corpus = str(CORPUS)
    commands = {
        "corral check": [str(corral), "check", "--quiet", corpus],
        "corral diff": [str(corral), "diff", "--quiet", corpus],
        "ruff check --select ASYNC,S113,RUF006": [
            str(ruff), "check", "--select", "ASYNC,S113,RUF006", "--no-cache", "--isolated",
            "--exit-zero", corpus,
        ],
        "ast-grep scan": [str(ast_grep), "scan", "-c", str(RULES), corpus],
        "cat (floor)": ["sh", "-c", f"find '{corpus}' -name '*.py' -print0 | xargs -0 cat > /dev/null"],
    }
    results = {}
    for name, cmd in commands.items():
        log(f"timing {name}")
        wall, cpu, rss, code = measure(cmd)
        if code not in (0, 1):
            sys.exit(f"{name} failed with exit code {code}: {' '.join(cmd)}")
        results[name] = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss, "exit": code}
    return results


def scaling(corral, ruff):
    """corral check, corral diff and ruff on one generated file at each size of SCALE, and how
    their time grows per 4x of size."""
    out = WORK / "scale"
    out.mkdir(parents=True, exist_ok=True)
    rows = {}
    for label, functions in SCALE:
        path = out / f"functions_{functions}.py"
        text = subprocess.run(
            [sys.executable, str(REPO / "bench" / "generate.py"), "functions", str(functions)],
            capture_output=True, text=True, check=True,
        ).stdout
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
        commands = {
            "corral check": [str(corral), "check", "--quiet", str(path)],
            "corral diff": [str(corral), "diff", "--quiet", str(path)],
            "ruff check --select ASYNC,S113": [
                str(ruff), "check", "--select", "ASYNC,S113", "--no-cache", "--isolated",
                "--exit-zero", str(path),
            ],
        }
        row = {"functions": functions, "mib": path.stat().st_size / 2**20}
        for name, cmd in commands.items():
            log(f"timing {name} on the {label} generated file")
            wall, cpu, rss, code = measure(cmd, runs=SCALE_RUNS)
            if code not in (0, 1):
                sys.exit(f"{name} failed with exit code {code}: {' '.join(cmd)}")
            row[name] = {"wall_s": wall, "cpu_s": cpu, "peak_rss_mib": rss}
        rows[label] = row
    growth = {}
    for name in ("corral check", "corral diff"):
        for small, large in (("1x", "4x"), ("4x", "16x")):
            growth[f"{name}, {large} / {small} (wall)"] = (
                rows[large][name]["wall_s"] / rows[small][name]["wall_s"]
            )
    growth["corral check / ruff on 16x (wall)"] = (
        rows["16x"]["corral check"]["wall_s"] / rows["16x"]["ruff check --select ASYNC,S113"]["wall_s"]
    )
    return {"rows": rows, "ratios": growth}


def print_scaling(scale):
    print()
    print("| generated file | MiB | corral check s | corral diff s | ruff check --select ASYNC,S113 s |")
    print("|---|---:|---:|---:|---:|")
    for label, row in scale["rows"].items():
        print(f"| {label}: {row['functions']:,} functions | {row['mib']:.1f} "
              f"| {row['corral check']['wall_s']:.2f} | {row['corral diff']['wall_s']:.2f} "
              f"| {row['ruff check --select ASYNC,S113']['wall_s']:.2f} |")
    print()
    print("| ratio | value | target |")
    print("|---|---:|---:|")
    for name, value in scale["ratios"].items():
        target = "<= 2" if "ruff" in name else "<= 5"
        print(f"| {name} | {value:.2f} | {target} |")


def same_findings_parsing_whole_files(corral):
    """check parses only the parts of a file its transforms read; its findings must be exactly
    those of parsing every file whole."""
    def findings(*flags):
        out = subprocess.run(
            [str(corral), "check", "--quiet", "--format", "json", *flags, str(CORPUS)],
            capture_output=True, text=True,
        )
        if out.returncode not in (0, 1):
            sys.exit(f"corral check {' '.join(flags)} failed ({out.returncode}):\n{out.stderr[-3000:]}")
        return json.loads(out.stdout)
    cut, whole = findings(), findings("--parse-whole-files")
    # The rewrites too, with the transforms that add deadlines on, for the oldest target.
    def diff(*flags):
        return subprocess.run(
            [str(corral), "diff", "--quiet", "--timeout", "5", "--target-version", "py38", *flags,
             str(CORPUS)],
            capture_output=True,
        ).stdout
    same_diff = diff() == diff("--parse-whole-files")
    return {"findings": len(cut), "findings_parsing_whole_files": len(whole),
            "identical": cut == whole and same_diff}


def ruff_syntax_errors(ruff, paths):
    """The paths ruff's parser (for Python 3.13) finds a syntax error in: the check for files
    newer than the python3 here can compile."""
    if not paths:
        return set()
    out = subprocess.run(
        [str(ruff), "check", "--isolated", "--no-cache", "--target-version", "py313",
         "--output-format", "json", "--exit-zero", *[str(p) for p in paths]],
        capture_output=True, text=True, check=True,
    ).stdout
    return {d["filename"] for d in json.loads(out) if d["code"] == "invalid-syntax"}


def verify(corral, ruff):
    """Apply on a copy of the corpus; every changed file must compile where its original did (or,
    for syntax newer than the python3 here, parse with ruff's 3.13 parser where its original
    did), and a second run must change nothing."""
    copy = WORK / "verify"
    shutil.rmtree(copy, ignore_errors=True)
    shutil.copytree(CORPUS, copy)
    applied = subprocess.run(
        [str(corral), "apply", "--allow-dirty", "--timeout", "10", str(copy)],
        capture_output=True, text=True,
    )
    if applied.returncode not in (0, 1) or "panicked" in applied.stderr:
        sys.exit(f"corral apply failed ({applied.returncode}):\n{applied.stderr[-3000:]}")
    changed = []
    for path in copy.rglob("*.py"):
        original = CORPUS / path.relative_to(copy)
        if path.read_bytes() != original.read_bytes():
            changed.append((original, path))
    broken = []
    original_broken = 0
    check = (
        "import sys\n"
        "for p in sys.argv[1:]:\n"
        "    try:\n"
        "        compile(open(p, 'rb').read(), p, 'exec')\n"
        "    except SyntaxError as e:\n"
        "        print(p)\n"
    )
    originals = {str(o) for o in subprocess.run(
        [sys.executable, "-c", check, *[str(o) for o, _ in changed]],
        capture_output=True, text=True,
    ).stdout.split()}
    rewrites = {str(r) for r in subprocess.run(
        [sys.executable, "-c", check, *[str(r) for _, r in changed]],
        capture_output=True, text=True,
    ).stdout.split()}
    newer = [(o, r) for o, r in changed if str(o) in originals]
    newer_broken_originals = ruff_syntax_errors(ruff, [o for o, _ in newer])
    newer_broken_rewrites = ruff_syntax_errors(ruff, [r for _, r in newer])
    checked_by_ruff = 0
    for original, rewrite in changed:
        if str(original) in originals:
            original_broken += 1
            if str(original.resolve()) not in newer_broken_originals:
                checked_by_ruff += 1
                if str(rewrite.resolve()) in newer_broken_rewrites:
                    broken.append(str(rewrite))
        elif str(rewrite) in rewrites:
            broken.append(str(rewrite))
    again = subprocess.run(
        [str(corral), "diff", "--quiet", "--timeout", "10", str(copy)], capture_output=True, text=True
    )
    # What a maintainer would merge: files the formatter left as they were stay so, and corral's
    # own check finds nothing in its output that it did not find before.
    def unformatted(paths):
        out = subprocess.run(
            [str(ruff), "format", "--check", "--isolated", "--line-length", "88",
             *[str(p) for p in paths]],
            capture_output=True, text=True,
        ).stdout
        return {line.split()[-1] for line in out.splitlines() if line.startswith("Would reformat")}
    formatted = [(o, r) for o, r in changed if str(o) not in unformatted([o for o, _ in changed])]
    unformatted_after = unformatted([r for _, r in formatted])
    def finding_counts(root):
        out = subprocess.run(
            [str(corral), "check", "--quiet", "--format", "json", "--timeout", "10", str(root)],
            capture_output=True, text=True,
        ).stdout
        counts = {}
        for f in json.loads(out):
            key = (str(Path(f["path"]).resolve().relative_to(Path(root).resolve())), f["rule"], f["message"])
            counts[key] = counts.get(key, 0) + 1
        return counts
    before_findings, after_findings = finding_counts(CORPUS), finding_counts(copy)
    new_findings = sorted(k for k, n in after_findings.items() if n > before_findings.get(k, 0))
    summary = [l for l in applied.stderr.splitlines() if "scanned" in l]
    per_rule = [
        l.strip() for l in applied.stderr.splitlines() if l.startswith("  ") and not l.startswith("    ")
    ]
    skipped = [l for l in applied.stderr.splitlines() if l.startswith("corral: skipped")]
    return {
        "summary": summary[-1] if summary else "",
        "per_transform": per_rule,
        "changed_files": len(changed),
        "compile_failures_introduced": broken,
        "changed_files_whose_original_does_not_compile_here": original_broken,
        "of_those_checked_with_ruffs_parser_for_3_13": checked_by_ruff,
        "changed_files_formatted_before": len(formatted),
        "of_those_unformatted_after": sorted(unformatted_after),
        "new_findings_in_the_output": [" ".join(k) for k in new_findings],
        "second_run_exit": again.returncode,
        "second_run_diff_bytes": len(again.stdout),
        "skipped_files": skipped,
        "regions": same_findings_parsing_whole_files(corral),
    }


def transforms(corral):
    """Every transform as `(name, on by default)`, from `corral rules`."""
    out = subprocess.run([str(corral), "rules"], capture_output=True, text=True, check=True).stdout
    return [(line.split()[0], line.split()[2] == "default")
            for line in out.splitlines() if line.strip() and not line[0].isspace()]


def corpus_findings(corral):
    """Every transform's findings on the corpus, opt-in ones included, so each can be labelled."""
    names = ",".join(name for name, _ in transforms(corral))
    out = subprocess.run(
        [str(corral), "check", "--quiet", "--format", "json", "--select", names, str(CORPUS)],
        capture_output=True, text=True,
    )
    if out.returncode not in (0, 1):
        sys.exit(f"corral check failed ({out.returncode}):\n{out.stderr[-3000:]}")
    findings = json.loads(out.stdout)
    for f in findings:
        f["place"] = f"{Path(f['path']).resolve().relative_to(CORPUS.resolve())}:{f['line']}"
    return findings


def read_labels():
    """`{transform: {place: (label, reason)}}` from bench/labels/."""
    labels = {}
    for path in sorted(LABELS.glob("*.tsv")):
        table = labels.setdefault(path.stem, {})
        for number, line in enumerate(path.read_text().splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            if len(fields) < 3 or fields[1] not in LABEL_KINDS:
                sys.exit(f"{path.name}:{number}: want `place<TAB>{'|'.join(LABEL_KINDS)}<TAB>reason`")
            table[fields[0]] = (fields[1], fields[2])
    return labels


def precision(corral):
    """Per transform: its findings, how many are labelled, and the labels' counts."""
    findings = corpus_findings(corral)
    labels = read_labels()
    table = {}
    for name, default in transforms(corral):
        own = labels.get(name, {})
        places = {f["place"] for f in findings if f["rule"] == name}
        counts = {kind: 0 for kind in LABEL_KINDS}
        for place in places & own.keys():
            counts[own[place][0]] += 1
        labelled = sum(counts.values())
        table[name] = {
            "default": default,
            "findings": len(places),
            "labelled": labelled,
            **counts,
            "precision": counts["true"] / labelled if labelled else None,
            # Labels of places the transform no longer reports: what a change took away.
            "labels_not_reported": len(own.keys() - places),
        }
    return table


def print_precision(table):
    print("| transform | default | findings | labelled | true | noise | false | precision |")
    print("|---|---|---:|---:|---:|---:|---:|---:|")
    for name, r in table.items():
        shown = f"{r['precision']:.0%}" if r["precision"] is not None else "-"
        print(f"| {name} | {'yes' if r['default'] else 'opt-in'} | {r['findings']} | {r['labelled']} "
              f"| {r['true']} | {r['noise']} | {r['false']} | {shown} |")


def context(place, finding, around=8):
    """The lines around a finding, the `def`/`class` headers above it, and the finding marked."""
    path, _ = place.rsplit(":", 1)
    lines = (CORPUS / path).read_text(encoding="utf-8", errors="replace").splitlines()
    first, last = finding["line"], finding["end_line"]
    start, end = max(1, first - around), min(len(lines), max(last, first + 3) + 4)
    headers = []
    indent = len(lines[first - 1]) - len(lines[first - 1].lstrip())
    for number in range(first - 1, 0, -1):
        text = lines[number - 1]
        stripped = text.lstrip()
        if not stripped or stripped.startswith("#"):
            continue
        own = len(text) - len(stripped)
        if own < indent and stripped.startswith(("def ", "async def ", "class ")):
            if number < start:
                headers.append(f"  {number:>5}  {text}")
            indent = own
    out = list(reversed(headers))
    if headers:
        out.append("         ...")
    for number in range(start, end + 1):
        mark = ">" if first <= number <= last else " "
        out.append(f"{mark} {number:>5}  {lines[number - 1]}")
    return "\n".join(out)


def sample(corral, count, seed, only_rule, unlabelled):
    """A seeded sample of each transform's findings, spread across packages, to label."""
    import random
    findings = corpus_findings(corral)
    labels = read_labels()
    for name, default in transforms(corral):
        if only_rule and name != only_rule:
            continue
        own = labels.get(name, {})
        mine = [f for f in findings if f["rule"] == name and not (unlabelled and f["place"] in own)]
        by_package = {}
        for f in sorted(mine, key=lambda f: (f["place"], f["column"])):
            by_package.setdefault(f["place"].split("/", 1)[0], []).append(f)
        rng = random.Random(f"{seed}:{name}")
        packages = sorted(by_package)
        rng.shuffle(packages)
        for package in packages:
            rng.shuffle(by_package[package])
        chosen = []
        while len(chosen) < count and any(by_package.values()):
            for package in packages:
                if by_package[package] and len(chosen) < count:
                    chosen.append(by_package[package].pop())
        print(f"# {name} ({'on by default' if default else 'opt-in'}): {len(chosen)} of "
              f"{len(mine)} {'unlabelled ' if unlabelled else ''}findings, seed {seed}")
        for f in chosen:
            label = own.get(f["place"])
            print()
            print(f"## {f['place']}\t{label[0] + chr(9) + label[1] if label else ''}")
            print(f"message: {f['message']}")
            if f.get("fix"):
                print("fix: " + "; ".join(f["fix"]["changes"]) if f["fix"]["changes"] else "fix: safe")
                for edit in f["fix"]["edits"]:
                    shown = edit["content"] if len(edit["content"]) < 400 else edit["content"][:400] + "..."
                    print(f"  edit {edit['start']['line']}:{edit['start']['column']}-"
                          f"{edit['end']['line']}:{edit['end']['column']} -> {shown!r}")
            else:
                print("fix: none (report only)")
            print(context(f["place"], f))
        print()


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verify", action="store_true", help="also apply, compile and re-run")
    parser.add_argument("--sample", type=int, metavar="N",
                        help="print N findings per transform to label, spread across packages; no timing")
    parser.add_argument("--seed", default="1", help="the sample's seed")
    parser.add_argument("--rule", help="sample only this transform")
    parser.add_argument("--unlabelled", action="store_true", help="sample only findings with no label")
    parser.add_argument("--precision", action="store_true",
                        help="print each transform's precision from bench/labels/; no timing")
    parser.add_argument("--scale-only", action="store_true",
                        help="only time the generated file at 1x, 4x and 16x")
    args = parser.parse_args()

    WORK.mkdir(parents=True, exist_ok=True)
    ruff, ast_grep = ensure_tools()
    log("building corral (release)")
    run(["cargo", "build", "--release", "--quiet"], cwd=REPO)
    corral = REPO / "target" / "release" / "corral"
    if args.scale_only:
        print_scaling(scaling(corral, ruff))
        return
    ensure_corpus()
    (CORPUS / "pyproject.toml").write_text(CORPUS_METADATA)
    if args.sample:
        sample(corral, args.sample, args.seed, args.rule, args.unlabelled)
        return
    if args.precision:
        print_precision(precision(corral))
        return

    files, lines = corpus_size()
    versions = {name: version for name, version in PACKAGES}
    tool_versions = {
        "ruff": subprocess.run([str(ruff), "--version"], capture_output=True, text=True).stdout.strip(),
        "ast-grep": subprocess.run([str(ast_grep), "--version"], capture_output=True, text=True).stdout.strip(),
        "corral": subprocess.run([str(corral), "--version"], capture_output=True, text=True).stdout.strip(),
    }
    results = benchmark(corral, ruff, ast_grep)
    ruff_r = results["ruff check --select ASYNC,S113,RUF006"]
    sg_r = results["ast-grep scan"]
    check_r = results["corral check"]
    ratios = {
        "corral check / ruff (wall)": check_r["wall_s"] / ruff_r["wall_s"],
        "corral check / ast-grep (wall)": check_r["wall_s"] / sg_r["wall_s"],
        "corral check / ruff (peak memory)": check_r["peak_rss_mib"] / ruff_r["peak_rss_mib"],
        "corral diff / corral check (wall)": results["corral diff"]["wall_s"] / check_r["wall_s"],
    }
    scale = scaling(corral, ruff)
    report = {
        "corpus": {"packages": versions, "files": files, "lines": lines},
        "tools": tool_versions,
        "cores": os.cpu_count(),
        "runs": RUNS,
        "results": results,
        "ratios": ratios,
        "scaling": scale,
    }
    if args.verify:
        log("verifying apply on a copy of the corpus")
        report["verify"] = verify(corral, ruff)
        report["precision"] = precision(corral)

    print(f"corpus: {files} files, {lines} lines: " + ", ".join(f"{n} {v}" for n, v in versions.items()))
    print(f"tools: {tool_versions['corral']}; {tool_versions['ruff']}; {tool_versions['ast-grep']}; {os.cpu_count()} cores; median of {RUNS}")
    print()
    print("| command | wall s | CPU s | peak MiB |")
    print("|---|---:|---:|---:|")
    for name, r in results.items():
        print(f"| {name} | {r['wall_s']:.2f} | {r['cpu_s']:.2f} | {r['peak_rss_mib']:.0f} |")
    print()
    print("| ratio | value |")
    print("|---|---:|")
    for name, value in ratios.items():
        print(f"| {name} | {value:.2f} |")
    print_scaling(scale)
    if args.verify:
        v = report["verify"]
        print()
        print(f"verify: {v['summary']}")
        for line in v["per_transform"]:
            print(f"  {line}")
        print(f"  changed files: {v['changed_files']}; compile failures introduced: "
              f"{len(v['compile_failures_introduced'])}; changed files whose original does not "
              f"compile under this python3: {v['changed_files_whose_original_does_not_compile_here']} "
              f"({v['of_those_checked_with_ruffs_parser_for_3_13']} of them parse with ruff's parser "
              f"for 3.13, and their rewrites were checked with it instead)")
        print(f"  changed files that ruff format left as they were: {v['changed_files_formatted_before']}; "
              f"of those, not so after the rewrite: {len(v['of_those_unformatted_after'])}")
        for line in v["of_those_unformatted_after"][:10]:
            print(f"    {line}")
        print(f"  findings of corral check in its own output that were not in the input: "
              f"{len(v['new_findings_in_the_output'])}")
        for line in v["new_findings_in_the_output"][:10]:
            print(f"    {line}")
        print(f"  second run: exit {v['second_run_exit']}, {v['second_run_diff_bytes']} bytes of diff")
        r = v["regions"]
        print(f"  check findings: {r['findings']}; parsing whole files: "
              f"{r['findings_parsing_whole_files']}; identical, and so are the diffs (py38, "
              f"--timeout 5): {r['identical']}")
        print(f"  skipped files: {len(v['skipped_files'])}")
        for line in v["skipped_files"][:20]:
            print(f"    {line}")
        print()
        print("precision on the labelled findings (bench/labels/):")
        print_precision(report["precision"])
    (WORK / "results.json").write_text(json.dumps(report, indent=2))
    if args.verify and (report["verify"]["compile_failures_introduced"] or report["verify"]["second_run_diff_bytes"]
                        or report["verify"]["of_those_unformatted_after"]
                        or report["verify"]["new_findings_in_the_output"]
                        or not report["verify"]["regions"]["identical"]):
        sys.exit("verification failed")


if __name__ == "__main__":
    main()
