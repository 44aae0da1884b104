"""A hand-written PyTorch DCGAN and training loop (the PyTorch DCGAN tutorial's), on kerasgen's 28x28 DCGAN.

The networks mirror `kerasgen.models.gan.networks.dcgan_generator` and
`dcgan_discriminator` for 28x28x1 images, channels first: G is a bias-free
projection to 7x7x(2 base), batch norm, ReLU, a 4x4 stride-2 transposed conv
to base filters, batch norm, ReLU, a 4x4 stride-2 transposed conv to the
image, tanh; D is a 4x4 stride-2 conv (base), LeakyReLU(0.2), a 4x4 stride-2
conv (2 base), batch norm, LeakyReLU(0.2), a dense score. The loop is the
tutorial's: D on the real batch and on the generated batch (detached), one
Adam(2e-4, beta_1 0.5) step; G scored by the updated D on the same generated
batch, one step; both losses read back with `.item()`.
"""

import torch
from torch import nn


class Generator(nn.Module):
    def __init__(self, latent_dim=64, base=64):
        super().__init__()
        self.base = base
        self.project = nn.Linear(latent_dim, 7 * 7 * 2 * base, bias=False)
        self.net = nn.Sequential(
            nn.BatchNorm2d(2 * base), nn.ReLU(),
            nn.ConvTranspose2d(2 * base, base, 4, stride=2, padding=1, bias=False), nn.BatchNorm2d(base),
            nn.ReLU(), nn.ConvTranspose2d(base, 1, 4, stride=2, padding=1), nn.Tanh())

    def forward(self, z):
        return self.net(self.project(z).view(-1, 2 * self.base, 7, 7))


def discriminator(base=64):
    return nn.Sequential(
        nn.Conv2d(1, base, 4, stride=2, padding=1), nn.LeakyReLU(0.2),
        nn.Conv2d(base, 2 * base, 4, stride=2, padding=1), nn.BatchNorm2d(2 * base), nn.LeakyReLU(0.2),
        nn.Flatten(), nn.Linear(7 * 7 * 2 * base, 1))


def make_trainer(images, batch_size, latent_dim=64, base=64, seed=0):
    """images: float32 NumPy (N, 28, 28, 1) in [-1, 1]. Returns train_epoch() -> (mean D loss, mean G loss)."""
    torch.manual_seed(seed)
    x = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    G, D = Generator(latent_dim, base), discriminator(base)
    opt_g = torch.optim.Adam(G.parameters(), lr=2e-4, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(D.parameters(), lr=2e-4, betas=(0.5, 0.999))
    bce = nn.BCEWithLogitsLoss()
    steps = len(x) // batch_size
    ones, zeros = torch.ones(batch_size, 1), torch.zeros(batch_size, 1)

    def train_epoch():
        G.train(), D.train()
        d_total = g_total = 0.0
        for i in range(steps):
            real = x[i * batch_size:(i + 1) * batch_size]
            fake = G(torch.randn(batch_size, latent_dim))
            opt_d.zero_grad()
            d_loss = bce(D(real), ones) + bce(D(fake.detach()), zeros)
            d_loss.backward()
            opt_d.step()
            opt_g.zero_grad()
            g_loss = bce(D(fake), ones)
            g_loss.backward()
            opt_g.step()
            d_total += d_loss.item()
            g_total += g_loss.item()
        return d_total / steps, g_total / steps

    return train_epoch
