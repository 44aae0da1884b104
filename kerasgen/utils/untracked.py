"""Helpers a model builds once and keeps outside Keras' tracking."""


def untracked_helper(owner, key, factory):
    """`owner`'s helper under `key`, made by `factory()` on first use and cached.

    A compiled predict() wrapper (a small `keras.Model` around the owner's
    own layers) must not become a tracked sub-layer: it would be saved,
    counted in `weights` and rebuilt by `from_config`. It is stored with
    `object.__setattr__`, which bypasses Keras' attribute tracking.
    """
    helper = owner.__dict__.get(key)
    if helper is None:
        helper = factory()
        object.__setattr__(owner, key, helper)
    return helper
