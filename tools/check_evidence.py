"""Quick check for drafting knowledge files: every citation's evidence stands in its file.

Usage: python tools/check_evidence.py knowledge/some.yaml [...]
The full validator is `alliance-bot kb check`; this script only needs PyYAML.
"""

import re
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def main() -> int:
    bad = 0
    ids: dict[str, str] = {}
    for name in sys.argv[1:]:
        data = yaml.safe_load(Path(name).read_text(encoding="utf-8")) or {}
        for kind, entries in data.items():
            for entry in entries or []:
                eid = entry.get("id")
                if eid in ids:
                    print(f"{name}: {kind} {eid}: duplicate id (also in {ids[eid]})")
                    bad += 1
                ids[eid] = name
                if not entry.get("sources"):
                    print(f"{name}: {kind} {eid}: no sources")
                    bad += 1
                for cite in entry.get("sources") or []:
                    path = ROOT / cite["file"]
                    if not path.is_file():
                        print(f"{name}: {kind} {eid}: missing file {cite['file']}")
                        bad += 1
                        continue
                    if _norm(cite["evidence"]) not in _norm(path.read_text(encoding="utf-8")):
                        print(
                            f"{name}: {kind} {eid}: evidence not in {cite['file']}: {cite['evidence']!r}"
                        )
                        bad += 1
                if kind == "quotes":
                    texts = [
                        _norm((ROOT / c["file"]).read_text(encoding="utf-8"))
                        for c in entry.get("sources") or []
                        if (ROOT / c["file"]).is_file()
                    ]
                    if not any(_norm(entry.get("text", "")) in t for t in texts):
                        print(f"{name}: quotes {eid}: quote text not in any cited file")
                        bad += 1
    print(f"{bad} problem(s)")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
