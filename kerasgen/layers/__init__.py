"""Layers for generative models, in the Keras layer style and `keras.ops` only."""

from kerasgen.layers.conditional_batch_normalization import ConditionalBatchNormalization
from kerasgen.layers.diagonal_bilstm import DiagonalBiLSTM
from kerasgen.layers.masked_conv import MaskedConv2D, causal_mask
from kerasgen.layers.row_lstm import RowLSTM
from kerasgen.layers.spectral_normalization import SpectralNormalization
from kerasgen.layers.subpixel_conv import SubpixelConv2DTranspose, subpixel_conv_transpose
from kerasgen.layers.vector_quantizer import VectorQuantizer
from kerasgen.layers.vertical_stack_conv import VerticalStackConv

__all__ = [
    "ConditionalBatchNormalization", "DiagonalBiLSTM", "MaskedConv2D", "RowLSTM", "SpectralNormalization",
    "SubpixelConv2DTranspose", "VectorQuantizer", "VerticalStackConv", "causal_mask", "subpixel_conv_transpose",
]
