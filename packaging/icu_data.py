"""A smaller ICU data library for the Linux build: the 32 MB ``libicudata.so.NN`` PySide6 ships,
rebuilt with only the ICU data Qt can reach from this app.

Why: ICU's data is a quarter of the onedir, and most of it serves features Qt uses only on request
(collation, time-zone and currency names in 800 locales, legacy code pages, break-iterator
dictionaries, transliteration, spelled-out numbers) or never (Qt 6 breaks text and does IDNA with its
own tables). The app calls none of them; Qt's ``QLocale`` formats from its own CLDR tables. What is
kept: every top-level table that is not a locale or a code page (properties, normalisation, time
zones, likely subtags), and for the per-locale trees the locales of the app's languages plus the
root fallback, so an ICU call for any other locale still succeeds with root data, as ICU does for a
locale it does not know.

How: the data is one symbol (``icudtNN_dat``) in an otherwise empty library. It is cut out of the
ELF file, filtered with ``icupkg`` (Debian: icu-devtools), and linked back under the same soname and
symbol with the system's C compiler. When a tool is missing the build keeps the original library
and says so: the result is only bigger, never broken.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

# The app's languages (its gettext catalogs and Qt's qtbase_*.qm files) and English.
LANGUAGES = ("en", "de", "nl", "pl", "cs", "it", "es", "fr", "pt")
# Per-locale trees that stay, trimmed to LANGUAGES; any other subdirectory goes whole.
LOCALE_TREES = ("", "coll/", "zone/", "curr/", "lang/", "region/", "unit/")


def keep_item(name: str) -> bool:
    """Whether one item of the ICU data package (as ``icupkg -l`` names it) is kept."""
    if name.endswith(".cnv"):  # legacy code pages: Qt reads and writes UTF-8/16 by itself
        return False
    tree, _, leaf = name.rpartition("/")
    if (tree + "/" if tree else "") not in LOCALE_TREES:
        return False  # brkitr/, translit/, rbnf/: features Qt does not use
    stem, _, ext = leaf.partition(".")
    if ext != "res" or stem in ("root", "pool", "res_index"):
        return True  # ucadata.icu, nfkc.nrm, cnvalias.icu, the fallback and the indexes
    locale = re.fullmatch(r"([a-z]{2,3})(?:_\w+)?", stem)
    if locale is None:
        return True  # a global table: supplementalData, zoneinfo64, likelySubtags, ...
    return locale.group(1) in LANGUAGES


def _run(cmd: list[str]) -> str:
    return subprocess.run(cmd, capture_output=True, text=True, check=True).stdout


def _data_symbol(library: Path) -> tuple[str, int, int]:
    """(symbol name, file offset, size) of the ICU common data in the library."""
    out = _run(["readelf", "-W", "--dyn-syms", "-S", str(library)])
    sym = re.search(
        r"\s([0-9a-f]+)\s+(\d+|0x[0-9a-f]+)\s+OBJECT\s+GLOBAL\s+\w+\s+\d+\s+(icudt\d+_dat)", out
    )
    if sym is None:
        raise RuntimeError(f"no icudtNN_dat symbol in {library}")
    address, size = int(sym.group(1), 16), int(sym.group(2), 0)
    for sec in re.finditer(r"\]\s+\S+\s+\w+\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)", out):
        start, offset, length = (int(sec.group(i), 16) for i in (1, 2, 3))
        if start <= address < start + length:
            return sym.group(3), address - start + offset, size
    raise RuntimeError(f"the ICU data symbol of {library} lies in no section")


def _soname(library: Path) -> str:
    found = re.search(
        r"\(SONAME\)\s+Library soname: \[([^\]]+)\]", _run(["readelf", "-d", str(library)])
    )
    return found.group(1) if found else library.name


def missing_tools() -> list[str]:
    return [t for t in ("icupkg", "readelf", "cc") if shutil.which(t) is None]


def slim_icu_data(library: Path, work: Path) -> Path:
    """Build the trimmed library in ``work``; returns its path (same file name as ``library``)."""
    work.mkdir(parents=True, exist_ok=True)
    symbol, offset, size = _data_symbol(library)
    with library.open("rb") as f:
        f.seek(offset)
        data = f.read(size)
    full = work / f"{symbol[:-4]}l.dat"
    full.write_bytes(data)
    names = [
        line.strip() for line in _run(["icupkg", "-l", str(full)]).splitlines() if line.strip()
    ]
    (work / "remove.txt").write_text(
        "".join(f"{n}\n" for n in names if not keep_item(n)), encoding="utf-8"
    )
    # icupkg names the items after the output file: it must carry the original package name.
    (work / "slim").mkdir(exist_ok=True)
    slim = work / "slim" / full.name
    _run(["icupkg", "-r", str(work / "remove.txt"), str(full), str(slim)])
    asm = work / "icudata.S"
    asm.write_text(
        f"\t.section .rodata\n\t.globl {symbol}\n\t.type {symbol}, @object\n\t.balign 16\n"
        f'{symbol}:\n\t.incbin "{slim}"\n\t.size {symbol}, . - {symbol}\n'
        '\t.section .note.GNU-stack,"",@progbits\n',
        encoding="utf-8",
    )
    out = work / library.name
    _run(
        ["cc", "-shared", "-nostdlib", f"-Wl,-soname,{_soname(library)}", "-o", str(out), str(asm)]
    )
    if shutil.which("strip"):
        _run(["strip", "--strip-unneeded", str(out)])
    return out
