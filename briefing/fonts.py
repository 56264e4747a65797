"""The Korean font of the PDF: Noto Sans CJK KR (Debian's fonts-noto-cjk), as TrueType outlines.

fpdf2 embeds a TrueType font as a subset with an Identity-H encoding and a ToUnicode map, which
every PDF reader and text extractor understands. Noto CJK ships with CFF (PostScript) outlines
only; fpdf2 embeds those with a custom encoding CMap that pdfminer cannot read and pypdf reads
with stray NUL characters, so the Korean face is converted once to TrueType outlines (Hangul
syllables and jamo, Latin, punctuation and symbols: ~12,000 glyphs, about 2 MB) and kept in a
cache folder. The conversion takes about half a minute per weight the first time; later builds
load the cached file in a fraction of a second.
"""
import fcntl
import hashlib
import os
import tempfile
from pathlib import Path

SOURCES = {
    "regular": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"),
    "bold": Path("/usr/share/fonts/opentype/noto/NotoSansCJK-Bold.ttc"),
}
CACHE_ENV = "CASES_BRIEFING_CACHE"
FAMILY = "Noto Sans CJK KR"
_VERSION = "1"  # bump when the conversion changes, so old cache files are not reused
# What the pack prints: Latin, punctuation, arrows and maths signs, circled numbers, shapes,
# CJK punctuation, Hangul compatibility jamo and every Hangul syllable, full-width forms.
RANGES = ((0x20, 0x7E), (0xA0, 0x17F), (0x2000, 0x206F), (0x2100, 0x214F), (0x2190, 0x21FF),
          (0x2200, 0x22FF), (0x2460, 0x24FF), (0x2500, 0x25FF), (0x3000, 0x303F),
          (0x3130, 0x318F), (0xAC00, 0xD7A3), (0xFF01, 0xFF5E))


class FontMissing(RuntimeError):
    """The Noto CJK font is not installed; the message says which package to install."""


def cache_dir() -> Path:
    raw = os.environ.get(CACHE_ENV, "").strip()
    if raw:
        return Path(raw)
    base = os.environ.get("XDG_CACHE_HOME", "").strip() or str(Path.home() / ".cache")
    return Path(base) / "cases-briefing"


def truetype(weight: str = "regular") -> Path:
    """The path of the converted font for `weight` ("regular" or "bold"), converting it first
    if the cache does not hold it yet (under a file lock: two builds never convert at once)."""
    source = SOURCES[weight]
    if not source.exists():
        raise FontMissing(f"Korean font not found: {source} (install the Debian package "
                          "fonts-noto-cjk)")
    stat = source.stat()
    key = hashlib.sha256(f"{_VERSION}:{source}:{stat.st_size}:{stat.st_mtime_ns}".encode())
    target = cache_dir() / f"NotoSansKR-{weight}-{key.hexdigest()[:12]}.ttf"
    if target.exists():
        return target
    target.parent.mkdir(parents=True, exist_ok=True)
    with open(target.parent / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not target.exists():
            fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".tmp")
            os.close(fd)
            try:
                _convert(source, Path(tmp), weight)
                os.replace(tmp, target)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
    return target


def _korean_face(source: Path):
    from fontTools.ttLib import TTCollection
    collection = TTCollection(str(source), lazy=True)
    for font in collection.fonts:
        if font["name"].getDebugName(1).startswith(FAMILY):
            return font
    raise FontMissing(f"{source} holds no '{FAMILY}' face")


def _convert(source: Path, target: Path, weight: str) -> None:
    """Copy the wanted glyphs of the Korean face with quadratic (TrueType) outlines."""
    from fontTools.fontBuilder import FontBuilder
    from fontTools.pens.cu2quPen import Cu2QuPen
    from fontTools.pens.ttGlyphPen import TTGlyphPen

    font = _korean_face(source)
    best = font.getBestCmap()
    cmap = {u: best[u] for a, b in RANGES for u in range(a, b + 1) if u in best}
    order = [".notdef"] + sorted(set(cmap.values()) - {".notdef"},
                                 key=font.getGlyphID)
    glyph_set = font.getGlyphSet()
    glyphs = {}
    for name in order:
        pen = TTGlyphPen(None)
        # max_err 1 unit of 1000 per em: far below what print or screen can show.
        glyph_set[name].draw(Cu2QuPen(pen, 1.0, reverse_direction=True))
        glyphs[name] = pen.glyph()
    hmtx = font["hmtx"]
    os2, hhea, names = font["OS/2"], font["hhea"], font["name"]
    style = "Bold" if weight == "bold" else "Regular"
    builder = FontBuilder(font["head"].unitsPerEm, isTTF=True)
    builder.setupGlyphOrder(order)
    builder.setupCharacterMap(cmap)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics({name: hmtx[name] for name in order})
    builder.setupHorizontalHeader(ascent=hhea.ascent, descent=hhea.descent)
    builder.setupNameTable({
        "familyName": f"{FAMILY} Briefing", "styleName": style,
        "copyright": names.getDebugName(0) or "", "licenseDescription": names.getDebugName(13) or "",
        "licenseInfoURL": names.getDebugName(14) or "",
    })
    builder.setupOS2(sTypoAscender=os2.sTypoAscender, sTypoDescender=os2.sTypoDescender,
                     sTypoLineGap=os2.sTypoLineGap, usWinAscent=os2.usWinAscent,
                     usWinDescent=os2.usWinDescent, sCapHeight=getattr(os2, "sCapHeight", 733),
                     usWeightClass=os2.usWeightClass, fsType=os2.fsType)
    builder.setupPost()
    builder.save(str(target))
