"""kerasgen.evaluate, its callback, the evaluation classifier and the OOD sets, on real data."""

import json

import keras
import numpy as np
import pytest

import kerasgen
from kerasgen.evaluation import ood_sets
from kerasgen.models import VAE, Autoencoder, GAN, ConditionalVAE, DenoisingAutoencoder, PixelCNN
from tests.helpers import run_model_contract


@pytest.fixture(scope="module")
def pixelcnn(binary_digits):
    (x_train, _), _ = binary_digits
    model = PixelCNN(image_shape=(8, 8, 1), filters=16, num_blocks=1, seed=0)
    model.compile(optimizer=keras.optimizers.Adam(5e-3))
    model.fit(x_train, batch_size=128, epochs=3, verbose=0)
    return model


def test_digits_classifier_is_accurate(digits, digits_classifier):
    _, (x_test, y_test) = digits
    assert digits_classifier.accuracy(x_test, y_test) > 0.85
    assert digits_classifier.features(x_test).shape == (len(x_test), 32)
    np.testing.assert_allclose(digits_classifier.probabilities(x_test[:5]).sum(-1), 1.0, rtol=1e-5)


def test_classifier_keeps_the_model_contract(digits, tmp_path):
    (x, y), _ = digits
    clf = kerasgen.models.Classifier(image_shape=(8, 8, 1), num_classes=10, filters=(4,), feature_dim=8)
    run_model_contract(clf, x, y, outputs=lambda m: keras.ops.convert_to_numpy(m(x[:6])), tmp_path=tmp_path)


def test_evaluate_a_trained_pixelcnn(pixelcnn, binary_digits, digits_classifier):
    (x_train, _), (x_test, y_test) = binary_digits
    result = kerasgen.evaluate(pixelcnn, x_test, y_test, classifier=digits_classifier, num_samples=100,
                               train_data=x_train[:300])
    assert set(kerasgen.available_metrics(pixelcnn)) == {"nll", "sample_quality", "ood"}
    np.testing.assert_allclose(result["nll_nats"], pixelcnn.evaluate_nll(x_test)["nll_nats"], rtol=1e-6)
    assert result["bits_per_dim"] == pytest.approx(result["nll_nats"] / (64 * np.log(2)))
    # The OOD scorer ranks noise far below the data, and the typicality test keeps that.
    assert result["ood_mean_log_prob/noise"] < result["ood_mean_log_prob/data"] - 10
    assert result["ood_auroc/noise"] > 0.95 and result["ood_auroc_typicality/noise"] > 0.95
    for name in ("flipped", "inverted", "digits"):
        assert 0.0 <= result[f"ood_auroc/{name}"] <= 1.0
    assert result["classifier_fid"] >= 0 and 0 <= result["precision"] <= 1 and 0 <= result["recall"] <= 1
    assert sum(result["class_histogram"]) == 100 and 0 < result["class_coverage"] <= 1
    assert "not Inception" in result["feature_space"]
    json.dumps(result)  # plain Python values only


def test_evaluate_a_vae_with_iwae_elbo_scores_and_probe(binary_digits, digits_classifier):
    (x_train, y_train), (x_test, y_test) = binary_digits
    vae = VAE(image_shape=(8, 8, 1), latent_dim=8, architecture="dense", hidden_dims=(64,), seed=0)
    vae.compile(optimizer=keras.optimizers.Adam(3e-3))
    vae.fit(x_train, batch_size=64, epochs=8, verbose=0)
    result = kerasgen.evaluate(vae, x_test, y_test, classifier=digits_classifier, num_samples=100,
                               nll_samples=10, train_data=(x_train[:600], y_train[:600]))
    assert "IWAE, K=10" in result["nll_bound"]
    # The 10-sample bound on the NLL is tighter than the negative ELBO (K = 1), which is also reported.
    assert result["nll_nats"] < result["neg_elbo_nats"] and result["nll_of"] == "-log p(x)"
    assert result["ood_auroc/noise"] > 0.95  # by the ELBO
    assert result["probe_accuracy"] > 0.5  # ten classes: chance is 0.1
    assert result["probe_feature_dim"] == 8
    assert 0 < result["reconstruction_mse"] < 0.25


