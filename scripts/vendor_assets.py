"""Vendor the console's front-end files from their npm packages, pinned by package-lock.json.

Runs ``npm ci`` in a temporary directory (so node_modules never lands in the repository),
copies each package's built file into ``revhub/console/static/vendor/`` and writes
``manifest.json`` (package, version, file, sha256). ``tests/console/test_vendored_assets.py``
checks the committed files against the manifest and the manifest against package.json.

    python scripts/vendor_assets.py          # after changing a version in package.json:
                                             # npm install --package-lock-only, then this
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
VENDOR = ROOT / "revhub" / "console" / "static" / "vendor"

# package -> (file inside the package, name served under static/vendor/)
FILES = {
    "htmx.org": ("dist/htmx.min.js", "htmx.min.js"),
    "chart.js": ("dist/chart.umd.js", "chart.umd.js"),
    "axe-core": ("axe.min.js", "axe.min.js"),
}


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def vendor() -> list[dict[str, str]]:
    """Install the locked packages in a temporary directory and copy their files; returns the manifest."""
    with tempfile.TemporaryDirectory(prefix="revhub-assets-") as tmp:
        work = Path(tmp)
        for name in ("package.json", "package-lock.json"):
            shutil.copy(ROOT / name, work / name)
        subprocess.run(["npm", "ci", "--ignore-scripts", "--no-audit", "--no-fund", "--loglevel=error"],
                       cwd=work, check=True)
        VENDOR.mkdir(parents=True, exist_ok=True)
        manifest = []
        for package, (source, target) in FILES.items():
            installed = work / "node_modules" / package
            version = json.loads((installed / "package.json").read_text())["version"]
            shutil.copy(installed / source, VENDOR / target)
            manifest.append({"package": package, "version": version, "source": source,
                             "file": target, "sha256": sha256(VENDOR / target)})
    (VENDOR / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
    return manifest


def main() -> int:
    for entry in vendor():
        print(f"{entry['package']}@{entry['version']} -> static/vendor/{entry['file']} {entry['sha256'][:12]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
