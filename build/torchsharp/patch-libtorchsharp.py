#!/usr/bin/python3
"""Makes TorchSharp's native library load on systems whose libstdc++ predates GCC 13.

TorchSharp 0.107.0's libLibTorchSharp.so asks for the symbol version GLIBCXX_3.4.32 (GCC 13) for one
symbol it references but never calls (std::ios_base_library_init). Debian 12 ships GCC 12's libstdc++
(up to GLIBCXX_3.4.30), so the dynamic loader refuses the whole library. Marking that one version
requirement weak (VER_FLG_WEAK in vna_flags of its Vernaux entry in .gnu.version_r) turns the refusal
into a non-fatal notice; every other requirement is left strict.

Usage: patch-libtorchsharp.py [--check] FILE...
  Patches each FILE in place (a new file renamed over the old one, so a hard link into a package cache
  is never written through; the modification time is kept so MSBuild's incremental copy stays quiet).
  Idempotent: an already weak entry, a library without the entry, or a system libstdc++ that already
  provides GLIBCXX_3.4.32 leaves the file untouched. --check only reports. Exit code 0 on success.
"""
import os
import struct
import subprocess
import sys
import tempfile

VERSION = b"GLIBCXX_3.4.32"
VER_FLG_WEAK = 0x2
SHT_GNU_VERNEED = 0x6FFFFFFE


class ElfError(Exception):
    pass


def system_libstdcxx_paths():
    """The libstdc++.so.6 files the loader would pick, from ldconfig's cache, then common folders."""
    paths = []
    try:
        out = subprocess.run(["/sbin/ldconfig", "-p"], capture_output=True, text=True, check=False).stdout
        for line in out.splitlines():
            line = line.strip()
            if line.startswith("libstdc++.so.6 ") and "x86-64" in line and "=>" in line:
                paths.append(line.split("=>", 1)[1].strip())
    except OSError:
        pass
    for folder in ("/usr/lib/x86_64-linux-gnu", "/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"):
        candidate = os.path.join(folder, "libstdc++.so.6")
        if os.path.exists(candidate) and candidate not in paths:
            paths.append(candidate)
    return paths


def system_provides_version():
    for path in system_libstdcxx_paths():
        try:
            with open(path, "rb") as f:
                if VERSION + b"\0" in f.read():
                    return True
        except OSError:
            continue
    return False


def find_weak_offset(data):
    """Returns (offset of vna_flags of the GLIBCXX_3.4.32 entry, current flags) or None when absent."""
    if data[:4] != b"\x7fELF":
        raise ElfError("not an ELF file")
    if data[4] != 2 or data[5] != 1:
        raise ElfError("only 64-bit little-endian ELF files are supported")
    (e_shoff,) = struct.unpack_from("<Q", data, 0x28)
    e_shentsize, e_shnum = struct.unpack_from("<HH", data, 0x3A)
    if e_shoff == 0 or e_shentsize < 64 or e_shoff + e_shnum * e_shentsize > len(data):
        raise ElfError("section header table out of range")

    def section(index):
        base = e_shoff + index * e_shentsize
        sh_type, = struct.unpack_from("<I", data, base + 4)
        sh_offset, sh_size = struct.unpack_from("<QQ", data, base + 0x18)
        sh_link, sh_info = struct.unpack_from("<II", data, base + 0x28)
        if sh_offset + sh_size > len(data):
            raise ElfError("section out of range")
        return sh_type, sh_offset, sh_size, sh_link, sh_info

    for index in range(e_shnum):
        sh_type, offset, size, link, count = section(index)
        if sh_type != SHT_GNU_VERNEED:
            continue
        _, str_offset, str_size, _, _ = section(link)

        def name_at(position):
            if position >= str_size:
                raise ElfError("version name out of range")
            start = str_offset + position
            return data[start:data.index(b"\0", start)]

        need = offset
        for _ in range(count):
            if need + 16 > offset + size:
                raise ElfError("Verneed entry out of range")
            _, vn_cnt, _, vn_aux, vn_next = struct.unpack_from("<HHIII", data, need)
            aux = need + vn_aux
            for _ in range(vn_cnt):
                if aux + 16 > offset + size:
                    raise ElfError("Vernaux entry out of range")
                _, vna_flags, _, vna_name, vna_next = struct.unpack_from("<IHHII", data, aux)
                if name_at(vna_name) == VERSION:
                    return aux + 4, vna_flags
                if vna_next == 0:
                    break
                aux += vna_next
            if vn_next == 0:
                break
            need += vn_next
    return None


def patch(path, check_only):
    with open(path, "rb") as f:
        data = bytearray(f.read())
    found = find_weak_offset(data)
    if found is None:
        return f"{path}: no {VERSION.decode()} requirement, nothing to do"
    flags_offset, flags = found
    if flags & VER_FLG_WEAK:
        return f"{path}: {VERSION.decode()} already weak"
    if check_only:
        return f"{path}: {VERSION.decode()} requirement is strict (would patch)"
    struct.pack_into("<H", data, flags_offset, flags | VER_FLG_WEAK)
    stat = os.stat(path)
    folder = os.path.dirname(os.path.abspath(path))
    handle, temp = tempfile.mkstemp(prefix=".libtorchsharp-", dir=folder)
    try:
        with os.fdopen(handle, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.chmod(temp, stat.st_mode & 0o7777)
        os.utime(temp, ns=(stat.st_atime_ns, stat.st_mtime_ns))
        os.replace(temp, path)
    except BaseException:
        if os.path.exists(temp):
            os.unlink(temp)
        raise
    return f"{path}: marked {VERSION.decode()} weak"


def main(argv):
    check_only = "--check" in argv
    files = [a for a in argv if a != "--check"]
    if not files:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    if system_provides_version():
        print(f"system libstdc++ provides {VERSION.decode()}: nothing to patch")
        return 0
    status = 0
    for path in files:
        try:
            print(patch(path, check_only))
        except (OSError, ElfError) as error:
            print(f"{path}: error: {error}", file=sys.stderr)
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
