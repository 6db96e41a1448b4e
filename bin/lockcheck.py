"""Checks that the lockfiles pin every dependency of pyproject.toml at its version.

    python3 bin/lockcheck.py      # exit 1 with the stale entries named, and the way out

`make install` runs it first: a pyproject.toml changed without `make lock` (for instance
after merging two branches that each added a dependency) stops the install with this message
instead of installing an environment that lacks the new package.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCKS = {"base": ROOT / "requirements" / "base.txt", "dev": ROOT / "requirements" / "dev.txt"}
_PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(?:\[[^\]]*\])?==([^\s;#]+)")


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(lines: list[str]) -> dict[str, str]:
    found = {}
    for line in lines:
        match = _PIN.match(line.strip())
        if match:
            found[normalize(match.group(1))] = match.group(2)
    return found


def problems(root: Path = ROOT) -> list[str]:
    project = tomllib.loads((root / "pyproject.toml").read_text())["project"]
    wanted = {
        "base": project["dependencies"],
        "dev": project["dependencies"] + project["optional-dependencies"]["dev"],
    }
    out = []
    for lock, deps in wanted.items():
        path = root / "requirements" / f"{lock}.txt"
        if not path.exists():
            out.append(f"{path.relative_to(root)} is missing")
            continue
        locked = pins(path.read_text().splitlines())
        for name, version in pins(deps).items():
            if name not in locked:
                out.append(f"{name}=={version} is not in {path.relative_to(root)}")
            elif locked[name] != version:
                out.append(f"{path.relative_to(root)} pins {name}=={locked[name]}, not {version}")
        unpinned = [d for d in deps if not _PIN.match(d)]
        out += [f"pyproject.toml: {d!r} is not pinned with ==" for d in unpinned]
    return out


def main() -> int:
    found = problems()
    if not found:
        return 0
    print("The lockfiles do not match pyproject.toml:", file=sys.stderr)
    for problem in found:
        print(f"  {problem}", file=sys.stderr)
    print("Run `make lock` (regenerates requirements/*.txt) and commit them.", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
