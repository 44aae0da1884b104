from kerasgen.models.vae.conditional_vae import ConditionalVAE
from kerasgen.models.vae.vae import VAE

__all__ = ["ConditionalVAE", "VAE"]
