"""The model zoo: autoencoders and VAEs so far."""

from kerasgen.models.autoencoder import Autoencoder, DenoisingAutoencoder
from kerasgen.models.latent_model import LatentImageModel
from kerasgen.models.vae import VAE, ConditionalVAE

__all__ = ["Autoencoder", "ConditionalVAE", "DenoisingAutoencoder", "LatentImageModel", "VAE"]
