"""A local HubSpot CRM API simulator: `SimulatorProcess` runs one, `SimulatorAdmin` drives it."""

from .admin import SimulatorAdmin, SimulatorAdminError
from .testing import SimulatorProcess

__all__ = ["SimulatorAdmin", "SimulatorAdminError", "SimulatorProcess"]
__version__ = "0.1.0"
