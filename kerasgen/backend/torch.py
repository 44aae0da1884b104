"""Training steps for the PyTorch backend: `torch.autograd.grad` per parameter group.

Gradients are taken with `torch.autograd.grad` rather than `backward()`, so
nothing accumulates in `.grad` between the updates of two groups (a GAN's
discriminator and generator) and no `zero_grad()` can be forgotten.
"""

import torch


class StepMixin:
    """`train_step`/`test_step` of `GenerativeModel` under PyTorch."""

    def train_step(self, data):
        logs = {}
        for group in self.optimization_groups():
            for _ in range(group.repeats):
                loss, terms = group.loss_fn(data)
                scaled_loss = group.optimizer.scale_loss(loss)
                grads = torch.autograd.grad(
                    scaled_loss,
                    [v.value for v in group.variables],
                    allow_unused=True,
                )
                with torch.no_grad():
                    group.optimizer.apply(list(grads), group.variables)
                logs.update({k: v.detach() for k, v in terms.items()})
        return self._update_trackers(logs)

    def test_step(self, data):
        return self._update_trackers(self.compute_losses(data, training=False))


def input_gradient(fn, x):
    """Gradient of `sum(fn(x))` with respect to `x`, kept in the autograd graph."""
    with torch.enable_grad():
        if not (torch.is_tensor(x) and x.requires_grad):
            x = torch.as_tensor(x).detach().requires_grad_(True)
        y = fn(x)
        (grad,) = torch.autograd.grad(y.sum(), x, create_graph=True)
    return grad


def scan(step, init, xs):
    """`carry, y = step(carry, x)` over the leading axis of xs, in a Python loop.

    `torch.unbind` splits xs once; indexing xs[t] instead would make every
    step's backward pass fill a zero tensor the size of xs.
    """
    carry, ys = init, []
    for x in torch.unbind(xs, dim=0):
        carry, y = step(carry, x)
        ys.append(y)
    return carry, torch.stack(ys, dim=0)
