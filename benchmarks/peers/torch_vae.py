"""A hand-written PyTorch VAE and training loop, on kerasgen's default conv VAE network.

The network mirrors `kerasgen.models.networks.encoder`/`decoder` for
28x28x1 images (filters (32, 64), the given hidden widths), channels first as
PyTorch users write it: two stride-2 3x3 convolutions, a dense hidden layer,
the mean and log-variance; a dense hidden layer, a dense layer to 7x7x64, a
3x3 conv at each resolution with nearest-neighbour 2x upsampling between, a
3x3 conv to the image's logits. The loop is the usual one: zero the
gradients, the ELBO (per-image sums, batch mean), backward, Adam step, the
loss read back with `.item()` for the epoch's mean.
"""

import torch
from torch import nn

from peers.torch_loop import make_epoch


class TorchVAE(nn.Module):
    def __init__(self, latent_dim=2, hidden=16, filters=(32, 64)):
        super().__init__()
        f1, f2 = filters
        self.latent_dim = latent_dim
        self.encoder = nn.Sequential(
            nn.Conv2d(1, f1, 3, stride=2, padding=1), nn.ReLU(),
            nn.Conv2d(f1, f2, 3, stride=2, padding=1), nn.ReLU(),
            nn.Flatten(), nn.Linear(7 * 7 * f2, hidden), nn.ReLU(), nn.Linear(hidden, 2 * latent_dim))
        self.decoder = nn.Sequential(
            nn.Linear(latent_dim, hidden), nn.ReLU(), nn.Linear(hidden, 7 * 7 * f2), nn.ReLU(),
            nn.Unflatten(1, (f2, 7, 7)),
            nn.Conv2d(f2, f2, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
            nn.Conv2d(f2, f1, 3, padding=1), nn.ReLU(), nn.Upsample(scale_factor=2),
            nn.Conv2d(f1, 1, 3, padding=1))

    def loss(self, x):
        h = self.encoder(x)
        mean, log_var = h[:, : self.latent_dim], h[:, self.latent_dim:]
        z = mean + torch.exp(0.5 * log_var) * torch.randn_like(mean)
        logits = self.decoder(z)
        rec = nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3))
        kl = (-0.5 * (1 + log_var - mean.square() - log_var.exp())).sum(dim=1)
        return (rec + kl).mean()


def make_trainer(images, batch_size, latent_dim=2, hidden=16, seed=0):
    """images: float32 NumPy (N, 28, 28, 1) in {0, 1}. Returns train_epoch() -> the epoch's mean loss."""
    torch.manual_seed(seed)
    return make_epoch(TorchVAE(latent_dim, hidden), images, batch_size)
