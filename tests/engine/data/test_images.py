"""Image folders: classes, conversion, resizing, bad files, bombs, progress, prediction."""

import itertools
import struct
import zlib

import numpy as np
import pytest
from PIL import Image, ImageFile

from engine.data import LoadCancelled, apply_preprocessing, load_image_folder
from engine.errors import DataError


def save(path, array, **kwargs):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.asarray(array, dtype=np.uint8)).save(path, **kwargs)
    return path


@pytest.fixture
def folder(tmp_path):
    """cats: 3 gray PNGs (one in a sub-folder), dogs: 2 gray JPEG/BMP files."""
    root = tmp_path / "pets"
    save(root / "cats" / "a.png", np.full((10, 12), 200))
    save(root / "cats" / "b.png", np.full((30, 30), 100))
    save(root / "cats" / "more" / "c.png", np.full((5, 5), 0))
    save(root / "dogs" / "d.jpg", np.full((16, 16), 255))
    save(root / "dogs" / "e.BMP", np.full((8, 8), 50))
    return root


def test_classes_from_sorted_folders_values_in_zero_one(folder):
    ds = load_image_folder(folder, size=(8, 8))
    assert ds.class_names == ["cats", "dogs"]
    assert ds.x.shape == (5, 1, 8, 8) and ds.x.dtype == np.float32
    assert ds.y.tolist() == [0, 0, 0, 1, 1]
    assert ds.sample_ids == ["cats/a.png", "cats/b.png", "cats/more/c.png", "dogs/d.jpg",
                             "dogs/e.BMP"]
    assert np.allclose(ds.x[0], 200 / 255) and np.allclose(ds.x[2], 0)
    assert ds.x.min() >= 0 and ds.x.max() <= 1
    assert ds.preprocessing == {"type": "image", "size": [8, 8], "channels": 1,
                                "fit": "stretch", "background": "white", "scale": "0-1"}
    assert ds.report.skipped == []


def test_channels_are_chosen_or_converted(folder):
    save(folder / "dogs" / "red.png", np.tile([255, 0, 0], (6, 6, 1)))
    auto = load_image_folder(folder, size=(4, 4))
    assert auto.x.shape[1] == 3  # one colour image makes the set colour
    red = auto.x[auto.sample_ids.index("dogs/red.png")]
    assert np.allclose(red[0], 1) and np.allclose(red[1:], 0)
    gray = load_image_folder(folder, size=(4, 4), channels=1)
    red = gray.x[gray.sample_ids.index("dogs/red.png"), 0]
    assert np.allclose(red, 76 / 255, atol=1 / 255)  # luma of pure red
    assert np.allclose(gray.x[0], 200 / 255)


def test_transparency_goes_on_white_and_size_is_height_by_width(tmp_path):
    rgba = np.zeros((6, 10, 4), dtype=np.uint8)  # fully transparent black
    save(tmp_path / "a" / "t.png", rgba)
    save(tmp_path / "b" / "u.png", np.zeros((6, 10)))
    ds = load_image_folder(tmp_path, size=(3, 5))
    assert ds.x.shape == (2, 3, 3, 5)
    assert np.allclose(ds.x[0], 1.0) and np.allclose(ds.x[1], 0.0)


def test_fit_modes_keep_or_ignore_the_aspect_ratio(tmp_path):
    wide = np.zeros((10, 40), dtype=np.uint8)
    wide[:, :20] = 255
    save(tmp_path / "a" / "w.png", wide)
    save(tmp_path / "b" / "x.png", np.zeros((4, 4)))
    stretch = load_image_folder(tmp_path, size=(10, 10), fit="stretch").x[0, 0]
    crop = load_image_folder(tmp_path, size=(10, 10), fit="crop").x[0, 0]
    pad = load_image_folder(tmp_path, size=(10, 10), fit="pad").x[0, 0]
    assert stretch[:, 0].min() > 0.9 and stretch[:, -1].max() < 0.1
    assert crop[:, :4].min() > 0.9 and crop[:, -4:].max() < 0.1
    assert pad[0].min() > 0.9 and pad[-1].min() > 0.9  # white borders above and below
    assert pad[5, 0] > 0.9 and pad[5, -1] < 0.1


def _bomb_png(path, width=30000, height=30000):
    """A tiny valid PNG whose header declares width × height pixels."""
    Image.new("L", (1, 1)).save(path)
    raw = bytearray(path.read_bytes())
    assert raw[12:16] == b"IHDR"
    raw[16:24] = struct.pack(">II", width, height)
    raw[29:33] = struct.pack(">I", zlib.crc32(bytes(raw[12:29])))
    path.write_bytes(bytes(raw))
    return path


def test_bad_files_are_skipped_and_listed(folder):
    (folder / "cats" / "notes.txt").write_text("hello")
    (folder / "cats" / "corrupt.png").write_bytes(b"this is not a png at all")
    good = save(folder / "dogs" / "trunc.png",
                np.random.default_rng(0).integers(0, 255, (64, 64)))
    good.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    _bomb_png(folder / "dogs" / "bomb.png")
    (folder / "stray.png").write_bytes(b"")
    (folder / "cats" / ".hidden.png").write_bytes(b"x")
    ds = load_image_folder(folder, size=(8, 8))
    assert len(ds) == 5
    skipped = dict(ds.report.skipped)
    assert set(skipped) == {"cats/notes.txt", "cats/corrupt.png", "dogs/trunc.png",
                            "dogs/bomb.png", "stray.png"}
    assert "not an image file (.txt)" in skipped["cats/notes.txt"]
    assert "not a readable" in skipped["cats/corrupt.png"]
    assert "decoded" in skipped["dogs/trunc.png"]
    assert skipped["dogs/bomb.png"].startswith("refused") and "bomb" in skipped["dogs/bomb.png"]
    assert "class folder" in skipped["stray.png"]
    assert any("5 file(s) skipped" in n for n in ds.report.notes)


