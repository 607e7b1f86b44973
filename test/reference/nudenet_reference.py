#!/usr/bin/env python3
"""NudeNet v3's own preprocessing and postprocessing, run with OpenCV, as the
reference Veil must equal (see docs/nudenet.md).

The ONNX model itself is run by onnxruntime-node between the two steps (no
onnxruntime for Debian's Python), on exactly the tensor written here:

  nudenet_reference.py prepare SIZE IMAGE OUTDIR [IMAGE OUTDIR ...]
      -> OUTDIR/{tensor.f32,pixels.rgb,meta.json}
  nudenet_reference.py post OUTDIR [OUTDIR ...]
      -> OUTDIR/detections.json (reads OUTDIR/output.f32)
  nudenet_reference.py resize-cases OUTDIR
      -> random cv2.resize(INTER_LINEAR) cases for the resize unit test
"""
import json
import math
import os
import sys

import cv2
import numpy as np

LABELS = [
    "FEMALE_GENITALIA_COVERED", "FACE_FEMALE", "BUTTOCKS_EXPOSED", "FEMALE_BREAST_EXPOSED",
    "FEMALE_GENITALIA_EXPOSED", "MALE_BREAST_EXPOSED", "ANUS_EXPOSED", "FEET_EXPOSED",
    "BELLY_COVERED", "FEET_COVERED", "ARMPITS_COVERED", "ARMPITS_EXPOSED", "FACE_MALE",
    "BELLY_EXPOSED", "MALE_GENITALIA_EXPOSED", "ANUS_COVERED", "FEMALE_BREAST_COVERED",
    "BUTTOCKS_COVERED",
]


def read_image(path, target_size):
    """NudeNet's _read_image, step for step."""
    mat = cv2.imread(path)  # BGR, EXIF orientation applied, alpha dropped
    if mat is None:
        raise SystemExit(f"OpenCV cannot read {path}")
    orig_height, orig_width = mat.shape[:2]
    aspect = orig_width / orig_height
    if orig_height > orig_width:
        new_height = target_size
        new_width = round(target_size * aspect)
    else:
        new_width = target_size
        new_height = round(target_size / aspect)
    resize_factor = math.sqrt((orig_width**2 + orig_height**2) / (new_width**2 + new_height**2))
    img = cv2.resize(mat, (new_width, new_height))
    pad_x = target_size - new_width
    pad_y = target_size - new_height
    pad_top, pad_bottom = [int(i) for i in np.floor([pad_y, pad_y]) / 2]
    pad_left, pad_right = [int(i) for i in np.floor([pad_x, pad_x]) / 2]
    img = cv2.copyMakeBorder(img, pad_top, pad_bottom, pad_left, pad_right, cv2.BORDER_CONSTANT, value=[0, 0, 0])
    img = cv2.resize(img, (target_size, target_size))
    img = cv2.cvtColor(img, cv2.COLOR_BGR2RGB)
    data = img.astype("float32") / 255.0
    data = np.transpose(data, (2, 0, 1))[None]
    return mat, data, resize_factor, pad_left, pad_top


def postprocess(output, resize_factor, pad_left, pad_top):
    """NudeNet's _postprocess, step for step."""
    outputs = np.transpose(np.squeeze(output[0]))
    boxes, scores, class_ids = [], [], []
    for row in outputs:
        classes_scores = row[4:]
        max_score = np.amax(classes_scores)
        if max_score >= 0.2:
            class_id = np.argmax(classes_scores)
            x, y, w, h = row[0:4]
            left = int(round((x - w * 0.5 - pad_left) * resize_factor))
            top = int(round((y - h * 0.5 - pad_top) * resize_factor))
            width = int(round(w * resize_factor))
            height = int(round(h * resize_factor))
            class_ids.append(class_id)
            scores.append(max_score)
            boxes.append([left, top, width, height])
    indices = cv2.dnn.NMSBoxes(boxes, scores, 0.25, 0.45)
    return [
        {"class": LABELS[class_ids[i]], "score": float(scores[i]), "box": boxes[i]}
        for i in np.array(indices).flatten()
    ]


