"""Fetch one Go toolchain from the Go module proxy into a directory, checked against a pinned hash.

    python3 lab/build/fetch_go.py VERSION OS ARCH H1 DEST

Go publishes every release as the module ``golang.org/toolchain`` at version
``v0.0.1-goVERSION.OS-ARCH`` (what ``GOTOOLCHAIN=goVERSION`` downloads); the proxy reachable
from this project's machines serves it, while dl.google.com is not reachable. This needs no Go
installed: it downloads the module zip from the first http(s) entry of ``$GOPROXY`` that has it
(default https://proxy.golang.org), checks the zip against H1 (the go.sum hash pinned in
lab/versions.env, the same the checksum database gives), and unpacks it so that ``DEST/bin/go``
is the toolchain. DEST appears only once it is complete (renamed into place).
"""

import base64
import hashlib
import os
import shutil
import sys
import tempfile
import time
import urllib.error
import urllib.request
import zipfile

MODULE = "golang.org/toolchain"


def proxies():
    """The http(s) proxies of GOPROXY in order ("direct" and "off" cannot serve toolchains)."""
    value = os.environ.get("GOPROXY") or "https://proxy.golang.org"
    entries = value.replace("|", ",").split(",")
    return [entry.rstrip("/") for entry in entries if entry.startswith(("http://", "https://"))]


def hash1(zip_path):
    """The go.sum "h1:" hash of a module zip (golang.org/x/mod/sumdb/dirhash.HashZip)."""
    lines = []
    with zipfile.ZipFile(zip_path) as archive:
        for name in sorted(archive.namelist()):
            digest = hashlib.sha256()
            with archive.open(name) as member:
                for chunk in iter(lambda member=member: member.read(1 << 20), b""):
                    digest.update(chunk)
            lines.append(f"{digest.hexdigest()}  {name}\n")
    return "h1:" + base64.b64encode(hashlib.sha256("".join(lines).encode()).digest()).decode()


def download(version, zip_path):
    """Download the module zip of VERSION to zip_path from the first proxy that has it."""
    tried = []
    for proxy in proxies():
        url = f"{proxy}/{MODULE}/@v/{version}.zip"
        try:
            with urllib.request.urlopen(url, timeout=60) as response, open(zip_path, "wb") as out:
                shutil.copyfileobj(response, out, 1 << 20)
            return url
        except (urllib.error.URLError, OSError) as error:
            tried.append(f"{url}: {error}")
    raise SystemExit(
        "[go] error: no Go module proxy served the toolchain:\n  " + "\n  ".join(tried or ["GOPROXY has no http(s) entry"])
        + "\n  Set GOPROXY to a reachable proxy, or install Go " + version.split("-go", 1)[1] + " and put it on PATH."
    )


def unpack(zip_path, prefix, dest):
    """Unpack the files under prefix into dest; bin/ and pkg/tool/ become executable, as Go does."""
    with zipfile.ZipFile(zip_path) as archive:
        for info in archive.infolist():
            if not info.filename.startswith(prefix) or info.is_dir():
                continue
            relative = info.filename[len(prefix):]
            target = os.path.join(dest, relative)
            if os.path.isabs(relative) or ".." in relative.split("/"):
                raise SystemExit(f"[go] error: unsafe path in the toolchain zip: {info.filename}")
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with archive.open(info) as member, open(target, "wb") as out:
                shutil.copyfileobj(member, out, 1 << 20)
            executable = relative.startswith("bin/") or relative.startswith("pkg/tool/")
            os.chmod(target, 0o755 if executable else 0o644)


def main():
    if len(sys.argv) != 6:
        raise SystemExit(__doc__)
    go_version, goos, goarch, want, dest = sys.argv[1:]
    version = f"v0.0.1-go{go_version}.{goos}-{goarch}"
    if os.path.isdir(dest):
        return
    parent = os.path.dirname(os.path.abspath(dest))
    os.makedirs(parent, exist_ok=True)
    start = time.monotonic()
    with tempfile.TemporaryDirectory(prefix=".go-fetch.", dir=parent) as scratch:
        zip_path = os.path.join(scratch, "toolchain.zip")
        print(f"[go] downloading {MODULE}@{version} (Go {go_version}, about 70 MB) ...", file=sys.stderr)
        url = download(version, zip_path)
        got = hash1(zip_path)
        if got != want:
            raise SystemExit(f"[go] error: {url} has hash {got}, lab/versions.env pins {want}; not using it")
        unpacked = os.path.join(scratch, "go")
        unpack(zip_path, f"{MODULE}@{version}/", unpacked)
        if not os.access(os.path.join(unpacked, "bin", "go"), os.X_OK):
            raise SystemExit(f"[go] error: {url} has no bin/go")
        os.rename(unpacked, dest)
    print(f"[go] Go {go_version} in {dest} (checked {want}), done in {time.monotonic() - start:.0f}s", file=sys.stderr)


if __name__ == "__main__":
    main()