def test_a_bomb_is_refused_from_its_header_not_decoded(tmp_path, monkeypatch):
    bomb = _bomb_png(tmp_path / "bomb.png")
    decoded = []
    original = ImageFile.ImageFile.load

    def spy(self):
        decoded.append(self.size)
        return original(self)

    monkeypatch.setattr(ImageFile.ImageFile, "load", spy)
    apply_preprocessing(save(tmp_path / "fine.png", np.zeros((3, 4))),
                        {"type": "image", "size": [8, 8], "channels": 1})
    assert (4, 3) in decoded  # the spy sees decoding
    with pytest.raises(DataError, match=r"refused.*bomb"):
        apply_preprocessing(bomb, {"type": "image", "size": [8, 8], "channels": 1})
    assert (30000, 30000) not in decoded
    # below Pillow's limits, ours refuses from the header too
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", None)
    with pytest.raises(DataError, match="30000×30000"):
        apply_preprocessing(bomb, {"type": "image", "size": [8, 8], "channels": 1})
    assert (30000, 30000) not in decoded
    save(tmp_path / "a" / "big.png", np.zeros((300, 300)))
    save(tmp_path / "b" / "ok.png", np.zeros((10, 10)))
    save(tmp_path / "b" / "ok2.png", np.zeros((10, 10)))
    save(tmp_path / "a" / "ok3.png", np.zeros((10, 10)))
    ds = load_image_folder(tmp_path, size=(8, 8), max_pixels=50_000)
    assert dict(ds.report.skipped)["a/big.png"].startswith("refused")


def test_pillow_bomb_warning_is_treated_as_an_error(tmp_path, monkeypatch):
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 5_000)
    save(tmp_path / "a" / "big.png", np.zeros((100, 100)))  # 10 000 pixels: a warning
    save(tmp_path / "a" / "ok.png", np.zeros((10, 10)))
    save(tmp_path / "b" / "ok.png", np.zeros((10, 10)))
    ds = load_image_folder(tmp_path, size=(8, 8), max_pixels=10**9)
    assert "refused" in dict(ds.report.skipped)["a/big.png"]


def test_empty_class_folder_is_left_out_and_noted(folder):
    (folder / "birds").mkdir()
    ds = load_image_folder(folder, size=(8, 8))
    assert ds.class_names == ["cats", "dogs"]
    assert any("'birds' has no images" in n for n in ds.report.notes)


@pytest.mark.parametrize("layout", ["flat", "one_class", "missing", "unreadable"])
def test_folders_that_cannot_make_a_data_set(tmp_path, layout):
    if layout == "flat":
        save(tmp_path / "a.png", np.zeros((4, 4)))
        words = "no sub-folders"
    elif layout == "one_class":
        save(tmp_path / "cats" / "a.png", np.zeros((4, 4)))
        (tmp_path / "dogs").mkdir()
        words = "at least two classes"
    elif layout == "missing":
        tmp_path = tmp_path / "nope"
        words = "no such folder"
    else:
        for c in ("a", "b"):
            (tmp_path / c).mkdir()
            (tmp_path / c / "x.png").write_bytes(b"junk")
        words = "none of the 2 image files"
    with pytest.raises(DataError, match=words):
        load_image_folder(tmp_path)


@pytest.mark.parametrize(("option", "value"), [("size", (0, 5)), ("channels", 2),
                                               ("fit", "zoom")])
def test_bad_options_are_refused(folder, option, value):
    with pytest.raises(DataError, match=option if option != "size" else "image size"):
        load_image_folder(folder, **{option: value})


def test_gif_first_frame_and_16_bit_png(tmp_path):
    frames = [Image.new("L", (6, 6), 255), Image.new("L", (6, 6), 0)]
    (tmp_path / "a").mkdir()
    frames[0].save(tmp_path / "a" / "anim.gif", save_all=True, append_images=frames[1:])
    deep = Image.fromarray(np.full((6, 6), 65535, dtype=np.uint16))
    (tmp_path / "b").mkdir()
    deep.save(tmp_path / "b" / "deep.png")
    ds = load_image_folder(tmp_path, size=(6, 6))
    assert ds.x.shape == (2, 1, 6, 6)  # a gray palette is grayscale
    assert np.allclose(ds.x[0], 1.0) and np.allclose(ds.x[1], 1.0)


def test_progress_threads_and_cancel(folder):
    for i in range(150):
        save(folder / "cats" / f"n{i:03d}.png", np.full((6, 6), i))
    calls = []
    one = load_image_folder(folder, size=(6, 6), workers=1,
                            progress=lambda d, t: calls.append((d, t)))
    assert calls[-1] == (155, 155)
    many = load_image_folder(folder, size=(6, 6), workers=3)
    assert np.array_equal(one.x, many.x) and one.sample_ids == many.sample_ids
    for workers in (1, 3):
        checks = itertools.count()
        with pytest.raises(LoadCancelled):
            load_image_folder(folder, workers=workers,
                              cancelled=lambda c=checks: next(c) >= 2)


def test_new_images_are_prepared_like_the_folder(folder):
    ds = load_image_folder(folder, size=(8, 8), fit="crop")
    again = apply_preprocessing([folder / "cats" / "a.png", folder / "dogs" / "d.jpg"],
                                ds.preprocessing)
    assert np.array_equal(again, ds.x[[0, 3]])
    array = apply_preprocessing(np.full((10, 12), 200, dtype=np.uint8), ds.preprocessing)
    assert np.array_equal(array, ds.x[:1])
    with pytest.raises(DataError, match="no such file"):
        apply_preprocessing(folder / "nope.png", ds.preprocessing)
