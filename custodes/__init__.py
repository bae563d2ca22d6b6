"""custodes: follow the money and the data behind government surveillance."""

from custodes.errors import CustodesError, InputError, NotFound, StoreBusy
from custodes.settings import Settings

__all__ = ["CustodesError", "InputError", "NotFound", "Settings", "StoreBusy"]
__version__ = "0.1.0"
