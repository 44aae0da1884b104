"""Layers for generative models, in the Keras layer style and `keras.ops` only."""

from kerasgen.layers.conditional_batch_normalization import ConditionalBatchNormalization
from kerasgen.layers.masked_conv import MaskedConv2D, causal_mask
from kerasgen.layers.spectral_normalization import SpectralNormalization
from kerasgen.layers.vector_quantizer import VectorQuantizer

__all__ = ["ConditionalBatchNormalization", "MaskedConv2D", "SpectralNormalization", "VectorQuantizer", "causal_mask"]
