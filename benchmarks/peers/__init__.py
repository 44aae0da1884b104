"""Peer implementations a user would write instead of kerasgen, written plainly for the benchmarks.

Each follows a published description (the keras-io examples, a hand-written
PyTorch loop) on the same network as the kerasgen model it is measured beside.
"""