def test_autoencoder_probe_and_reconstruction(digits):
    (x_train, y_train), (x_test, y_test) = digits
    ae = Autoencoder(image_shape=(8, 8, 1), latent_dim=8, architecture="dense", hidden_dims=(64,), seed=0)
    ae.compile(optimizer=keras.optimizers.Adam(3e-3))
    ae.fit(x_train, batch_size=64, epochs=8, verbose=0)
    assert kerasgen.available_metrics(ae) == ("reconstruction", "probe")
    result = kerasgen.evaluate(ae, (x_test, y_test))  # the first half trains the probe
    assert result["probe_accuracy"] > 0.5 and "first 148" in result["probe_split"]
    # The same from a tf.data.Dataset, batched or not, and a PyDataset.
    import tensorflow as tf

    pairs = tf.data.Dataset.from_tensor_slices((x_test, y_test))

    class Batches(keras.utils.PyDataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return x_test[i * 100:(i + 1) * 100], y_test[i * 100:(i + 1) * 100]

    for data in (pairs, pairs.batch(64), Batches()):
        again = kerasgen.evaluate(ae, data)
        assert again["num_examples"] == 297
        assert again["probe_accuracy"] == pytest.approx(result["probe_accuracy"])
    with pytest.raises(ValueError, match=r"metric 'sample_quality' does not apply to Autoencoder"):
        kerasgen.evaluate(ae, x_test, metrics=["sample_quality"])


def test_a_denoiser_reports_its_denoising_error_beside_the_corruption_s(digits):
    (x_train, _), (x_test, _) = digits
    dae = DenoisingAutoencoder(image_shape=(8, 8, 1), latent_dim=8, architecture="dense", hidden_dims=(64,),
                               noise_level=0.3, seed=0)
    dae.compile(optimizer=keras.optimizers.Adam(3e-3))
    dae.fit(x_train, batch_size=64, epochs=10, verbose=0)
    result = kerasgen.evaluate(dae, x_test, metrics=["reconstruction"], seed=3)
    # The corruption evaluate applies is the seeded, backend-independent `corrupt(x, seed)`: N(0, 0.3^2) noise.
    noisy = dae.corrupt(x_test, seed=3)
    assert result["corrupted_mse"] == pytest.approx(float(np.mean((noisy - x_test) ** 2)))
    assert result["corrupted_mse"] == pytest.approx(0.09, rel=0.05)
    assert result["denoising_mse"] == pytest.approx(float(np.mean((dae.denoise(noisy) - x_test) ** 2)), rel=1e-5)
    assert result["denoising_mse"] < result["corrupted_mse"] / 2  # a trained denoiser removes most of the noise
    with pytest.raises(ValueError, match=r"values outside \[0, 1\]"):  # reconstruct takes clean images only
        dae.reconstruct(noisy)
    assert "denoising_mse" not in kerasgen.evaluate(Autoencoder(image_shape=(8, 8, 1), architecture="dense",
                                                                hidden_dims=(8,)), x_test, metrics=["reconstruction"])


def test_models_without_a_likelihood_asked_for_nll_get_a_clear_error(digits):
    _, (x_test, _) = digits
    gan = GAN(image_shape=(8, 8, 1), latent_dim=4, hidden_dims=(16,), seed=0)
    with pytest.raises(ValueError, match=r"metric 'nll' does not apply to GAN: it defines no likelihood"):
        kerasgen.evaluate(gan, x_test * 2 - 1, metrics=["nll"])
    with pytest.raises(ValueError, match=r"metric 'ood' does not apply to GAN"):
        kerasgen.evaluate(gan, x_test * 2 - 1, metrics="ood")


def test_evaluate_bad_arguments(pixelcnn, binary_digits, digits_classifier):
    _, (x_test, y_test) = binary_digits
    with pytest.raises(ValueError, match=r"unknown metric 'fid'"):
        kerasgen.evaluate(pixelcnn, x_test, metrics=["fid"])
    with pytest.raises(ValueError, match=r"metric 'probe' does not apply to PixelCNN"):
        kerasgen.evaluate(pixelcnn, x_test, y_test, metrics=["probe"])
    with pytest.raises(ValueError, match=r"data has 297 images but labels has 10"):
        kerasgen.evaluate(pixelcnn, x_test, y_test[:10], metrics=["nll"])
    with pytest.raises(ValueError, match=r"data"):
        kerasgen.evaluate(pixelcnn, x_test * 0.5, metrics=["nll"])  # not binary
    wide = kerasgen.models.Classifier(image_shape=(16, 16, 1), num_classes=10, filters=(4,), feature_dim=4)
    with pytest.raises(ValueError, match=r"classifier takes images of shape \(16, 16, 1\), data has \(8, 8, 1\)"):
        kerasgen.evaluate(pixelcnn, x_test, metrics=["sample_quality"], classifier=wide)
    cvae = ConditionalVAE(num_classes=10, image_shape=(8, 8, 1), latent_dim=2, architecture="dense",
                          hidden_dims=(8,))
    with pytest.raises(ValueError, match=r"ConditionalVAE is conditional; pass the labels of data"):
        kerasgen.evaluate(cvae, x_test, metrics=["nll"])


def test_evaluation_callback_logs_every_n_epochs(pixelcnn, binary_digits):
    (x_train, _), (x_test, _) = binary_digits
    callback = kerasgen.callbacks.EvaluationCallback(x_test[:64], every_n_epochs=2, metrics=["nll"])
    history = pixelcnn.fit(x_train[:256], batch_size=128, epochs=4, verbose=0, callbacks=[callback])
    assert [epoch for epoch, _ in callback.results] == [2, 4]
    logged = history.history["eval_nll_nats"]
    assert len(logged) == 2 and logged[-1] == pytest.approx(callback.results[-1][1]["nll_nats"])
    with pytest.raises(ValueError, match="every_n_epochs must be an integer >= 1; got 0"):
        kerasgen.callbacks.EvaluationCallback(x_test, every_n_epochs=0)


def test_ood_sets_are_in_the_model_format(pixelcnn, binary_digits):
    _, (x_test, _) = binary_digits
    sets = ood_sets(pixelcnn, x_test, seed=0)
    assert sorted(sets) == ["digits", "flipped", "inverted", "noise"]
    for images in sets.values():
        assert images.shape == x_test.shape and set(np.unique(images)) <= {0.0, 1.0}
    np.testing.assert_array_equal(sets["inverted"], 1 - x_test)
    np.testing.assert_array_equal(sets["flipped"], x_test[:, ::-1])
    levels = PixelCNN(image_shape=(8, 8, 1), likelihood="categorical", num_levels=4, filters=4, num_blocks=1)
    u = np.linspace(0, 1, 64, dtype="float32").reshape(1, 8, 8, 1)
    q = levels.image_format.from_unit(u, np.random.default_rng(0))
    assert set(np.unique(q)) == {0.0, 1.0, 2.0, 3.0}
    np.testing.assert_allclose(levels.image_format.to_unit(q), q / 3)
