"""The kerasgen command: list, info, train, sample, evaluate; clear errors; nothing overwritten."""

import argparse
import json
import os
import re
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image

from conftest import BACKEND
from kerasgen import cli, list_presets
from kerasgen.cli import _parser, main
from kerasgen.recipes import families

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
    err = capsys.readouterr().err
    assert "warning" not in err  # a --label was given
    assert "kerasgen sample: loading preset conditional_gan_fashion_mnist" in err
    assert "kerasgen sample: drawing 16 images from ConditionalGAN" in err
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
def test_evaluate_prints_a_table_and_writes_json(tmp_path, capsys, monkeypatch):
    out = tmp_path / "eval.json"
    argv = ["evaluate", "gated_pixelcnn_fashion_mnist", "--test-images", "40", "--metrics", "nll",
            "--json", str(out)]
    assert main(argv) == 0
    captured = capsys.readouterr()
    printed = captured.out
    result = json.loads(out.read_text())
    assert "nll_nats" in printed and result["num_examples"] == 40 and result["bits_per_dim"] > 0
    # Progress on stderr, as each stage starts and ends; stdout holds the results alone.
    for line in ("kerasgen evaluate: loading preset gated_pixelcnn_fashion_mnist",
                 "kerasgen evaluate: loading the first 40 fashion_mnist test images",
                 "evaluate GatedPixelCNN on 40 images: nll",
                 "evaluate GatedPixelCNN [1/1] nll: log-likelihood (exact) of 40 images"):
        assert line in captured.err
    assert re.search(r"evaluate GatedPixelCNN \[1/1\] done in \d+\.\d s", captured.err)
    assert "evaluate GatedPixelCNN" not in printed and "loading" not in printed
    with pytest.raises(SystemExit):
        main(argv)
    assert "exists" in capsys.readouterr().err
    # A TFDS name this machine has no copy of: the error says where the files go (no download is tried).
    with monkeypatch.context() as patch:
        patch.setenv("KERASGEN_OFFLINE", "1")
        assert main(["evaluate", "gated_pixelcnn_fashion_mnist", "--data", "mnist", "--json",
                     str(tmp_path / "mnist.json")]) == 2
    err = capsys.readouterr().err
    assert "kerasgen evaluate: error: Could not load split 'test' of dataset 'mnist'" in err
    assert "KERASGEN_DATA_DIR" in err and not (tmp_path / "mnist.json").exists()
    assert main(argv[:-2] + ["--json", str(tmp_path / "quiet.json"), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == "" and "nll_nats" in captured.out


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
    assert set(meta["pictures"]) == {"samples.png", "interpolation.png", "reconstruction.png"}
    assert all((out / "preset" / picture).is_file() for picture in meta["pictures"])
    # One tolerance, stated by the recipe, for the headline (kerasgen verify) and the check (the zoo test).
    assert meta["headline"]["tolerance"] == meta["check"]["tolerance"] == meta["recipe"]["headline"]["tolerance"]
    capsys.readouterr()
    assert main(["verify", str(out / "preset"), "--json", str(tmp_path / "verify.json")]) == 0
    assert "1 of 1 claims re-measured within their tolerance" in capsys.readouterr().out
    assert json.loads((tmp_path / "verify.json").read_text())[0]["ok"] is True
    with pytest.raises(SystemExit):
        main(["verify", str(out / "preset"), "--json", str(tmp_path / "verify.json")])
    assert "exists; choose another file or pass --overwrite" in capsys.readouterr().err
    # A recorded headline the weights do not reproduce is reported, and the command fails.
    import shutil

    shutil.copytree(out / "preset", tmp_path / "edited")
    edited = json.loads((tmp_path / "edited" / "metadata.json").read_text())
    edited["headline"]["value"] *= 1.01
    (tmp_path / "edited" / "metadata.json").write_text(json.dumps(edited))
    assert main(["verify", str(tmp_path / "edited")]) == 1
    assert "FAIL" in capsys.readouterr().out
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


# A line of TensorFlow's C++ logging (absl's format, "I0000 00:00:1712345678.123456  4242 port.cc:153] ..."),
# or its start-up words.
TF_LOG_LINE = re.compile(r"^[IWEF]\d{4} [\d:.]+ +\d+ \S+:\d+\]|absl::InitializeLog|oneDNN|cuda", re.M | re.I)


@pytest.fixture(scope="module")
def python_dash_m_list():
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    return subprocess.run([sys.executable, "-m", "kerasgen", "list"], capture_output=True, text=True,
                          timeout=300, env=env)


def test_python_dash_m_kerasgen_runs(python_dash_m_list):
    assert python_dash_m_list.returncode == 0, python_dash_m_list.stderr[-2000:]
    assert "fashion_mnist_classifier" in python_dash_m_list.stdout


def test_python_dash_m_kerasgen_prints_no_tensorflow_start_up_lines(python_dash_m_list):
    assert not TF_LOG_LINE.search(python_dash_m_list.stderr), python_dash_m_list.stderr


def test_the_kerasgen_command_prints_no_tensorflow_start_up_lines():
    command = os.path.join(os.path.dirname(sys.executable), "kerasgen")
    if not os.path.exists(command):
        pytest.skip("the kerasgen console script is not installed beside this Python")
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([command, "info", "vae_fashion_mnist"], capture_output=True, text=True,
                          timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert not TF_LOG_LINE.search(done.stderr), done.stderr


def test_only_the_command_quiets_tensorflow(monkeypatch):
    # What kerasgen/__init__.py asks as it is imported, before it loads TensorFlow.
    import kerasgen

    for argv, orig_argv, expected in [
        (["-m"], ["python", "-m", "kerasgen", "list"], True),     # python -m kerasgen
        (["/venv/bin/kerasgen", "list"], ["python", "/venv/bin/kerasgen", "list"], True),
        (["-m"], ["python", "-m", "pytest", "tests"], False),     # another module imports kerasgen
        (["train.py"], ["python", "train.py"], False),            # a user's script
        (["-c"], ["python", "-c", "import kerasgen"], False),
    ]:
        monkeypatch.setattr(sys, "argv", argv)
        monkeypatch.setattr(sys, "orig_argv", orig_argv)
        assert kerasgen._started_as_command() is expected, argv


# The script never imports Keras: what it shows does not depend on the backend, so it runs under one.
@pytest.mark.skipif(BACKEND != "tensorflow", reason="backend-independent (no Keras import): run under TensorFlow")
def test_quiet_startup_loads_tensorflow_without_its_start_up_lines():
    # kerasgen/cli.py loaded on its own, as the first thing a process does: no
    # kerasgen package import has loaded TensorFlow yet.
    script = (
        "import importlib.util, os, sys\n"
        f"spec = importlib.util.spec_from_file_location('standalone_cli', {cli.__file__!r})\n"
        "cli = importlib.util.module_from_spec(spec); spec.loader.exec_module(cli)\n"
        "os.environ['TF_CPP_MIN_LOG_LEVEL'] = '0'\n"
        "cli.quiet_startup()  # the user's level stands, and nothing is loaded\n"
        "assert os.environ['TF_CPP_MIN_LOG_LEVEL'] == '0' and 'tensorflow' not in sys.modules\n"
        "del os.environ['TF_CPP_MIN_LOG_LEVEL']\n"
        "cli.quiet_startup()\n"
        "import tensorflow as tf\n"
        "tf.constant(1.0) + 1.0  # the first op looks for a GPU\n"
        "print('level', os.environ['TF_CPP_MIN_LOG_LEVEL'], file=sys.stderr)\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300, env=env)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stderr == "level 3\n"


# -- help, usage, warnings ------------------------------------------------------------

def _commands():
    [action] = [a for a in _parser()._actions if isinstance(a, argparse._SubParsersAction)]
    return action


def test_every_flag_of_every_command_has_help():
    commands = _commands()
    assert commands.help and set(commands.choices) == {"list", "info", "train", "sample", "evaluate", "verify"}
    missing = [f"{name} {'/'.join(a.option_strings) or a.dest}"
               for name, p in commands.choices.items() for a in p._actions if not a.help]
    assert missing == []


def test_train_help_lists_the_families(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["train", "--help"])
    assert exit_info.value.code == 0
    printed = " ".join(capsys.readouterr().out.split())  # argparse wraps the lines
    assert "a family (" + ", ".join(families()) + ")" in printed


def test_a_commands_errors_print_its_own_usage(tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["sample", "dcgan_fashion_mnist", "--num", "0", "--out", str(tmp_path / "a.png")])
    err = capsys.readouterr().err
    assert exit_info.value.code == 2
    assert err.startswith("usage: kerasgen sample ") and "--label LABEL" in err
    assert "kerasgen sample: error: --num must be a positive integer; got 0" in err
    with pytest.raises(SystemExit):
        main(["evaluate", "vae_fashion_mnist", "--dataset", "fashion_mnst"])
    err = capsys.readouterr().err
    assert err.startswith("usage: kerasgen evaluate ")
    assert "kerasgen evaluate: error: --data 'fashion_mnst' is not a dataset; did you mean 'fashion_mnist'?" in err
    with pytest.raises(SystemExit):
        main(["train", "vae", "--epochs", "0"])
    assert capsys.readouterr().err.startswith("usage: kerasgen train ")


def test_sampling_a_conditional_preset_without_a_label_says_it_mixes_the_classes(tmp_path, capsys):
    out = tmp_path / "mixed.png"
    assert main(["sample", "conditional_gan_fashion_mnist", "--num", "4", "--out", str(out), "--quiet"]) == 0
    captured = capsys.readouterr()
    assert captured.err == (
        "kerasgen sample: warning: conditional_gan_fashion_mnist is a class-conditional ConditionalGAN and no "
        "--label was given, so the grid mixes the classes: image i (row by row) is of class i % 10, cycling "
        "0..9. Pass --label K for a grid of class K alone.\n")  # --quiet: the warning alone
    assert captured.out == f"wrote {out}: 4 samples of ConditionalGAN\n"
