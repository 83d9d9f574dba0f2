"""QR codes drawn on the server with segno (no outside service): for the lobby's paper and the
secretary's check-in screen. Both apps use them, so they live here."""

import segno


def qr_svg(text: str, *, scale: int = 4, border: int = 2, fluid: bool = False) -> str:
    """An inline ``<svg>`` (no XML declaration) that encodes ``text``; error correction M, so a
    printed code survives a crease. ``fluid``: no width and height, only a ``viewBox``, so CSS
    sizes it (a full-screen code on a projector and on a 360 px phone alike)."""
    return segno.make(text, error="m", micro=False).svg_inline(scale=scale, border=border, omitsize=fluid)


def qr_png_data_uri(text: str, *, scale: int = 6, border: int = 2) -> str:
    """The same code as a ``data:image/png`` URI, for PDF renderers and ``<img>`` tags."""
    return segno.make(text, error="m", micro=False).png_data_uri(scale=scale, border=border)
