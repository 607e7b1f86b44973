#!/usr/bin/env python3
"""Writes the benchmark's photo set: real public-domain and CC0 photos (scikit-image's
sample data, as test/fixtures/photos.mjs takes them from Debian's python3-skimage)
made into the files people send, and a JSON line per image describing it.

  make_photo_set.py SOURCES OUTDIR AVIFENC

Phone-camera JPEGs are 4032x3024 (12 MP): the sample photos are enlarged with
Lanczos and given sensor-like grain, so that files have the sizes and decode costs
of camera files (2 to 5 MB) rather than of smooth enlargements. Screenshots are
drawn (panels, text, a photo inside) as PNG with and without alpha. WebP and AVIF
are written as image CDNs serve them (lossy, 4:2:0), at feed size (1080 px wide)
and full size. AVIF goes through libavif's avifenc (Debian's libavif-bin), since
this Pillow has no AVIF encoder. The output is the same on every run (seeded grain).
"""
import io
import json
import os
import subprocess
import sys
import tempfile

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

SEED = 20261129
PHONE = (4032, 3024)

src, out, avifenc = sys.argv[1], sys.argv[2], sys.argv[3]
os.makedirs(out, exist_ok=True)
rows = []


def load(name):
    return Image.open(os.path.join(src, name)).convert("RGB")


def fit(img, width, height, grain=3.0):
    """Enlarges (or shrinks) to cover width x height, crops the middle, adds grain."""
    scale = max(width / img.width, height / img.height)
    size = (max(width, round(img.width * scale)), max(height, round(img.height * scale)))
    big = img.resize(size, Image.LANCZOS)
    left, top = (size[0] - width) // 2, (size[1] - height) // 2
    big = big.crop((left, top, left + width, top + height))
    if grain <= 0:
        return big
    rng = np.random.default_rng(SEED + width * 7 + height)
    pixels = np.asarray(big, np.float32) + rng.normal(0, grain, (height, width, 3)).astype(np.float32)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def note(name, fmt, width, height, **extra):
    """One image's description; width and height are as displayed (after EXIF orientation)."""
    rows.append({"name": name, "format": fmt, "width": width, "height": height, **extra})


SUBSAMPLING = {"4:4:4": 0, "4:2:2": 1, "4:2:0": 2}
# What each orientation means for the stored pixels: the display turns them back.
STORED = {1: None, 3: Image.Transpose.ROTATE_180, 6: Image.Transpose.ROTATE_90, 8: Image.Transpose.ROTATE_270}


def jpeg(name, img, chroma="4:2:0", progressive=False, orientation=1, quality=92, kind="phone"):
    stored = img.transpose(STORED[orientation]) if STORED[orientation] is not None else img
    options = {"quality": quality, "subsampling": SUBSAMPLING[chroma], "progressive": progressive}
    if orientation != 1:
        exif = Image.Exif()
        exif[0x0112] = orientation
        options["exif"] = exif.tobytes()
    stored.save(os.path.join(out, name), "JPEG", **options)
    note(name, "jpeg", img.width, img.height, kind=kind, chroma=chroma if img.mode != "L" else "grey", progressive=progressive,
         orientation=orientation, stored=f"{stored.width}x{stored.height}", quality=quality, restart_interval=0)


def jpeg_restart(name, img, interval):
    """Baseline 4:2:0 with a restart marker every `interval` MCUs (OpenCV's encoder; this Pillow has no such option)."""
    bgr = cv2.cvtColor(np.asarray(img), cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".jpg", bgr, [cv2.IMWRITE_JPEG_QUALITY, 92, cv2.IMWRITE_JPEG_RST_INTERVAL, interval])
    if not ok:
        raise SystemExit("OpenCV could not encode the JPEG with restart markers")
    with open(os.path.join(out, name), "wb") as f:
        f.write(data.tobytes())
    note(name, "jpeg", img.width, img.height, kind="phone", chroma="4:2:0", progressive=False, orientation=1,
         stored=f"{img.width}x{img.height}", quality=92, restart_interval=interval)


def webp(name, img, kind, quality=80):
    img.save(os.path.join(out, name), "WEBP", quality=quality, method=4)
    note(name, "webp", img.width, img.height, kind=kind, chroma="4:2:0", lossy=True, quality=quality)


def avif(name, img, kind):
    with tempfile.TemporaryDirectory() as work:
        png = os.path.join(work, "in.png")
        img.save(png, compress_level=1)
        # Quantizers 24-34 of 63 and 4:2:0: about what image CDNs serve (quality 55-65).
        subprocess.run([avifenc, "-j", "2", "-s", "8", "-y", "420", "--min", "24", "--max", "34", png, os.path.join(out, name)],
                       check=True, stdout=subprocess.DEVNULL)
    note(name, "avif", img.width, img.height, kind=kind, chroma="4:2:0", lossy=True, quantizer="24-34")


