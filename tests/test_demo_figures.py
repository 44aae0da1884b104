"""scripts/demo_figures.py: the README's demo table is written from a recorded run, and a new run is checked."""

import json
import os
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))

import demo_figures  # noqa: E402

RUN = {"command": "python examples/vae_fashion_mnist.py --out x", "backend": "tensorflow", "epochs": 5,
       "latent_dim": 16, "train_seconds": 170.0, "date": "2026-12-05", "machine": {"cpus": 2},
       "test": {"num_images": 10000, "negative_elbo_nats": 240.0, "negative_elbo_bits_per_dim": 0.4416,
                "reconstruction_nats": 226.0, "kl_nats": 14.0},
       "test_nll": {"nll_nats": 236.0, "nll_nats_stderr": 2.4, "bits_per_dim": 0.434, "num_images": 1000,
                    "num_samples": 100}}


def test_a_new_run_is_checked_against_the_record_within_the_tolerance(tmp_path, monkeypatch, capsys):
    recorded = tmp_path / "demo.json"
    recorded.write_text(json.dumps(RUN))
    monkeypatch.setattr(demo_figures, "RESULTS", str(recorded))
    run = json.loads(json.dumps(RUN))
    run["test_nll"]["nll_nats"] *= 1 + demo_figures.TOLERANCE / 2
    (tmp_path / "metrics.json").write_text(json.dumps(run))
    assert demo_figures.check(str(tmp_path)) == 0
    run["test"]["negative_elbo_nats"] *= 1 + 2 * demo_figures.TOLERANCE
    (tmp_path / "metrics.json").write_text(json.dumps(run))
    assert demo_figures.check(str(tmp_path)) == 1
    assert "FAIL negative ELBO" in capsys.readouterr().out


def test_the_readme_holds_the_section_of_the_recorded_run():
    with open(demo_figures.RESULTS) as f:
        recorded = json.load(f)
    with open(demo_figures.README) as f:
        assert demo_figures.section(recorded) in f.read()
    table = demo_figures.section(RUN)
    assert "240.0 nats (0.442 bits/dim): reconstruction 226.0 + KL 14.0" in table and "K = 100" in table
