"""`python -m dashboards` regenerates dashboards/*.json; `--check` only reports.

    python -m dashboards           write the dashboard JSON files that changed
    python -m dashboards --check   change nothing; exit 1 and name every stale file

After writing, run scripts/sync-chart so the Helm chart ships the same bytes.
"""

from __future__ import annotations

import argparse
import sys

from dashboards.build import FOLDER, stale, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m dashboards", description=__doc__)
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    parser.add_argument("--check", action="store_true", help="exit 1 if a file is stale")
    args = parser.parse_args(argv)
    if args.check:
        names = stale()
        for name in names:
            print(f"stale: {FOLDER.name}/{name}")
        if names:
            print("run `python -m dashboards` to regenerate", file=sys.stderr)
        return 1 if names else 0
    for name in write():
        print(f"wrote {FOLDER.name}/{name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
