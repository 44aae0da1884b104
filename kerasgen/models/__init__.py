"""The model zoo: autoencoders, VAEs and GANs."""

from kerasgen.models.autoencoder import Autoencoder, DenoisingAutoencoder
from kerasgen.models.gan import DCGAN, GAN, WGANGP, ConditionalGAN
from kerasgen.models.latent_model import LatentImageModel
from kerasgen.models.vae import VAE, ConditionalVAE

__all__ = [
    "Autoencoder", "ConditionalGAN", "ConditionalVAE", "DCGAN", "DenoisingAutoencoder", "GAN",
    "LatentImageModel", "VAE", "WGANGP",
]
