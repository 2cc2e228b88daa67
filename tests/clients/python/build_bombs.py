"""Writes ZIP-bomb variants of a real workbook for tests/product/import_bombs.rs.

usage: build_bombs.py WORKBOOK OUT_DIR STRINGS_LIMIT PART_LIMIT RATIO FLOOR CEILING MAX_PARTS

Each variant is the workbook repacked (deflate, level 1) with one thing made
large: the shared strings table padded with repeated strings (its
uniqueCount kept true), a blank part, parts in number, or a false
uniqueCount. Incompressible padding (random bytes, stored) makes an upload
large enough that the total bound is not what refuses a part. Python's zlib
builds them in a second where a debug build of Rust's would take minutes.
"""

import os
import re
import sys
import zipfile

MIB = 1 << 20


EMPTY_STRINGS = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="0" uniqueCount="0"></sst>'
)


def repack(src, dst, strings=None, extra=()):
    """`src` rewritten, with `strings` as its shared strings table (added when
    the workbook has none: openpyxl writes inline strings, and the reader
    loads `xl/sharedStrings.xml` whenever it is there) and `extra` parts."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(
        dst, "w", zipfile.ZIP_DEFLATED, compresslevel=1, allowZip64=True
    ) as zout:
        for info in zin.infolist():
            if strings is not None and is_strings(info.filename):
                continue
            zout.writestr(info.filename, zin.read(info.filename))
        if strings is not None:
            zout.writestr("xl/sharedStrings.xml", strings)
        for name, content, method in extra:
            zout.writestr(name, content, compress_type=method)
    return os.path.getsize(dst)


def strings_of(src):
    with zipfile.ZipFile(src) as z:
        for info in z.infolist():
            if is_strings(info.filename):
                return z.read(info.filename)
    return EMPTY_STRINGS


def is_strings(name):
    return name.lower() == "xl/sharedstrings.xml"


def set_counts(text, n):
    return re.sub(r'(ount=")[0-9]*(")', lambda m: f"{m.group(1)}{n}{m.group(2)}", text)


def padded_strings(content, size):
    text = content.decode("utf-8")
    end = text.rindex("</sst>")
    item = "<si><t>a</t></si>"
    count = max(0, size - len(text)) // len(item)
    unique = text.count("<si>") + count
    head = set_counts(text[:end], unique)
    return (head + item * count + text[end:]).encode("utf-8")


def noise(n):
    return ("xl/media/scan.bin", os.urandom(n), zipfile.ZIP_STORED)


def blank(n):
    return ("xl/media/blank.xml", b" " * n, zipfile.ZIP_DEFLATED)


def main():
    src, out = sys.argv[1], sys.argv[2]
    strings_limit, part_limit, ratio, floor, ceiling, max_parts = map(int, sys.argv[3:9])
    os.makedirs(out, exist_ok=True)
    path = lambda name: os.path.join(out, name)

    def bound(upload):
        return min(ceiling, max(floor, upload * ratio))

    room = [noise(strings_limit // ratio + MIB)]
    table = strings_of(src)
    repack(src, path("strings_under.xlsx"), padded_strings(table, strings_limit - 1024), room)
    repack(src, path("strings_over.xlsx"), padded_strings(table, strings_limit + 1024), room)
    # A part just under its bound, in an upload large enough for the total bound.
    repack(src, path("part_under.xlsx"),
           extra=[noise(part_limit // ratio + 2 * MIB), blank(part_limit - 1024)])
    repack(src, path("part_over.xlsx"), extra=[blank(part_limit + 1024)])

    with zipfile.ZipFile(src) as z:
        used = sum(info.file_size for info in z.infolist()) + MIB
    for name, margin in (("total_under.xlsx", -MIB), ("total_over.xlsx", MIB)):
        size = repack(src, path(name), extra=[noise(MIB)])
        for _ in range(8):
            target = bound(size) + margin - used
            size = repack(src, path(name), extra=[noise(MIB), blank(target)])
            if abs((bound(size) + margin - used) - target) < MIB // 4:
                break

    repack(src, path("count_lie.xlsx"),
           set_counts(table.decode("utf-8"), 99999999999).encode("utf-8"))
    repack(src, path("many_parts.xlsx"),
           extra=[(f"xl/media/p{i}.bin", b"", zipfile.ZIP_STORED) for i in range(max_parts)])


if __name__ == "__main__":
    main()
