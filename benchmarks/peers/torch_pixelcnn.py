"""A hand-written PyTorch PixelCNN and training loop, on kerasgen's default PixelCNN network.

The network mirrors `kerasgen.models.PixelCNN` for 28x28x1 Bernoulli images,
channels first as PyTorch users write it: a type-"A" masked 7x7 convolution,
residual blocks (ReLU, 1x1 to half the width, ReLU, masked kxk, ReLU, 1x1
back, added to the stream), ReLU, a 1x1 head, ReLU, a 1x1 convolution to
one logit a pixel. Masked convolutions multiply the weight by a fixed 0/1
mask in every forward pass (the masks are kerasgen's `causal_mask`, so both
contestants compute the same network). The input is scaled to [-1, 1], as
kerasgen's default encoding does. The loop: zero the gradients, binary
cross-entropy on the logits (per-image sums, batch mean: the exact NLL),
backward, Adam step, the loss read back with `.item()`.
"""

import numpy as np
import torch
from torch import nn

from kerasgen.layers import causal_mask
from peers.torch_loop import make_epoch


class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type):
        super().__init__(in_channels, out_channels, kernel_size, padding=kernel_size // 2)
        mask = causal_mask((kernel_size, kernel_size), in_channels, out_channels, mask_type)  # (kh, kw, in, out)
        self.register_buffer("mask", torch.from_numpy(np.ascontiguousarray(mask.transpose(3, 2, 0, 1))))

    def forward(self, x):
        return nn.functional.conv2d(x, self.weight * self.mask, self.bias, padding=self.padding)


class TorchPixelCNN(nn.Module):
    def __init__(self, filters=64, num_blocks=5, kernel_size=3, first_kernel_size=7):
        super().__init__()
        half = filters // 2
        self.input_conv = MaskedConv2d(1, filters, first_kernel_size, "A")
        self.blocks = nn.ModuleList(
            nn.ModuleList([MaskedConv2d(filters, half, 1, "B"), MaskedConv2d(half, half, kernel_size, "B"),
                           MaskedConv2d(half, filters, 1, "B")])
            for _ in range(num_blocks))
        self.head = MaskedConv2d(filters, filters, 1, "B")
        self.output_conv = MaskedConv2d(filters, 1, 1, "B")

    def forward(self, x):
        h = self.input_conv(2.0 * x - 1.0)
        for c_in, c_mid, c_out in self.blocks:
            h = h + c_out(torch.relu(c_mid(torch.relu(c_in(torch.relu(h))))))
        return self.output_conv(torch.relu(self.head(torch.relu(h))))

    def loss(self, x):
        logits = self(x)
        return nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(dim=(1, 2, 3)).mean()


def make_trainer(images, batch_size, seed=0, **network):
    """images: float32 NumPy (N, 28, 28, 1) in {0, 1}. Returns train_epoch() -> the epoch's mean loss."""
    torch.manual_seed(seed)
    return make_epoch(TorchPixelCNN(**network), images, batch_size)
