"""The plain PyTorch training loop the hand-written peers share."""

import torch


def make_epoch(model, images, batch_size, lr=1e-3):
    """train_epoch() -> the epoch's mean loss, over `images` (float32 NumPy, NHWC) in order, whole batches.

    The usual loop: zero the gradients, `model.loss(batch)`, backward, an
    Adam step, the loss read back with `.item()`. The images are moved to
    PyTorch's channels-first layout once, here.
    """
    x = torch.from_numpy(images).permute(0, 3, 1, 2).contiguous()
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    steps = len(x) // batch_size

    def train_epoch():
        model.train()
        total = 0.0
        for i in range(steps):
            batch = x[i * batch_size:(i + 1) * batch_size]
            optimizer.zero_grad()
            loss = model.loss(batch)
            loss.backward()
            optimizer.step()
            total += loss.item()
        return total / steps

    return train_epoch