def prepare(size, path, outdir):
    os.makedirs(outdir, exist_ok=True)
    mat, data, resize_factor, pad_left, pad_top = read_image(path, size)
    data.astype("<f4").tofile(os.path.join(outdir, "tensor.f32"))
    cv2.cvtColor(mat, cv2.COLOR_BGR2RGB).tofile(os.path.join(outdir, "pixels.rgb"))  # OpenCV's decode
    meta = {"size": size, "width": mat.shape[1], "height": mat.shape[0],
            "resize_factor": resize_factor, "pad_left": pad_left, "pad_top": pad_top}
    with open(os.path.join(outdir, "meta.json"), "w") as f:
        json.dump(meta, f)


def post(outdir):
    with open(os.path.join(outdir, "meta.json")) as f:
        meta = json.load(f)
    size = meta["size"]
    anchors = (size // 8) ** 2 + (size // 16) ** 2 + (size // 32) ** 2
    output = np.fromfile(os.path.join(outdir, "output.f32"), dtype="<f4").reshape(1, 22, anchors)
    detections = postprocess([output], meta["resize_factor"], meta["pad_left"], meta["pad_top"])
    with open(os.path.join(outdir, "detections.json"), "w") as f:
        json.dump(detections, f)


def resize_cases(outdir):
    """cv2.resize(INTER_LINEAR) on random 3-channel images: shrinking, enlarging, the
    exact 2x shrink OpenCV special-cases, one-pixel sides, and NudeNet's S-1 -> S."""
    os.makedirs(outdir, exist_ok=True)
    rng = np.random.default_rng(20261122)
    sizes = [
        ((640, 480), (320, 240)), ((1000, 750), (320, 240)), ((333, 500), (213, 320)),
        ((319, 320), (320, 320)), ((320, 319), (320, 320)), ((213, 320), (320, 320)),
        ((100, 60), (320, 192)), ((7, 5), (320, 229)), ((1, 1), (320, 320)), ((1, 50), (7, 320)),
        ((4000, 3000), (320, 240)), ((201, 640), (100, 320)), ((641, 427), (320, 213)),
        ((320, 320), (640, 640)), ((50, 1), (320, 6)), ((2, 2), (1, 1)), ((3, 2), (320, 213)),
    ]
    for _ in range(12):
        sw, sh = int(rng.integers(1, 900)), int(rng.integers(1, 900))
        sizes.append(((sw, sh), (int(rng.integers(1, 700)), int(rng.integers(1, 700)))))
    cases = []
    for i, ((sw, sh), (dw, dh)) in enumerate(sizes):
        noise = rng.integers(0, 256, size=(sh, sw, 3), dtype=np.uint8)
        ramp = np.linspace(0, 255, num=sw * sh * 3).reshape(sh, sw, 3).astype(np.uint8)
        src = np.where(rng.random((sh, sw, 1)) < 0.5, noise, ramp).astype(np.uint8)
        dst = cv2.resize(src, (dw, dh))
        src.tofile(os.path.join(outdir, f"{i}.src.rgb"))
        dst.tofile(os.path.join(outdir, f"{i}.dst.rgb"))
        cases.append({"id": i, "src": [sw, sh], "dst": [dw, dh]})
    with open(os.path.join(outdir, "cases.json"), "w") as f:
        json.dump(cases, f)


def main(argv):
    if argv[1] == "prepare":
        size = int(argv[2])
        for path, outdir in zip(argv[3::2], argv[4::2]):
            prepare(size, path, outdir)
    elif argv[1] == "post":
        for outdir in argv[2:]:
            post(outdir)
    elif argv[1] == "resize-cases":
        resize_cases(argv[2])
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
