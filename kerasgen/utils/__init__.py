"""Small helpers shared by the models, examples and tests."""

from kerasgen.utils.images import image_grid, save_image_grid, write_png
from kerasgen.utils.latent import interpolate_latents, latent_arithmetic, slerp

__all__ = ["image_grid", "interpolate_latents", "latent_arithmetic", "save_image_grid", "slerp", "write_png"]
