#!/usr/bin/env python3
"""Layers and docker-archive tarballs for docker/image/build-base (ADR 0041), with Python's standard library only.

  archive.py layer ROOT OUT.tar.gz [--overlay]   a gzipped layer of the tree ROOT; OUT.tar.gz.diffid gets its
                                                 uncompressed digest. --overlay: ROOT is an overlayfs upper
                                                 directory, whose whiteouts become the OCI .wh. files.
  archive.py image OUT.tar --tag NAME:TAG [--env K=V]... [--note TEXT] LAYER.tar.gz...
                                                 a docker-archive (docker save) tarball of those layers, the
                                                 format Jib reads as a tar:// base image.

Reproducible for a given tree: entries sorted, numeric owners, mtimes clamped to SOURCE_DATE_EPOCH, gzip
without name or time.
"""
import argparse
import gzip
import hashlib
import io
import json
import os
import stat
import sys
import tarfile

EPOCH = int(os.environ.get("SOURCE_DATE_EPOCH", "1767225600"))  # 2026-01-01T00:00:00Z
# kept as empty directories: the container runtime mounts its own
EMPTIED = {"proc", "sys", "dev", "run", "tmp", "var/tmp"}


class HashingWriter(io.RawIOBase):
    def __init__(self, target):
        self.target = target
        self.sha = hashlib.sha256()

    def writable(self):
        return True

    def write(self, data):
        self.sha.update(data)
        return self.target.write(data)


def walk(root):
    """Every path under root (relative, sorted, parents first), skipping the contents of EMPTIED."""
    out = []
    for dirpath, dirnames, filenames in os.walk(root):
        rel = os.path.relpath(dirpath, root)
        rel = "" if rel == "." else rel
        if rel in EMPTIED:
            dirnames[:] = []
            continue
        dirnames.sort()
        for name in sorted(dirnames + filenames):
            out.append(os.path.join(rel, name) if rel else name)
    return sorted(out)


def info(tar, root, rel):
    ti = tar.gettarinfo(os.path.join(root, rel), arcname=rel)
    ti.uname = ti.gname = ""
    ti.mtime = min(int(ti.mtime), EPOCH)
    return ti


def layer(root, out, overlay):
    tmp = out + ".part"
    with open(tmp, "wb") as raw:
        gz = gzip.GzipFile(filename="", mode="wb", fileobj=raw, mtime=0, compresslevel=6)
        hashing = HashingWriter(gz)
        with tarfile.open(fileobj=hashing, mode="w|", format=tarfile.PAX_FORMAT) as tar:
            for rel in walk(root):
                path = os.path.join(root, rel)
                st = os.lstat(path)
                if overlay and stat.S_ISCHR(st.st_mode) and st.st_rdev == 0:
                    # overlayfs whiteout (a 0/0 character device): the file was deleted
                    ti = tarfile.TarInfo(os.path.join(os.path.dirname(rel), ".wh." + os.path.basename(rel)))
                    ti.mtime = EPOCH
                    tar.addfile(ti)
                    continue
                ti = info(tar, root, rel)
                if ti.isreg():
                    with open(path, "rb") as f:
                        tar.addfile(ti, f)
                else:
                    tar.addfile(ti)
                if overlay and stat.S_ISDIR(st.st_mode):
                    try:
                        opaque = os.getxattr(path, "trusted.overlay.opaque", follow_symlinks=False) == b"y"
                    except OSError:
                        opaque = False
                    if opaque:
                        ti = tarfile.TarInfo(os.path.join(rel, ".wh..wh..opq"))
                        ti.mtime = EPOCH
                        tar.addfile(ti)
        gz.close()
    os.replace(tmp, out)
    with open(out + ".diffid", "w") as f:
        f.write("sha256:" + hashing.sha.hexdigest() + "\n")


def sha256_file(path):
    sha = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            sha.update(chunk)
    return sha.hexdigest()


def image(out, tag, env, note, layers):
    created = "1970-01-01T00:00:00Z"
    diff_ids = [open(path + ".diffid").read().strip() for path in layers]
    config = {
        "architecture": "amd64",
        "os": "linux",
        "created": created,
        "config": {"Env": env, "WorkingDir": "/"},
        "rootfs": {"type": "layers", "diff_ids": diff_ids},
        "history": [{"created": created, "created_by": f"docker/image/build-base: {note} ({os.path.basename(p)})"}
                    for p in layers],
    }
    config_bytes = json.dumps(config, indent=None, sort_keys=True, separators=(",", ":")).encode()
    config_name = hashlib.sha256(config_bytes).hexdigest() + ".json"
    names = [sha256_file(path) + ".tar.gz" for path in layers]
    manifest = json.dumps([{"Config": config_name, "RepoTags": [tag], "Layers": names}]).encode()
    tmp = out + ".part"
    with tarfile.open(tmp, "w", format=tarfile.PAX_FORMAT) as tar:
        def add_bytes(name, data):
            ti = tarfile.TarInfo(name)
            ti.size = len(data)
            ti.mtime = EPOCH
            tar.addfile(ti, io.BytesIO(data))
        add_bytes("manifest.json", manifest)
        add_bytes(config_name, config_bytes)
        for path, name in zip(layers, names):
            ti = tar.gettarinfo(path, arcname=name)
            ti.uid = ti.gid = 0
            ti.uname = ti.gname = ""
            ti.mtime = EPOCH
            ti.mode = 0o644
            with open(path, "rb") as f:
                tar.addfile(ti, f)
    os.replace(tmp, out)


def main(argv):
    parser = argparse.ArgumentParser()
    sub = parser.add_subparsers(dest="what", required=True)
    p = sub.add_parser("layer")
    p.add_argument("root")
    p.add_argument("out")
    p.add_argument("--overlay", action="store_true")
    p = sub.add_parser("image")
    p.add_argument("out")
    p.add_argument("--tag", required=True)
    p.add_argument("--env", action="append", default=[])
    p.add_argument("--note", default="")
    p.add_argument("layers", nargs="+")
    args = parser.parse_args(argv)
    if args.what == "layer":
        layer(args.root, args.out, args.overlay)
    else:
        image(args.out, args.tag, args.env, args.note, args.layers)


if __name__ == "__main__":
    main(sys.argv[1:])
