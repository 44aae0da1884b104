"""The kerasgen command: list, info, train, sample, evaluate; clear errors; nothing overwritten."""

import json
import os
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from kerasgen import list_presets
from kerasgen.cli import main

FASHION = "/usr/share/datasets/fashion-mnist"
needs_fashion = pytest.mark.skipif(not os.path.isdir(FASHION), reason="needs Debian's dataset-fashion-mnist")


def test_list_and_info(capsys):
    assert main(["list"]) == 0
    printed = capsys.readouterr().out
    for name in list_presets():
        assert name in printed
    assert main(["list", "--family", "classifier"]) == 0
    assert "fashion_mnist_classifier" in capsys.readouterr().out
    assert main(["info", "fashion_mnist_classifier"]) == 0
    printed = capsys.readouterr().out
    assert "kerasgen>Classifier" in printed and "model.weights.h5" in printed and "command:" in printed


def test_unknown_preset_names_close_matches(capsys):
    assert main(["info", "vae_fashion_mnst"]) == 2
    err = capsys.readouterr().err
    assert "Unknown preset 'vae_fashion_mnst'" in err and "Did you mean 'vae_fashion_mnist'" in err


def test_sample_writes_a_grid_and_never_overwrites(tmp_path, capsys):
    out = tmp_path / "grid.png"
    assert main(["sample", "conditional_gan_fashion_mnist", "--num", "16", "--out", str(out), "--label", "3"]) == 0
    with Image.open(out) as image:
        assert image.size == ((4 * 29 + 1) * 2, (4 * 29 + 1) * 2)
        pixels = np.asarray(image)
    assert len(np.unique(pixels)) > 10
    before = out.read_bytes()
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", "conditional_gan_fashion_mnist", "--out", str(out)])
    assert exit_info.value.code == 2 and "exists" in capsys.readouterr().err
    assert out.read_bytes() == before
    with pytest.raises(SystemExit):
        main(["sample", "dcgan_fashion_mnist", "--out", str(tmp_path / "b.png"), "--label", "1"])
    assert "--label is for conditional models" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["sample", "conditional_gan_fashion_mnist", "--out", str(tmp_path / "c.png"), "--label", "10"])
    assert "--label must be in [0, 10)" in capsys.readouterr().err


@needs_fashion
def test_evaluate_prints_a_table_and_writes_json(tmp_path, capsys):
    out = tmp_path / "eval.json"
    argv = ["evaluate", "gated_pixelcnn_fashion_mnist", "--test-images", "40", "--metrics", "nll",
            "--json", str(out)]
    assert main(argv) == 0
    printed = capsys.readouterr().out
    result = json.loads(out.read_text())
    assert "nll_nats" in printed and result["num_examples"] == 40 and result["bits_per_dim"] > 0
    with pytest.raises(SystemExit):
        main(argv)
    assert "exists" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["evaluate", "gated_pixelcnn_fashion_mnist", "--dataset", "mnist"])
    assert "--dataset must be one of fashion_mnist" in capsys.readouterr().err


@needs_fashion
def test_train_writes_grids_checkpoints_and_a_preset(tmp_path, capsys):
    import kerasgen

    out = tmp_path / "run"
    argv = ["train", "vae", "--epochs", "2", "--steps-per-epoch", "3", "--test-images", "20", "--out", str(out),
            "--quiet"]
    assert main(argv) == 0
    assert sorted(os.listdir(out / "samples")) == ["epoch_001.png", "epoch_002.png"]
    assert sorted(os.listdir(out / "checkpoints")) == ["epoch_001.weights.h5", "epoch_002.weights.h5"]
    meta = json.loads((out / "preset" / "metadata.json").read_text())
    assert meta["recipe"]["train"]["epochs"] == 2 and meta["recipe"]["train"]["steps_per_epoch"] == 3
    assert meta["headline"]["metric"] == "nll_nats" and meta["headline"]["value"] < 600
    assert meta["headline"]["test_images"] == meta["recipe"]["headline"]["test_images"] == 20
    assert meta["check"]["test_images"] == 20
    assert meta["command"].startswith("kerasgen train vae")
    import keras

    assert meta["trained_with"]["backend"] == keras.backend.backend()
    assert meta["trained_with"]["backend_version"] == __import__(keras.backend.backend()).__version__
    model = kerasgen.from_preset(out / "preset")
    assert model.sample(2, seed=0).shape == (2, 28, 28, 1)
    capsys.readouterr()
    assert main(argv) == 2  # the run folder holds a finished run
    assert "holds a finished run" in capsys.readouterr().err
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "notes.txt").write_text("mine")
    assert main(["train", "vae", "--out", str(tmp_path / "mine")]) == 2
    assert "holds no kerasgen run" in capsys.readouterr().err
    assert main(["train", "vae", "--resume", "--out", str(tmp_path / "none")]) == 2
    assert "holds no run to resume" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "vae", "--epochs", "0", "--out", str(tmp_path / "other")])
    assert "--epochs must be a positive integer" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["train", "vae", "--test-images", "1", "--out", str(tmp_path / "other")])
    assert "--test-images must be at least 2; got 1" in capsys.readouterr().err
    assert main(["train", "vea", "--out", str(tmp_path / "other")]) == 2
    assert "Did you mean 'vae'" in capsys.readouterr().err


def test_python_dash_m_kerasgen_runs():
    done = subprocess.run([sys.executable, "-m", "kerasgen", "list"], capture_output=True, text=True,
                          timeout=300, env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert done.returncode == 0, done.stderr[-2000:]
    assert "fashion_mnist_classifier" in done.stdout
