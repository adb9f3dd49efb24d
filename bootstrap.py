#!/usr/bin/env python3
"""Set up regcycle in a local virtual environment and run it: the README's first two commands.

    python3 bootstrap.py run  [regcycle run options]   # the baseline scenario → results/ + plot
    python3 bootstrap.py test [pytest options]         # the test suite

Works with any Python 3 on the PATH: regcycle needs Python ≥ 3.12 (Mesa 3.5 does), so this
script finds one (the running interpreter, python3.14/3.13/3.12 on the PATH, pyenv's versions,
or $REGCYCLE_PYTHON), creates ``.venv`` with it (or $REGCYCLE_VENV), installs the package with
pip (again only when pyproject.toml changed), and runs the command. Standard library only.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent
MINIMUM = (3, 12)
EXTRAS = {"run": "", "test": "[test]"}


def say(message: str) -> None:
    """Print a progress line (stderr, so that command output stays clean)."""
    print(f"[bootstrap] {message}", file=sys.stderr, flush=True)


def version_of(python: str) -> tuple[int, int] | None:
    """The (major, minor) of an interpreter, or None if it does not run."""
    try:
        out = subprocess.run([python, "-c", "import sys; print(*sys.version_info[:2])"],
                             capture_output=True, text=True, timeout=30, check=True)
        major, minor = out.stdout.split()
        return int(major), int(minor)
    except (OSError, subprocess.SubprocessError, ValueError):
        return None


def candidates() -> list[str]:
    """Interpreters to try, best first."""
    found: list[str] = []
    if os.environ.get("REGCYCLE_PYTHON"):
        found.append(os.environ["REGCYCLE_PYTHON"])
    if sys.version_info[:2] >= MINIMUM:
        found.append(sys.executable)
    for name in ("python3.14", "python3.13", "python3.12", "python3", "python"):
        path = shutil.which(name)
        if path:
            found.append(path)
    # pyenv keeps versions outside the PATH (its shims refuse versions not selected)
    roots = [os.environ.get("PYENV_ROOT", ""), str(Path.home() / ".pyenv")]
    for root in filter(None, roots):
        versions = Path(root) / "versions"
        if versions.is_dir():
            for v in sorted(versions.iterdir(), reverse=True):
                for exe in ("bin/python3", "python.exe"):
                    if (v / exe).exists():
                        found.append(str(v / exe))
    return found


def find_python() -> str:
    """The first interpreter ≥ 3.12, or exit with advice."""
    for python in candidates():
        version = version_of(python)
        if version and version >= MINIMUM:
            return python
    sys.exit("regcycle needs Python 3.12 or newer and none was found. Install one "
             "(python.org, your package manager, pyenv or uv) and rerun, or point "
             "REGCYCLE_PYTHON at it.")


def venv_python(venv: Path) -> Path:
    """The interpreter inside a virtual environment."""
    inside = venv / ("Scripts/python.exe" if os.name == "nt" else "bin/python")
    return inside


def ensure_environment(extra: str) -> Path:
    """Create the virtual environment if needed and install regcycle (with ``extra``) into it."""
    venv = Path(os.environ.get("REGCYCLE_VENV", ROOT / ".venv"))
    python = venv_python(venv)
    if not (python.exists() and (version_of(str(python)) or (0, 0)) >= MINIMUM):
        base = find_python()
        say(f"creating {venv} with {base}")
        if venv.exists():
            shutil.rmtree(venv)
        subprocess.run([base, "-m", "venv", str(venv)], check=True)
    stamp = venv / f".regcycle-installed{extra or '[run]'}"
    digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()
    if not (stamp.exists() and stamp.read_text() == digest):
        say(f"installing regcycle{extra} and its dependencies (first time: a few minutes)")
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "--upgrade", "pip"],
                       check=True)
        subprocess.run([str(python), "-m", "pip", "install", "--quiet", "-e", f".{extra}"],
                       check=True, cwd=ROOT)
        stamp.write_text(digest)
    return python


def main(argv: list[str]) -> int:
    """Dispatch ``run`` or ``test``."""
    if not argv or argv[0] not in EXTRAS:
        print(__doc__, file=sys.stderr)
        return 2
    command, rest = argv[0], argv[1:]
    python = ensure_environment(EXTRAS[command])
    if command == "run":
        args = rest or ["scenarios/baseline.toml"]
        if args[0].startswith("-"):
            args = ["scenarios/baseline.toml", *args]
        cmd = [str(python), "-m", "sim", "run", *args]
    else:
        cmd = [str(python), "-m", "pytest", *rest]
    say("running: " + " ".join(cmd[1:]))
    return subprocess.run(cmd, cwd=ROOT).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
