"""Writes a small, installable pure-Python wheel, so that tests never need the public index.

usage: python3 make_wheel.py OUTDIR NAME VERSION [--module RELPATH=CONTENT ...]
                             [--requires SPEC ...] [--fail-import]

Without --module the wheel holds <module>/__init__.py with VALUE = "<name> <version>", where
<module> is NAME lower-cased with - and . as _. --fail-import makes that default module raise
ImportError when imported (a package that installs but is broken). Prints the wheel's path.
Standard library only: it runs before any environment exists.
"""

import argparse
import base64
import hashlib
import re
import sys
import zipfile
from pathlib import Path

# Fixed timestamp: the same arguments give the same bytes, hence the same sha256 in the index.
EPOCH = (1980, 1, 1, 0, 0, 0)


def record_hash(data: bytes) -> str:
    # RECORD uses urlsafe base64 without padding (the wheel spec, after PEP 376).
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=")
    return "sha256=" + digest.decode("ascii")


def module_name(name: str) -> str:
    return re.sub(r"[-.]+", "_", name).lower()


def build(outdir: Path, name: str, version: str, modules: dict[str, str], requires: list[str],
          fail_import: bool) -> Path:
    if not re.fullmatch(r"[A-Za-z0-9]([A-Za-z0-9._-]*[A-Za-z0-9])?", name):
        raise SystemExit(f"invalid distribution name: {name!r}")
    # File names use the escaped form of the name (runs of -_. become _), as the
    # binary distribution format requires; METADATA keeps the name as given.
    escaped = re.sub(r"[-_.]+", "_", name).lower()
    dist_info = f"{escaped}-{version}.dist-info"
    package = module_name(name)
    files = dict(modules)
    if not modules or fail_import:
        files[f"{package}/__init__.py"] = (
            f'raise ImportError("{name} {version} is broken on purpose")\n' if fail_import
            else f'VALUE = "{name} {version}"\n'
        )
    metadata = "".join(
        [f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"]
        + [f"Requires-Dist: {spec}\n" for spec in requires]
    )
    files[f"{dist_info}/METADATA"] = metadata
    files[f"{dist_info}/WHEEL"] = (
        "Wheel-Version: 1.0\nGenerator: luci-make-wheel\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
    )
    record = []
    outdir.mkdir(parents=True, exist_ok=True)
    path = outdir / f"{escaped}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as wheel:
        for relpath, content in sorted(files.items()):
            if relpath.startswith("/") or ".." in relpath.split("/"):
                raise SystemExit(f"module path must stay inside the wheel: {relpath!r}")
            data = content.encode("utf-8")
            wheel.writestr(zipfile.ZipInfo(relpath, EPOCH), data)
            record.append(f"{relpath},{record_hash(data)},{len(data)}\n")
        # RECORD lists itself with neither hash nor size.
        record.append(f"{dist_info}/RECORD,,\n")
        wheel.writestr(zipfile.ZipInfo(f"{dist_info}/RECORD", EPOCH), "".join(record))
    return path


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(description="Write a small pure-Python wheel.")
    parser.add_argument("outdir", type=Path)
    parser.add_argument("name")
    parser.add_argument("version")
    parser.add_argument("--module", action="append", default=[], metavar="RELPATH=CONTENT")
    parser.add_argument("--requires", action="append", default=[], metavar="SPEC")
    parser.add_argument("--fail-import", action="store_true")
    args = parser.parse_args(argv)
    modules = {}
    for item in args.module:
        relpath, sep, content = item.partition("=")
        if not sep or not relpath:
            parser.error(f"--module needs RELPATH=CONTENT, got {item!r}")
        modules[relpath] = content
    print(build(args.outdir, args.name, args.version, modules, args.requires, args.fail_import))


if __name__ == "__main__":
    main(sys.argv[1:])
