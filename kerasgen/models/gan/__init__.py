from kerasgen.models.gan.gan import GAN
from kerasgen.models.gan.variants import DCGAN, WGANGP, ConditionalGAN

__all__ = ["DCGAN", "GAN", "WGANGP", "ConditionalGAN"]
