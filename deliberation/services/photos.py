"""Photos from phones: only real JPEG/PNG/WebP images, bounded in size, re-encoded without EXIF.

Re-encoding drops every metadata block, including the GPS position a phone writes into a photo
taken at home, which must not be published in the hall.
"""

import contextvars
import functools
import io
import uuid

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, ImageOps, UnidentifiedImageError

from cms.services import ServiceError

ALLOWED_FORMATS = {"JPEG": "jpg", "PNG": "png", "WEBP": "webp"}


def max_photo_bytes() -> int:
    return int(getattr(settings, "REQUEST_PHOTO_MAX_BYTES", 5 * 1024 * 1024))


def max_photo_pixels() -> int:
    """Pixels (width × height, from the header) a photo may have before it is decoded.

    A flat 40 MP PNG is 170 KB on the wire and 160 MB once decoded, so the byte limit alone
    bounds nothing. 12.6 MP takes every ordinary phone photo (12 MP, up to 4080 × 3072) and keeps one upload under
    about 150 MB of memory; ``bench/photo_memory.py`` measures it.
    """
    return int(getattr(settings, "PHOTO_MAX_PIXELS", 12_600_000))


MAX_SIDE = 2048

# Decoding these costs about twice as much per pixel: resizing with an alpha channel works on a
# premultiplied full-size copy, and libwebp decodes into a canvas of its own that Pillow copies.
HEAVY_MODES = {"RGBA", "LA", "PA"}


def _pixel_cap(fmt: str, mode: str) -> int:
    heavy = fmt == "WEBP" or mode in HEAVY_MODES
    return max_photo_pixels() // 2 if heavy else max_photo_pixels()


def _refuse_too_many_pixels(name: str, image) -> None:
    cap = _pixel_cap(image.format, image.mode)
    if image.width * image.height > cap:
        raise ServiceError(
            _(
                "%(name)s is too large: %(width)d × %(height)d pixels. At most %(mp).1f megapixels, "
                "please send a smaller photo."
            )
            % {"name": name, "width": image.width, "height": image.height, "mp": cap / 1_000_000},
            field="photos",
        )


def clean_photo(upload) -> ContentFile:
    """Return a re-encoded copy of ``upload`` or raise ``ServiceError`` on the ``photos`` field.

    The size in the header is checked before a single pixel is decoded; a JPEG is decoded at
    the smallest scale that still covers ``MAX_SIDE`` (``draft``), and the scaled copy is made
    before anything else, so no full-size copy of the pixels is ever made.
    """
    name = getattr(upload, "name", "photo")
    if upload.size > max_photo_bytes():
        raise ServiceError(
            _("%(name)s is larger than %(mb)d MB.")
            % {"name": name, "mb": max_photo_bytes() // (1024 * 1024)},
            field="photos",
        )
    not_an_image = ServiceError(
        _("%(name)s is not a JPEG, PNG or WebP image.") % {"name": name}, field="photos"
    )
    upload.seek(0)
    try:
        with Image.open(upload, formats=list(ALLOWED_FORMATS)) as probe:
            fmt = probe.format
            _refuse_too_many_pixels(name, probe)
            probe.verify()
        upload.seek(0)
        with Image.open(upload, formats=[fmt]) as image:
            if fmt == "JPEG":
                image.draft(None, (MAX_SIDE, MAX_SIDE))
            image.thumbnail((MAX_SIDE, MAX_SIDE))
            ImageOps.exif_transpose(image, in_place=True)
            if fmt == "JPEG" and image.mode not in ("RGB", "L"):
                image = image.convert("RGB")
            # A fresh image with the pixels alone: no EXIF, XMP, ICC or comment block survives.
            clean = image.copy()
            clean.info = {}
            del image
            out = io.BytesIO()
            options = {"optimize": True} if fmt == "PNG" else {"quality": 85}
            clean.save(out, format=fmt, **options)
            del clean
    except ServiceError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        # Pillow's own check in ``open`` (a warning above ~89 MP, an error above ~179 MP) comes
        # before ours can say the size; the warning arrives here only when warnings are errors.
        raise ServiceError(
            _("%(name)s is too large. At most %(mp).1f megapixels, please send a smaller photo.")
            % {"name": name, "mp": max_photo_pixels() / 1_000_000},
            field="photos",
        ) from None
    except (UnidentifiedImageError, OSError, ValueError):
        raise not_an_image from None
    return ContentFile(out.getvalue(), name=f"{uuid.uuid4().hex}.{ALLOWED_FORMATS[fmt]}")


# The files stored by the innermost ``atomic_removing_files`` call still running, as (storage, name).
_stored: contextvars.ContextVar[list | None] = contextvars.ContextVar("stored_photo_files", default=None)


def remember_stored(field_file) -> None:
    """Note a file just written, so it is deleted if the transaction that wrote its row fails."""
    stored = _stored.get()
    if stored is not None:
        stored.append((field_file.storage, field_file.name))


def atomic_removing_files(func):
    """``transaction.atomic`` that also deletes the files the function stored if it fails.

    A rolled-back transaction takes the photo rows with it, but their files are on disk already
    and Django has no rollback hook. The names are collected while the function runs; the
    exception leaving the atomic block (which also covers a failed commit) means the rollback
    happened, so they are deleted then. Run inside another such call, a success hands the names
    to the outer one, whose failure removes them as well.
    """
    atomic = transaction.atomic(func)

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        outer = _stored.get()
        stored = []
        token = _stored.set(stored)
        try:
            result = atomic(*args, **kwargs)
        except BaseException:
            for storage, name in stored:
                storage.delete(name)
            raise
        finally:
            _stored.reset(token)
        if outer is not None:
            outer.extend(stored)
        return result

    return wrapper
