"""Photos for upload tests, made with Pillow."""


def image_bytes(fmt="JPEG", size=(40, 30), gps=True) -> bytes:
    """A small photo; with ``gps`` it carries an EXIF GPS position like a phone's."""
    import io

    from PIL import ExifTags, Image

    image = Image.new("RGB", size, (200, 80, 40))
    exif = Image.Exif()
    if gps:
        exif[ExifTags.Base.Make] = "PhoneMaker"
        exif.get_ifd(ExifTags.IFD.GPSInfo).update(
            {ExifTags.GPS.GPSLatitudeRef: "N", ExifTags.GPS.GPSLatitude: (40.0, 48.0, 30.0)}
        )
    out = io.BytesIO()
    image.save(out, format=fmt, exif=exif.tobytes() if gps else b"")
    return out.getvalue()


def upload(name="photo.jpg", fmt="JPEG", content_type="image/jpeg", **kwargs):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs), content_type=content_type)
