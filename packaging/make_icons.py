"""Draw the solaxtray application icon and write it in every form the installers need.

    python packaging/make_icons.py [OUTDIR]      (default: resources/)

The icon is drawn by code, not shipped as an opaque binary from elsewhere, so anyone can change it
and regenerate every size from one place. Outputs (committed in ``resources/``):

- ``solaxtray-<N>.png`` for N in 16..512: the hicolor theme sizes for the ``.deb`` and the AppImage,
- ``solaxtray.ico``: Windows (PNG-compressed entries, readable since Windows Vista),
- ``solaxtray.icns``: macOS (PNG-based entries, readable since OS X 10.7).

Both containers are written here by hand: they are a short header plus PNG blobs, and doing it
ourselves avoids depending on an image plugin or ``iconutil`` that only exists on one platform.

The picture is the *application* icon (installer, Start menu, Finder, .desktop entry). The live tray
icon that shows power and status is drawn by the app itself at run time.
"""

from __future__ import annotations

import os
import struct
import sys
from pathlib import Path

PNG_SIZES = (16, 24, 32, 48, 64, 128, 256, 512)
ICO_SIZES = (16, 24, 32, 48, 64, 128, 256)
# icns entry types holding PNG data, with the pixel size each one expects. The @2x types reuse the
# bitmap of the doubled size.
ICNS_TYPES: tuple[tuple[bytes, int], ...] = (
    (b"icp4", 16),
    (b"icp5", 32),
    (b"icp6", 64),
    (b"ic07", 128),
    (b"ic08", 256),
    (b"ic09", 512),
    (b"ic11", 32),
    (b"ic12", 64),
    (b"ic13", 256),
    (b"ic14", 512),
)

REPO = Path(__file__).resolve().parent.parent


def render_png(size: int) -> bytes:
    """Render the icon at ``size`` x ``size`` pixels and return PNG bytes.

    Drawn directly at each size (no downscaling of the 512 px picture) so small sizes stay crisp:
    below 32 px the panel grid is left out because it would turn into grey mush.
    """
    from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF, QRectF, Qt
    from PySide6.QtGui import (
        QBrush,
        QColor,
        QImage,
        QLinearGradient,
        QPainter,
        QPainterPath,
        QPen,
        QPolygonF,
    )

    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    p.scale(size / 100.0, size / 100.0)  # draw in a 100 x 100 design grid

    # Rounded tile: a dusk-blue sky.
    tile = QPainterPath()
    tile.addRoundedRect(QRectF(2, 2, 96, 96), 20, 20)
    sky = QLinearGradient(0, 0, 0, 100)
    sky.setColorAt(0.0, QColor("#2b5c8f"))
    sky.setColorAt(1.0, QColor("#0e2440"))
    p.fillPath(tile, QBrush(sky))

    # The sun with its rays.
    sun = QPointF(50, 36)
    ray_pen = QPen(QColor("#ffc83d"), 5.0 if size < 32 else 4.0)
    ray_pen.setCapStyle(Qt.PenCapStyle.RoundCap)
    p.setPen(ray_pen)
    for i in range(8):
        p.save()
        p.translate(sun)
        p.rotate(i * 45.0)
        p.drawLine(QPointF(0, -19), QPointF(0, -26))
        p.restore()
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor("#ffc83d"))
    p.drawEllipse(sun, 14, 14)

    # A solar panel in perspective at the bottom.
    panel = QPolygonF([QPointF(24, 60), QPointF(76, 60), QPointF(86, 88), QPointF(14, 88)])
    glass = QLinearGradient(0, 60, 0, 88)
    glass.setColorAt(0.0, QColor("#5aa9f0"))
    glass.setColorAt(1.0, QColor("#1f6fc4"))
    p.setBrush(QBrush(glass))
    p.setPen(QPen(QColor("#e8f3ff"), 2.0))
    p.drawPolygon(panel)
    if size >= 32:
        grid = QPen(QColor("#d0e8ff"), 1.2)
        p.setPen(grid)
        p.drawLine(QPointF(19, 74), QPointF(81, 74))
        for top_x, bottom_x in ((41.3, 38.0), (58.7, 62.0)):
            p.drawLine(QPointF(top_x, 60), QPointF(bottom_x, 88))
    p.end()

    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    # The stubs want bytes for the format; the binding only accepts str at run time.
    if not image.save(buffer, "PNG"):  # type: ignore[call-overload]
        raise RuntimeError(f"could not encode the {size} px icon as PNG")
    buffer.close()
    return bytes(data.data())


def ico_bytes(pngs: dict[int, bytes]) -> bytes:
    """An ICO container with one PNG-compressed entry per size (width/height 0 means 256)."""
    header = struct.pack("<HHH", 0, 1, len(pngs))
    offset = 6 + 16 * len(pngs)
    entries = b""
    blobs = b""
    for size, png in sorted(pngs.items()):
        dim = 0 if size >= 256 else size
        entries += struct.pack("<BBBBHHII", dim, dim, 0, 0, 1, 32, len(png), offset)
        offset += len(png)
        blobs += png
    return header + entries + blobs


def icns_bytes(pngs: dict[int, bytes]) -> bytes:
    """An icns container: the magic, the total length, then type + length + PNG per entry."""
    body = b""
    for kind, size in ICNS_TYPES:
        png = pngs[size]
        body += kind + struct.pack(">I", 8 + len(png)) + png
    return b"icns" + struct.pack(">I", 8 + len(body)) + body


def write_all(outdir: Path) -> list[Path]:
    """Render every size and write the PNGs, the ICO and the ICNS into ``outdir``."""
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtGui import QGuiApplication

    app = QGuiApplication.instance() or QGuiApplication([])
    sizes = sorted(set(PNG_SIZES) | set(ICO_SIZES) | {s for _, s in ICNS_TYPES})
    pngs = {size: render_png(size) for size in sizes}
    outdir.mkdir(parents=True, exist_ok=True)
    written: list[Path] = []
    for size in PNG_SIZES:
        path = outdir / f"solaxtray-{size}.png"
        path.write_bytes(pngs[size])
        written.append(path)
    ico = outdir / "solaxtray.ico"
    ico.write_bytes(ico_bytes({s: pngs[s] for s in ICO_SIZES}))
    icns = outdir / "solaxtray.icns"
    icns.write_bytes(icns_bytes(pngs))
    written += [ico, icns]
    del app
    return written


def main(argv: list[str]) -> int:
    outdir = Path(argv[1]) if len(argv) > 1 else REPO / "resources"
    for path in write_all(outdir):
        print(f"{path} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
