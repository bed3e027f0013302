"""How fast the command line starts, beside a bare `python -c pass`.

Times the whole process, as a person at a terminal waits for it: `inbreng --help`, and
`inbreng rounds list` on a fresh SQLite file with the PMG example network and one round
(set up once, through the command line itself). Each command runs `--runs` times after one
warm-up run, in turn with the others so that a drift of the machine's speed touches all
alike; the medians and their ratio to `python -c pass` are printed.
Run: `.venv/bin/python -m bench.startup [--runs N]`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

NETWORK = Path(__file__).resolve().parents[1] / "examples" / "pmg" / "network.yaml"


def _inbreng() -> str:
    """The installed console script beside this interpreter, as a user runs it."""
    beside = Path(sys.executable).with_name("inbreng")
    found = str(beside) if beside.exists() else shutil.which("inbreng")
    if found is None:
        raise SystemExit("no inbreng executable: install the project first (make .venv/.installed)")
    return found


def _run(command: list[str], *, env: dict[str, str], cwd: Path) -> float:
    started = time.perf_counter()
    subprocess.run(command, env=env, cwd=cwd, check=True, capture_output=True)
    return time.perf_counter() - started


def _prepare(inbreng: str, *, env: dict[str, str], cwd: Path) -> None:
    """A small migrated database with the example network and one open round."""
    today = date.today()
    meeting, closing = today + timedelta(days=21), today + timedelta(days=14)
    for args in (
        ["db", "upgrade"],
        ["network", "load", str(NETWORK)],
        [
            *("rounds", "create", "--pillar", "financien", "--opens-at", "nu"),
            *("--meeting-at", f"{meeting:%d-%m-%Y} 14:00"),
            *("--closes-at", f"{closing:%d-%m-%Y} 17:00"),
        ],
    ):
        subprocess.run([inbreng, *args], env=env, cwd=cwd, check=True, capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    runs = parser.parse_args().runs
    inbreng = _inbreng()
    with tempfile.TemporaryDirectory() as folder:
        cwd = Path(folder)
        env = {k: v for k, v in os.environ.items() if not k.startswith("INBRENG_")}
        env["INBRENG_DATABASE_URL"] = f"sqlite:///{cwd / 'bench.db'}"
        _prepare(inbreng, env=env, cwd=cwd)
        commands = {
            "python": [sys.executable, "-c", "pass"],
            "help": [inbreng, "--help"],
            "rounds_list": [inbreng, "rounds", "list"],
        }
        seconds: dict[str, list[float]] = {name: [] for name in commands}
        for round_number in range(runs + 1):
            for name, command in commands.items():
                elapsed = _run(command, env=env, cwd=cwd)
                if round_number > 0:  # the first round warms the file caches
                    seconds[name].append(elapsed)

    medians = {name: statistics.median(times) for name, times in seconds.items()}
    base = medians["python"]
    print(f"{'command':<28}{'runs':>6}{'median s':>10}{'min s':>8}{'max s':>8}{'x python':>10}")
    for name, command in commands.items():
        shown = " ".join(Path(command[0]).name if i == 0 else a for i, a in enumerate(command))
        times = seconds[name]
        print(
            f"{shown:<28}{len(times):>6}{medians[name]:>10.3f}{min(times):>8.3f}"
            f"{max(times):>8.3f}{medians[name] / base:>10.1f}"
        )
    print(
        f"help_seconds={medians['help']:.3f} rounds_list_seconds={medians['rounds_list']:.3f} "
        f"python_seconds={base:.3f} help_ratio={medians['help'] / base:.1f} "
        f"rounds_list_ratio={medians['rounds_list'] / base:.1f}"
    )


if __name__ == "__main__":
    main()
