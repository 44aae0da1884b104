"""Sample quality and likelihood of kerasgen's zoo recipes beside the peers a user would train instead, same budget.

Each pair trains, on the same Fashion-MNIST training images, the same batches
(`kerasgen.data.pipeline` with the recipe's seed: the same images in the same
order every epoch, each model given them in its own scale, and for the
binarized models the same fresh binarization), the same number of steps,
kerasgen's zoo recipe and a plain re-implementation of the peer written from
its published description (benchmarks/peers/), and measures both on the same
test images after each budget (--checkpoints, in epochs; by default 1 and the
recipe's, so the last budget is the preset's own):

- ``pixelcnn``: the zoo's Gated PixelCNN recipe against the keras-io PixelCNN
  (Keras' own `fit`, binary cross-entropy, Adam 5e-4): exact test NLL. The
  report also sets the zoo's plain `pixelcnn_fashion_mnist` beside the same
  peer at its own epochs, from its metadata (`ALSO`).
- ``vae``: the zoo's VAE recipe against the keras-io VAE (two stride-2
  convolutions, latent 2, its `GradientTape` step): the importance-weighted
  bound on the test NLL with the K of the preset's headline.
- ``dcgan``: the zoo's DCGAN recipe against the keras-io DCGAN (its
  `GradientTape` step, Adam 1e-4, images in [0, 1]): FID*, KID*, precision
  and recall on the evaluation classifier's features.
- ``cgan``: the zoo's conditional GAN recipe against the keras-io conditional
  GAN (one-hot classes, Adam 3e-4): the same, plus label accuracy (the share
  of samples the evaluation classifier puts in the class asked for).

Both are measured as the preset's headline is: the first N test images of
the headline (binarized once with NumPy seed 0 where the model is binary),
the same number of samples, the same seeds. kerasgen's side is trained by
`kerasgen.recipes.train`, the function `kerasgen train` runs: when the zoo
build's run folder (build/FAMILY, from zoo/build.sh) holds a finished run of
the same recipe its checkpoints are measured, so the last budget's figure is
the preset's own; else it trains into --work. The peer trains into --work
with `keras.callbacks.BackupAndRestore`. A stopped run resumes from the last
finished epoch of each contestant; the JSON is written after every epoch.

    python benchmarks/quality.py --pairs dcgan            # budgets 1 and the recipe's epochs
    python benchmarks/quality.py --pairs vae --checkpoints 1 3 --train-images 2560 --out /tmp/q.json  # smoke
    python benchmarks/quality.py --report

Run it alone on the machine (the training seconds are recorded); figures in
the FID* family are on the evaluation classifier's features, not Inception's.
"""

import argparse
import datetime
import json
import math
import os
import platform
import sys
import time

from recipe_search import epoch_seconds, measure_epoch  # a recipes.train run's epochs and checkpoints
from sections import write_or_say  # benchmarks/sections.py, beside this script

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
RESULTS = os.path.join(ROOT, "benchmarks", "results", "quality.json")
BEGIN = ("<!-- quality:begin (written by benchmarks/quality.py --report from benchmarks/results/quality.json; "
         "do not edit) -->")
