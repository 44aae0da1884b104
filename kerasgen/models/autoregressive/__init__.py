"""Autoregressive models with exact likelihoods: PixelCNN, Gated PixelCNN, PixelRNN."""

from kerasgen.models.autoregressive.base import AutoregressiveModel
from kerasgen.models.autoregressive.gated_pixelcnn import GatedPixelCNN
from kerasgen.models.autoregressive.pixelcnn import PixelCNN
from kerasgen.models.autoregressive.pixelrnn import DiagonalBiLSTM, PixelRNN, RowLSTM

__all__ = ["AutoregressiveModel", "DiagonalBiLSTM", "GatedPixelCNN", "PixelCNN", "PixelRNN", "RowLSTM"]
