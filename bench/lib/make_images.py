#!/usr/bin/env python3
"""Writes the benchmark's photo-like images, the same scene at every size.

  make_images.py OUTDIR WxH [WxH ...]

Each size is written as JPEG (quality 90), PNG and WebP (quality 90) with
OpenCV's encoders. The scene is seeded, so every run writes the same pixels:
a smooth colour field (sky, light), soft blurred shapes (subjects), a few hard
edges (buildings, frames) and sensor-like grain, which gives files the sizes
and decode costs of real photos rather than of flat test cards.
"""
import os
import sys

import cv2
import numpy as np

SEED = 20240501


def scene(width, height):
    rng = np.random.default_rng(SEED)
    # Low-frequency colour field: a coarse random grid, smoothly interpolated.
    grid = rng.uniform(40, 220, (5, 6, 3)).astype(np.float32)
    img = cv2.resize(grid, (width, height), interpolation=cv2.INTER_CUBIC)
    unit = min(width, height)
    # Soft subjects: ellipses in normalised coordinates, blurred in proportion to the size.
    soft = np.zeros_like(img)
    mask = np.zeros((height, width), np.float32)
    for _ in range(14):
        cx, cy = rng.uniform(0, 1, 2)
        ax, ay = rng.uniform(0.05, 0.25, 2)
        angle = float(rng.uniform(0, 180))
        color = tuple(float(c) for c in rng.uniform(20, 240, 3))
        center = (int(cx * width), int(cy * height))
        axes = (max(1, int(ax * unit)), max(1, int(ay * unit)))
        cv2.ellipse(soft, center, axes, angle, 0, 360, color, -1)
        cv2.ellipse(mask, center, axes, angle, 0, 360, 1.0, -1)
    sigma = max(1.0, unit / 120)
    soft = cv2.GaussianBlur(soft, (0, 0), sigma)
    mask = cv2.GaussianBlur(mask, (0, 0), sigma)[..., None]
    img = img * (1 - 0.8 * mask) + 0.8 * soft
    # Hard edges: a few rectangles drawn after the blur.
    for _ in range(6):
        x0, y0 = rng.uniform(0, 0.9, 2)
        w, h = rng.uniform(0.03, 0.2, 2)
        color = tuple(float(c) for c in rng.uniform(0, 255, 3))
        cv2.rectangle(img, (int(x0 * width), int(y0 * height)), (int((x0 + w) * width), int((y0 + h) * height)), color, -1)
    # Grain, then 8-bit.
    noise = np.random.default_rng(SEED + width * 7 + height).normal(0, 5, img.shape).astype(np.float32)
    return np.clip(img + noise, 0, 255).astype(np.uint8)  # RGB


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    for size in sys.argv[2:]:
        width, height = (int(v) for v in size.split("x"))
        bgr = cv2.cvtColor(scene(width, height), cv2.COLOR_RGB2BGR)
        for ext, params in (
            ("jpg", [cv2.IMWRITE_JPEG_QUALITY, 90]),
            ("png", [cv2.IMWRITE_PNG_COMPRESSION, 3]),
            ("webp", [cv2.IMWRITE_WEBP_QUALITY, 90]),
        ):
            ok, data = cv2.imencode("." + ext, bgr, params)
            if not ok:
                raise SystemExit(f"OpenCV could not encode {ext}")
            with open(os.path.join(out, f"photo-{width}x{height}.{ext}"), "wb") as f:
                f.write(data.tobytes())


if __name__ == "__main__":
    main()