END = "<!-- quality:end -->"
# pair: (kerasgen family, the peer's module in benchmarks/peers, what the peer is, lower is better?)
PAIRS = {
    "pixelcnn": ("gated_pixelcnn", "keras_io_pixelcnn",
                 "the keras-io PixelCNN (7x7 mask A, 5 residual blocks of 128, two 1x1 mask B, sigmoid; Adam 5e-4, "
                 "Keras' fit with binary cross-entropy)"),
    "vae": ("vae", "keras_io_vae",
            "the keras-io VAE (two 3x3 stride-2 convolutions of 32 and 64, dense 16, latent 2, mirrored decoder; "
            "Adam 1e-3, its GradientTape step)"),
    "dcgan": ("dcgan", "keras_io_dcgan",
              "the keras-io DCGAN (D: three 4x4 stride-2 convolutions 64-128-128, dropout 0.2; G: 7x7x128, two 4x4 "
              "stride-2 transposed convolutions 128-256, sigmoid; latent 128; Adam 1e-4 each, label noise 0.05)"),
    "cgan": ("conditional_gan", "keras_io_cgan",
             "the keras-io conditional GAN (one-hot class: G from latent 128 + class, two 4x4 stride-2 transposed "
             "convolutions of 128; D on image + 10 class planes, convolutions 64-128, global max pool; Adam 3e-4 "
             "each)"),
}
# Other zoo presets set beside a pair's peer from their own metadata (the same headline, so the same test
# images and seeds): the peer a user of `pixelcnn_fashion_mnist` would pick is the same keras-io PixelCNN.
ALSO = {"pixelcnn": ["pixelcnn_fashion_mnist"]}
LOWER_IS_BETTER = {"nll_nats": True, "classifier_fid": True, "label_accuracy": False, "reconstruction_mse": True}


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--pairs", nargs="+", default=list(PAIRS), choices=PAIRS, help="pairs to train (default: all)")
    p.add_argument("--checkpoints", nargs="+", type=int, default=None,
                   help="epochs after which both are measured, the budgets (default: 1 and the recipe's epochs)")
    p.add_argument("--train-images", type=int, default=None,
                   help="train on the first N training images only, a smoke run (default: all 60000)")
    p.add_argument("--test-images", type=int, default=None,
                   help="measure on the first N test images and N samples (default: the preset headline's)")
    p.add_argument("--work", default=os.path.join(ROOT, "build", "quality"),
                   help="folder of the resumable runs (default: build/quality)")
    p.add_argument("--out", default=RESULTS, help=f"results JSON (default: {os.path.relpath(RESULTS, ROOT)})")
    p.add_argument("--note", help="a line on the run's conditions (what else used the machine), kept in the JSON's "
                                  "notes and printed in the section; with --report, added to the JSON as it is")
    p.add_argument("--report", action="store_true", help="write BENCHMARKS.md's section from --out")
    p.add_argument("--benchmarks-md", default=os.path.join(ROOT, "BENCHMARKS.md"), help="the file --report writes")
    args = p.parse_args(argv)
    for key in ("train_images", "test_images"):
        value = getattr(args, key)
        if value is not None and value < 2:
            p.error(f"--{key.replace('_', '-')} must be an integer of at least 2; got {value}")
    if args.checkpoints is not None:
        if any(c < 1 for c in args.checkpoints):
            p.error(f"--checkpoints must be positive epoch counts; got {args.checkpoints}")
        args.checkpoints = sorted(set(args.checkpoints))
    return args


def pair_recipe(pair, args):
    """The family's zoo recipe, with the smoke-run sizes of `args` (recorded in the stored recipe)."""
    from kerasgen import recipes

    recipe = recipes.get_recipe(PAIRS[pair][0])
    budgets = args.checkpoints or sorted({1, recipe["train"]["epochs"]})
    recipe["train"]["epochs"] = max(budgets)
    if args.train_images:
        recipe["train"]["steps_per_epoch"] = args.train_images // recipe["train"]["batch_size"]
    if args.test_images:
        for which in ("headline", "check"):
            recipe[which]["test_images"] = min(recipe[which]["test_images"], args.test_images)
            if "num_samples" in recipe[which]["evaluate"]:
                recipe[which]["evaluate"]["num_samples"] = recipe[which]["test_images"]
    return recipe, budgets


