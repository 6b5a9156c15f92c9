"""Every output of a fixed set of runs, hashed: the proof that a change which should not change behaviour did not.

    python -m benchmarks.identical --out /tmp/before          # on the old code: run everything, write MANIFEST
    python -m benchmarks.identical --out /tmp/after --compare /tmp/before/MANIFEST

The runs: the demo district and the messy demo (with its layout file) and a generated district of ~10k records,
each at two as-of dates, the later one with waivers and with the earlier one's findings.json as baseline; every
``--format`` (files and the stdout streams), ``compliance validate`` as text and JSON, ``compliance plan`` with
its calendars, ``compliance layout suggest``, ``compliance rules`` and ``compliance template``. Each run is a
whole ``compliance`` process, so what is compared is what users get: every file written and every byte on standard
output, with the exit code. Timings on standard error are left out.
"""

from __future__ import annotations

import argparse
import hashlib
import re
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
DEMO = REPO / "fixtures" / "demo"
MESSY = REPO / "fixtures" / "messy"
ALL_FORMATS = "json,html,xlsx,junit,sarif,markdown,github,text"
WAIVERS = """\
waivers:
  - rule: theme-day-monthly
    orgs: [第一中学*]
    from: 2024-08
    to: 2024-08
    reason: 暑期教师集中培训，经党委批准顺延
    approved_by: 第一中学党委
    expires: 2025-06-30
  - rule: [branch-committee-monthly, party-lecture-quarterly, branch-election-term, member-meeting-quorum]
    orgs: ["*支部", 区委教育工委]
    from: 2024-01
    to: 2024-12
    reason: 试点单位，另行考核
    approved_by: 区委教育工委
  - rule: leader-research-yearly
    orgs: [不存在的组织]
    from: 2024-01
    to: 2024-06
    reason: 一项用不上的豁免
    approved_by: 区委教育工委
  - rule: leader-lecture-yearly
    orgs: [区委教育工委]
    from: 2024-01
    to: 2024-12
    reason: 已到期的豁免
    approved_by: 区委教育工委
    expires: 2024-06-30
"""


def run(args: list[str], cwd: Path) -> tuple[int, bytes]:
    done = subprocess.run([sys.executable, "-m", "compliance", *args], cwd=cwd, capture_output=True, check=False,
                          env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONHASHSEED": "0",
                               "PYTHONPATH": str(REPO)})  # this tree's code, not an installed copy
    if done.returncode not in (0, 1):
        raise SystemExit(f"compliance {' '.join(args)} failed:\n{done.stderr.decode()}")
    return done.returncode, done.stdout


def scenarios(work: Path) -> list[tuple[str, list[str]]]:
    """(name, arguments) of every run; paths are relative to ``work`` so that outputs name the same files."""
    district = work / "district"
    if not district.exists():
        subprocess.run([sys.executable, "-m", "benchmarks.generate", "--records", "10000", "--out", str(district),
                        "--format", "csv"], cwd=REPO, check=True, capture_output=True)
    (work / "waivers.yaml").write_text(WAIVERS, encoding="utf-8")
    for name, source in (("demo", DEMO), ("messy", MESSY)):
        link = work / name
        if not link.exists():
            link.symlink_to(source)
    corpora = {
        "demo": ["demo/ledgers", "--roster", "demo/roster"],
        "messy": ["messy/ledgers", "--roster", "demo/roster", "--layout", "messy/layout.yaml"],
        "district": ["district/ledgers", "--roster", "district/roster"],
    }
    out = []
    for name, inputs in corpora.items():
        first = f"{name}-2024-11-15"
        out.append((first, ["check", *inputs, "--as-of", "2024-11-15", "--format", ALL_FORMATS, "--out",
                            f"out/{first}", "--quiet", "--fail-on", "warning"]))
        second = f"{name}-2024-12-31"
        out.append((second, ["check", *inputs, "--as-of", "2024-12-31", "--format", ALL_FORMATS, "--out",
                             f"out/{second}", "--quiet", "--waivers", "waivers.yaml",
                             "--baseline", f"out/{first}/findings.json", "--fail-on-new"]))
        for form in ("text", "json"):
            out.append((f"{name}-validate-{form}", ["validate", *inputs, "--as-of", "2024-12-31", "--format", form]))
        out.append((f"{name}-plan", ["plan", *inputs, "--as-of", "2024-11-21", "--days", "60", "--out",
                                     f"out/{name}-plan"]))
    out.append(("rules", ["rules"]))
    out.append(("template", ["template", "out/template/模板.xlsx", "--org", "第一中学第一党支部"]))
    out.append(("layout-suggest", ["layout", "suggest", "messy/ledgers", "--roster", "demo/roster"]))
    return out


def digest(path: Path, scenario: str) -> str:
    """The file's sha256 (the blank template too: it is dated with a fixed day, not the time of day); JUnit's
    measured times are left out."""
    data = path.read_bytes()
    if path.name == "findings.xml":
        data = re.sub(rb' time="\d+\.\d{6}"', b' time=""', data)
    return hashlib.sha256(data).hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="a working folder (made if missing)")
    parser.add_argument("--compare", type=Path, help="a MANIFEST written by an earlier run")
    options = parser.parse_args(argv)
    work = options.out.resolve()
    work.mkdir(parents=True, exist_ok=True)
    lines = []
    for name, args in scenarios(work):
        code, stdout = run(args, work)
        lines.append(f"{hashlib.sha256(stdout).hexdigest()}  {name}: stdout, exit {code}")
        folder = work / "out" / name
        for path in sorted(folder.rglob("*")) if folder.exists() else []:
            if path.is_file():
                lines.append(f"{digest(path, name)}  {path.relative_to(work)}")
    manifest = work / "MANIFEST"
    manifest.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(lines)} outputs hashed into {manifest}")
    if options.compare:
        before = options.compare.read_text(encoding="utf-8").splitlines()
        differ = sorted(set(before) ^ set(lines))
        if differ:
            print(f"{len(differ)} lines differ:")
            print("\n".join(differ))
            raise SystemExit(1)
        print(f"identical: all {len(lines)} outputs byte for byte the same as {options.compare}")


if __name__ == "__main__":
    main()
