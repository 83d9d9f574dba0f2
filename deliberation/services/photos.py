"""Photos from phones: only real JPEG/PNG/WebP images, bounded in size, re-encoded without EXIF.

Re-encoding drops every metadata block, including the GPS position a phone writes into a photo
taken at home, which must not be published in the hall.
"""

import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from . import ServiceError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def max_photo_bytes() -> int:
    return int(getattr(settings, "REQUEST_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


MAX_PIXELS = 40_000_000
MAX_SIDE = 2560


def clean_photo(upload) -> ContentFile:
    """Return a re-encoded copy of ``upload`` or raise ``ServiceError`` on the ``photos`` field."""
    name = getattr(upload, "name", "photo")
    if upload.size > max_photo_bytes():
        raise ServiceError(
            _("%(name)s is larger than %(mb)d MB.")
            % {"name": name, "mb": max_photo_bytes() // (1024 * 1024)},
            field="photos",
        )
    upload.seek(0)
    try:
        with Image.open(upload) as probe:
            fmt = probe.format
            if fmt not in ALLOWED_FORMATS:
                raise ServiceError(
                    _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}, field="photos"
                )
            if probe.width * probe.height > MAX_PIXELS:
                raise ServiceError(_("%(name)s has too many pixels.") % {"name": name}, field="photos")
            probe.verify()
        upload.seek(0)
        with Image.open(upload) as image:
            image.load()
            image = ImageOps.exif_transpose(image)
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            out = io.BytesIO()
            # A fresh image built from the pixels alone: no EXIF, XMP or comment block survives.
            clean = Image.frombytes(image.mode, image.size, image.tobytes())
            if image.mode == "P":
                clean.putpalette(image.getpalette())
            options = {"optimize": True} if fmt == "PNG" else {"quality": 85}
            clean.save(out, format=fmt, **options)
    except ServiceError:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise ServiceError(
            _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}, field="photos"
        ) from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ALLOWED_FORMATS[fmt]}")
