"""Autoregressive models with exact likelihoods: PixelCNN, Gated PixelCNN, PixelRNN."""

from kerasgen.models.autoregressive.base import AutoregressiveModel
from kerasgen.models.autoregressive.gated_pixelcnn import GatedPixelCNN
from kerasgen.models.autoregressive.pixelcnn import PixelCNN
from kerasgen.models.autoregressive.pixelrnn import PixelRNN

__all__ = ["AutoregressiveModel", "GatedPixelCNN", "PixelCNN", "PixelRNN"]
