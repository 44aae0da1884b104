from kerasgen.models.autoencoder.autoencoder import Autoencoder
from kerasgen.models.autoencoder.denoising_autoencoder import DenoisingAutoencoder

__all__ = ["Autoencoder", "DenoisingAutoencoder"]
