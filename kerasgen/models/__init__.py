"""The model zoo: autoencoders, VAEs, VQ-VAE, GANs and autoregressive models."""

from kerasgen.models.autoencoder import Autoencoder, DenoisingAutoencoder
from kerasgen.models.autoregressive import AutoregressiveModel, GatedPixelCNN, PixelCNN, PixelRNN
from kerasgen.models.classifier import Classifier
from kerasgen.models.gan import DCGAN, GAN, WGANGP, ConditionalGAN
from kerasgen.models.latent_model import LatentImageModel
from kerasgen.models.vae import VAE, ConditionalVAE
from kerasgen.models.vqvae import VQVAE

__all__ = [
    "AutoregressiveModel", "GatedPixelCNN", "PixelCNN", "PixelRNN",
    "Autoencoder", "Classifier", "ConditionalGAN", "ConditionalVAE", "DCGAN", "DenoisingAutoencoder", "GAN",
    "LatentImageModel", "VAE", "VQVAE", "WGANGP",
]