def kerasgen_run(pair, recipe, args):
    """The folder of a finished `recipes.train` run of `recipe`: the zoo build's if it is one, else trained here."""
    from kerasgen import recipes

    family = PAIRS[pair][0]
    for out in (os.path.join(ROOT, "build", family), os.path.join(args.work, pair, "kerasgen")):
        try:
            with open(os.path.join(out, recipes.RUN_FILE)) as f:
                stored = json.load(f)
        except (OSError, ValueError):
            continue
        if stored.get("finished") and stored.get("recipe") == recipe:
            return out, False
    out = os.path.join(args.work, pair, "kerasgen")
    if os.path.isfile(os.path.join(out, recipes.RUN_FILE)):
        with open(os.path.join(out, recipes.RUN_FILE)) as f:
            if json.load(f).get("recipe") != recipe:
                sys.exit(f"error: {out} holds a kerasgen run of another recipe (its run.json); pass another --work, "
                         "or remove that folder to train again")
    print(f"{pair} kerasgen: training {family} into {out} ({time.strftime('%H:%M:%S')})", flush=True)
    recipes.train(recipe, out, preset_dir=os.path.join(out, "preset"), verbose=0,
                  command=f"benchmarks/quality.py --pairs {pair}")
    return out, True


class Peer:
    """A peer: built from its module in benchmarks/peers, trained with Keras' fit, measured like the preset."""

    def __init__(self, pair, recipe, image_format):
        self.pair, self.recipe, self.kerasgen_format = pair, recipe, image_format
        self.head = recipe["headline"]
        import keras

        from kerasgen.data import ImageFormat

        keras.utils.set_random_seed(recipe["train"]["seed"])
        shape = tuple(recipe["model"]["config"].get("image_shape", (28, 28, 1)))
        # The NLL peers take the binarized images kerasgen's models take; the GANs' take [0, 1] (their sigmoid).
        self.image_format = image_format if pair in ("pixelcnn", "vae") else ImageFormat.get("unit")
        if pair == "pixelcnn":
            from peers.keras_io_pixelcnn import compile_like_keras_io, keras_io_pixelcnn

            self.model = compile_like_keras_io(keras_io_pixelcnn(shape))
        elif pair == "vae":
            from peers.keras_io_vae import KerasIOVAE, keras_io_vae_networks

            self.model = KerasIOVAE(*keras_io_vae_networks(shape, latent_dim=2), latent_dim=2)
            self.model.compile(optimizer=keras.optimizers.Adam())
        elif pair == "dcgan":
            from peers.keras_io_dcgan import KerasIODCGAN, compile_like_keras_io, keras_io_dcgan_networks

            self.model = compile_like_keras_io(KerasIODCGAN(*keras_io_dcgan_networks(shape), latent_dim=128))
        else:
            from peers.keras_io_cgan import KerasIOConditionalGAN, keras_io_cgan_networks

            self.model = KerasIOConditionalGAN(*keras_io_cgan_networks(shape))
            self.model.compile()
        # The subclassed peers (a train_step over functional networks, no call) hold built networks only;
        # BackupAndRestore asks for a built model. Their optimizers are built now, so that a resumed run
        # restores their moments (an unbuilt optimizer's saved variables are skipped, with a warning).
        self.model.built = True
        if pair in ("dcgan", "cgan"):
            self.model.d_optimizer.build(self.model.discriminator.trainable_variables)
            self.model.g_optimizer.build(self.model.generator.trainable_variables)
        else:
            self.model.optimizer.build(self.model.trainable_variables)

    def data(self, x, y, first_epoch):
        from kerasgen.data import pipeline

        train = self.recipe["train"]
        steps = train.get("steps_per_epoch")
        labels = self.pair == "cgan"
        ds = pipeline((x, y) if labels else x, batch_size=train["batch_size"], labels=labels,
                      image_format=self.image_format, seed=train["seed"], drop_remainder=True,
                      first_epoch=first_epoch, take=steps * train["batch_size"] if steps else None)
        if self.pair == "pixelcnn":  # Keras' fit with a loss: the images are their own targets
            return ds.map(lambda batch: (batch, batch)), ds  # (what fit takes, what counts the steps)
        return ds

    def measure(self, x_raw, y_raw):
        """The preset headline's metric (and its companions) for the peer, on the headline's images and seeds."""
        import numpy as np

        n = self.head["test_images"]
        if self.pair in ("pixelcnn", "vae"):
            x = self.kerasgen_format.convert(x_raw[:n], seed=0)  # the very images kerasgen's headline scores
            if self.pair == "pixelcnn":
                from peers.keras_io_pixelcnn import nll_nats

                nll = nll_nats(self.model, x)
                extra = {"nll_bound": "exact"}
            else:
                from peers.keras_io_vae import iwae_nll_nats

                k = self.head["evaluate"].get("nll_samples", 100)
                nll = iwae_nll_nats(self.model.encoder, self.model.decoder, 2, x, k, seed=0)
                extra = {"nll_bound": f"IWAE, K={k} (an upper bound on the NLL)"}
            return {"nll_nats": nll, "bits_per_dim": nll / (math.prod(x.shape[1:]) * math.log(2)), **extra}
        from kerasgen.evaluation import score_samples

        num = self.head["evaluate"]["num_samples"]
        real = self.image_format.convert(x_raw[:n])
        if self.pair == "dcgan":
            z = np.random.default_rng(0).standard_normal((num, self.model.latent_dim)).astype("float32")
            samples, labels = np.asarray(self.model.generator.predict(z, verbose=0, batch_size=500)), None
        else:
            labels = np.arange(num) % self.model.num_classes  # the classes kerasgen's headline asks for
            samples = self.model.sample(labels, seed=0)
        return score_samples(samples, real, "fashion_mnist_classifier", labels=labels, seed=0)