def screenshot(width, height, photo, alpha):
    """A UI-like screen: a top bar, a side list, text lines, buttons and a photo in a card."""
    rng = np.random.default_rng(SEED + width)
    img = Image.new("RGBA", (width, height), (246, 247, 249, 255))
    d = ImageDraw.Draw(img)
    font = ImageFont.load_default()
    unit = height / 880
    bar = int(56 * unit)
    d.rectangle((0, 0, width, bar), fill=(32, 33, 36, 255))
    d.text((int(20 * unit), int(20 * unit)), "Messages  Photos  Settings", fill=(230, 230, 230, 255), font=font)
    side = int(300 * unit)
    d.rectangle((0, bar, side, height), fill=(255, 255, 255, 255))
    for i, y in enumerate(range(bar + 12, height - 40, int(64 * unit))):
        d.ellipse((16, y, 16 + int(40 * unit), y + int(40 * unit)), fill=tuple(int(c) for c in rng.integers(60, 220, 3)) + (255,))
        d.text((int(70 * unit), y + 6), f"Contact {i + 1}: see you at eight", fill=(40, 40, 40, 255), font=font)
        d.text((int(70 * unit), y + 22), "yesterday 21:4%d" % (i % 10), fill=(130, 130, 130, 255), font=font)
    card = (side + int(40 * unit), bar + int(40 * unit), width - int(40 * unit), height - int(120 * unit))
    d.rounded_rectangle(card, radius=int(12 * unit), fill=(255, 255, 255, 255), outline=(220, 220, 220, 255))
    inner = (card[0] + 20, card[1] + 20, card[0] + (card[2] - card[0]) // 2, card[3] - 20)
    img.paste(fit(photo, inner[2] - inner[0], inner[3] - inner[1], grain=0).convert("RGBA"), inner[:2])
    for k, y in enumerate(range(card[1] + 30, card[3] - 30, 22)):
        d.text((inner[2] + 24, y), ("Lorem ipsum dolor sit amet, consectetur " * 3)[: 40 + (k * 7) % 30], fill=(50, 50, 50, 255), font=font)
    d.rounded_rectangle((card[0], height - int(90 * unit), card[0] + int(160 * unit), height - int(50 * unit)), radius=8, fill=(26, 115, 232, 255))
    d.text((card[0] + 20, height - int(78 * unit)), "Send", fill=(255, 255, 255, 255), font=font)
    if alpha:
        # A window shot: rounded transparent corners and a soft shadow, as screenshot tools save them.
        mask = Image.new("L", (width, height), 0)
        ImageDraw.Draw(mask).rounded_rectangle((12, 12, width - 13, height - 13), radius=int(18 * unit), fill=255)
        shadow = cv2.GaussianBlur(np.asarray(mask, np.float32), (0, 0), 6) * 0.35
        a = np.maximum(np.asarray(mask, np.float32), shadow)
        img.putalpha(Image.fromarray(a.astype(np.uint8)))
        return img
    return img.convert("RGB")


def png(name, img, kind):
    img.save(os.path.join(out, name), "PNG", optimize=False, compress_level=6)
    note(name, "png", img.width, img.height, kind=kind, alpha=img.mode == "RGBA")


astronaut, chelsea, coffee, rocket, hubble = (load(n) for n in ("astronaut.png", "chelsea.png", "coffee.png", "rocket.jpg", "hubble_deep_field.jpg"))
landscape = lambda img: fit(img, *PHONE)
portrait = lambda img: fit(img, PHONE[1], PHONE[0])

# Phone cameras: 12 MP, the chroma and scan modes phones and apps write, EXIF turns, restart markers, grey.
jpeg("phone-420.jpg", landscape(coffee))
jpeg("phone-420-progressive.jpg", landscape(chelsea), progressive=True)
jpeg("phone-422.jpg", landscape(astronaut), chroma="4:2:2")
jpeg("phone-444-progressive.jpg", landscape(hubble), chroma="4:4:4", progressive=True)
jpeg("phone-exif6.jpg", portrait(rocket), orientation=6)
jpeg("phone-exif3.jpg", landscape(chelsea), orientation=3)
jpeg("phone-exif8-progressive.jpg", portrait(astronaut), orientation=8, progressive=True)
jpeg_restart("phone-restart.jpg", landscape(coffee), 64)
jpeg("phone-grey.jpg", landscape(astronaut).convert("L"))
# Screenshots, with and without alpha.
png("screenshot-1330x880.png", screenshot(1330, 880, chelsea, False), "screenshot")
png("screenshot-1330x880-alpha.png", screenshot(1330, 880, coffee, True), "screenshot")
png("screenshot-2560x1440.png", screenshot(2560, 1440, astronaut, False), "screenshot")
# Image CDNs: feed size (1080 wide, 4:5) and full size.
webp("cdn-1080x1350.webp", fit(chelsea, 1080, 1350, grain=1.5), "feed")
avif("cdn-1080x1350.avif", fit(astronaut, 1080, 1350, grain=1.5), "feed")
webp("cdn-4032x3024.webp", landscape(coffee), "full")
avif("cdn-4032x3024.avif", landscape(hubble), "full")
# Small ones, and the 1200x1666 set.
jpeg("small-480x360.jpg", fit(coffee, 480, 360, grain=1.5), quality=85, kind="small")
jpeg("set-1200x1666.jpg", fit(rocket, 1200, 1666, grain=2), quality=88, kind="set")
webp("set-1200x1666.webp", fit(rocket, 1200, 1666, grain=2), "set")
avif("set-1200x1666.avif", fit(rocket, 1200, 1666, grain=2), "set")

with open(os.path.join(out, "photo-set.json"), "w") as f:
    json.dump(rows, f, indent=1)