def run_pair(pair, args, result):
    import keras

    from kerasgen import recipes
    from kerasgen.data import load
    from kerasgen.data.pipelines import steps_per_epoch as epoch_steps

    recipe, budgets = pair_recipe(pair, args)
    x_train, y_train = load("fashion_mnist", split="train")
    x_test, y_test = load("fashion_mnist", split="test")
    runs = {r["contestant"]: r for r in result["runs"] if r["pair"] == pair}
    for name in ("kerasgen", "peer"):
        runs.setdefault(name, {"pair": pair, "contestant": name, "checkpoints": {}})
        if runs[name] not in result["runs"]:
            result["runs"].append(runs[name])

    # kerasgen: the recipe's own training run, then its checkpoints measured.
    mine = runs["kerasgen"]
    out, trained_here = kerasgen_run(pair, recipe, args)
    mine.update({"what": f"kerasgen {recipe['model']['class_name']}, the zoo's {PAIRS[pair][0]} recipe "
                         f"({json.dumps(recipe['model']['config'], sort_keys=True)}; "
                         f"{json.dumps({k: v for k, v in recipe['train'].items() if k != 'epochs'}, sort_keys=True)})",
                 "run": os.path.relpath(out, ROOT), "trained_by_this_run": trained_here,
                 "epoch_seconds": _log_seconds(out)})
    for epoch in budgets:
        if str(epoch) not in mine["checkpoints"]:
            mine["checkpoints"][str(epoch)] = _clean(measure_epoch(recipe, out, epoch))
            print(f"{pair} kerasgen epoch {epoch}: {_headline_text(recipe, mine['checkpoints'][str(epoch)])}",
                  flush=True)
            _save(args.out, result)
    preset = os.path.join(ROOT, "zoo", recipe["preset"] or "", "metadata.json")
    if recipe["preset"] and os.path.isfile(preset):
        with open(preset) as f:
            meta = json.load(f)
        same = meta.get("recipe") == recipe
        mine["preset"] = {"name": recipe["preset"], "same_recipe": same,
                          "headline": meta.get("headline", {}).get("value")}

    # The peer: the same batches, resumable, weights kept at each budget, then measured.
    theirs = runs["peer"]
    peer = Peer(pair, recipe, recipes.build_model(recipe).image_format)
    theirs["what"] = PAIRS[pair][2]
    folder = os.path.join(args.work, pair, "peer")
    _claim(folder, recipe)
    backup = os.path.join(folder, "backup")
    first_epoch = 0
    if os.path.isfile(os.path.join(backup, "training_metadata.json")):
        with open(os.path.join(backup, "training_metadata.json")) as f:
            first_epoch = int(json.load(f)["epoch"])
    data = peer.data(x_train, y_train, first_epoch)
    steps = epoch_steps(data[1] if isinstance(data, tuple) else data)
    data = data[0] if isinstance(data, tuple) else data
    theirs.setdefault("epoch_seconds", {})

    class Keep(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.time()

        def on_epoch_end(self, epoch, logs=None):
            theirs["epoch_seconds"][str(epoch + 1)] = round(time.time() - self.start, 1)
            if epoch + 1 in budgets:
                self.model.save_weights(os.path.join(folder, f"epoch_{epoch + 1:03d}.weights.h5"))
            theirs["epochs_done"] = epoch + 1
            _save(args.out, result)

    os.makedirs(folder, exist_ok=True)
    if first_epoch < max(budgets):
        print(f"{pair} peer: training from epoch {first_epoch} ({time.strftime('%H:%M:%S')})", flush=True)
    peer.model.fit(data, epochs=max(budgets), steps_per_epoch=steps, verbose=0,
                   callbacks=[Keep(), keras.callbacks.BackupAndRestore(backup, delete_checkpoint=False)])
    for epoch in budgets:
        if str(epoch) not in theirs["checkpoints"]:
            peer.model.load_weights(os.path.join(folder, f"epoch_{epoch:03d}.weights.h5"))
            theirs["checkpoints"][str(epoch)] = _clean(peer.measure(x_test, y_test))
            print(f"{pair} peer epoch {epoch}: {_headline_text(recipe, theirs['checkpoints'][str(epoch)])}", flush=True)
            _save(args.out, result)
    result["recipes"][pair] = recipe


def _claim(folder, recipe):
    """Records in `folder` the recipe whose batches its peer run trains on; refuses a folder of another recipe.

    A peer run resumes from its backup; one made for other batches or budgets must not be resumed.
    """
    os.makedirs(folder, exist_ok=True)
    path = os.path.join(folder, "recipe.json")
    if os.path.isfile(path):
        with open(path) as f:
            if json.load(f) != recipe:
                sys.exit(f"error: {folder} holds a peer run for another recipe (its recipe.json); pass another "
                         "--work, or remove that folder to train the peer again")
        return
    with open(path, "w") as f:
        json.dump(recipe, f, indent=1)


def _log_seconds(out):
    gaps = epoch_seconds(out)
    return {"median": sorted(gaps)[len(gaps) // 2] if gaps else None,
            "note": "gaps between checkpoint files: an epoch plus its sample grid"}


def _clean(metrics):
    return {k: (round(v, 6) if isinstance(v, float) else v) for k, v in metrics.items()
            if isinstance(v, (int, float, str)) and k not in ("model",)}


def _headline_text(recipe, metrics):
    metric = recipe["headline"]["metric"]
    return f"{metric} = {metrics.get(metric)}"


def _save(path, result):
    result["machine"]["load_average_at_end"] = round(os.getloadavg()[0], 2)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=1)
        f.write("\n")
    os.replace(path + ".tmp", path)


def drive(args):
    import keras

    result = None
    settings = {"train_images": args.train_images, "test_images": args.test_images}
    if os.path.isfile(args.out):
        with open(args.out) as f:
            old = json.load(f)
        if old.get("settings") == settings and "recipes" in old:
            result = old  # a stopped run of the same sizes: go on
    if result is None:
        result = {"benchmark": "quality", "settings": settings, "recipes": {},
                  "command": " ".join(["python benchmarks/quality.py"] + sys.argv[1:]),
                  "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
                  "backend": keras.backend.backend(),
                  "versions": {"keras": keras.__version__,
                               keras.backend.backend(): __import__(keras.backend.backend()).__version__},
                  "machine": {"cpus": os.cpu_count(), "processor": platform.processor() or platform.machine(),
                              "load_average_at_start": round(os.getloadavg()[0], 2)},
                  "runs": []}
    for pair in args.pairs:
        # A pair measured with another recipe is measured again from scratch.
        recipe, _ = pair_recipe(pair, args)
        if result["recipes"].get(pair) not in (None, recipe):
            result["runs"] = [r for r in result["runs"] if r["pair"] != pair]
        run_pair(pair, args, result)
        _save(args.out, result)


def section(result):
    s = result["settings"]
    lines = [BEGIN, "## kerasgen beside the peers, same data and budget", "",
             f"Written by `benchmarks/quality.py --report` from runs of `benchmarks/quality.py` ({result['backend']}, "
             f"{result['machine']['cpus']} CPU cores, no GPU). Each pair trained on the "
             f"{'first %d images of the ' % s['train_images'] if s['train_images'] else ''}Fashion-MNIST training "
             "split with the same batches (the recipe's batch size and seed: the same images in the same order, "
             "each model given them in its own scale; the binarized models the same fresh binarization) and the "
             "same number of steps, and was measured as the preset's headline is: the same test images, number "
             "of samples and seeds. The last budget of each pair is the preset's own. FID\\*, KID\\*, precision "
             "and recall are on the evaluation classifier's features, not Inception's; FID\\* is biased upwards at "
             "1000 images, and the floor at that size is two real sets of 1000 (zoo/fashion_mnist_classifier).", ""]
    floor = _floor_at_1000()
    if floor:
        lines += [f"FID\\* floor, 1000 test vs 1000 held-out real images: {floor['fid']:.2f} (KID\\* "
                  f"{floor['kid']:.3g}, precision {floor['precision']:.3f}, recall {floor['recall']:.3f}).", ""]
    lines += ["| pair | contestant | epochs | headline | more | seconds an epoch |", "|---|---|---:|---:|---|---:|"]
    verdicts = []
    for pair in PAIRS:
        by = {r["contestant"]: r for r in result["runs"] if r["pair"] == pair}
        recipe = result["recipes"].get(pair)
        if not by or recipe is None:
            continue
        metric = recipe["headline"]["metric"]
        for name in ("kerasgen", "peer"):
            run = by.get(name, {"checkpoints": {}})
            seconds = (run.get("epoch_seconds", {}).get("median") if name == "kerasgen"
                       else _median(run.get("epoch_seconds", {}).values()))
            for epochs, m in sorted(run["checkpoints"].items(), key=lambda kv: int(kv[0])):
                lines.append(f"| {pair} | {name} | {epochs} | {metric} = {_fmt(m.get(metric))} | {_more(m, metric)} | "
                             f"{_fmt(seconds, 0)} |")
        mine, theirs = by.get("kerasgen", {}).get("checkpoints", {}), by.get("peer", {}).get("checkpoints", {})
        for epochs in sorted(set(mine) & set(theirs), key=int):
            a, b = mine[epochs].get(metric), theirs[epochs].get(metric)
            verdicts.append(f"- {pair}, {epochs} epoch(s): kerasgen {_beats(metric, a, b)} the "
                            f"peer ({metric} {_fmt(a)} vs {_fmt(b)})")
        verdicts += _also_verdicts(pair, recipe, theirs, by.get("peer", {}))
    lines += ["", "Seconds an epoch: the median over the epochs trained; kerasgen's are the gaps between its run's "
              "checkpoint files (an epoch and its sample grid), the peer's the epochs alone."]
    if result.get("notes"):
        lines += ["", "Conditions of the runs:", ""] + [f"- {n}" for n in result["notes"]]
    lines += ["",
              "Contestants:", ""]
    for pair in PAIRS:
        for r in result["runs"]:
            if r["pair"] == pair:
                line = f"- {pair} {r['contestant']}: {r.get('what', '?')}"
                preset = r.get("preset")
                if preset and preset["same_recipe"]:
                    line += (f"; trained by `kerasgen train` for the zoo (run folder {r.get('run')}), so its last "
                             f"budget is the preset `{preset['name']}`, whose metadata records "
                             f"{_fmt(preset['headline'])}")
                elif preset:
                    line += f"; not the recipe the zoo's `{preset['name']}` was built with (trained here)"
                lines.append(line)
    if verdicts:
        lines += ["", "Verdicts:", ""] + verdicts
    lines += ["", END]
    return "\n".join(lines)


def _beats(metric, a, b):
    """'beats' if a is better than b on `metric`, else 'does not beat'."""
    return "beats" if (a < b if LOWER_IS_BETTER[metric] else a > b) else "does not beat"


def _also_verdicts(pair, recipe, theirs, peer_run):
    """Verdicts for the zoo presets in ALSO[pair] against the pair's peer at the preset's own epochs."""
    out = []
    head = recipe["headline"]
    for name in ALSO.get(pair, []):
        path = os.path.join(ROOT, "zoo", name, "metadata.json")
        if not os.path.isfile(path):
            continue
        with open(path) as f:
            meta = json.load(f)
        epochs = meta["recipe"]["train"]["epochs"]
        same = (all(meta["headline"].get(k) == head.get(k) for k in ("metric", "test_images"))
                and meta["recipe"]["headline"].get("evaluate") == head.get("evaluate"))
        if not same or str(epochs) not in theirs:
            out.append(f"- {pair}, the zoo's `{name}`: not compared (its headline or its {epochs} epochs are not "
                       "the pair's)")
            continue
        a, b = meta["headline"]["value"], theirs[str(epochs)].get(head["metric"])
        config = meta["recipe"]["model"]["config"]
        peer_seconds = _median(peer_run.get("epoch_seconds", {}).values())
        cost = (f"{meta['trained_with']['seconds'] / 60:.0f} min for its {epochs} epochs, the peer's "
                f"{peer_seconds * epochs / 60:.0f}" if peer_seconds and meta.get("trained_with", {}).get("seconds")
                else "")
        out.append(f"- {pair}, {epochs} epoch(s), the zoo's `{name}` ({meta['recipe']['model']['class_name']}, "
                   f"{', '.join(f'{k} {v}' for k, v in config.items() if k != 'seed')}; from its metadata"
                   f"{'; ' + cost if cost else ''}): {_beats(head['metric'], a, b)} the peer "
                   f"({head['metric']} {_fmt(a)} vs {_fmt(b)})")
    return out


def _floor_at_1000():
    path = os.path.join(ROOT, "zoo", "fashion_mnist_classifier", "metadata.json")
    with open(path) as f:
        return json.load(f)["metrics"].get("floor_at_1000")


def _median(values):
    values = sorted(values)
    return values[len(values) // 2] if values else None


def _fmt(value, digits=None):
    if value is None:
        return "-"
    if digits is not None:
        return f"{value:.{digits}f}"
    return f"{value:.4g}"


def _more(m, metric):
    keys = [("bits_per_dim", "bits/dim"), ("precision", "precision"), ("recall", "recall"),
            ("classifier_kid", "KID*"), ("label_accuracy", "label accuracy"), ("classifier_fid", "FID*")]
    parts = [f"{label} {_fmt(m[k])}" for k, label in keys if k in m and k != metric]
    if "nll_nats" in m:  # kerasgen's evaluate names a bound only where there is one, as zoo/readme.py reads it
        parts.append(m.get("nll_bound", "exact"))
    return "; ".join(parts)


def main(argv=None):
    args = parse_args(sys.argv[1:] if argv is None else argv)
    sys.path[:0] = [ROOT, os.path.join(ROOT, "benchmarks")]
    if not args.report:
        drive(args)
    if args.note:
        with open(args.out) as f:
            result = json.load(f)
        result.setdefault("notes", []).append(f"{datetime.date.today().isoformat()}: {args.note}")
        _save(args.out, result)
    write_or_say(args, RESULTS, BEGIN, END, section, "quality")


if __name__ == "__main__":
    main()
