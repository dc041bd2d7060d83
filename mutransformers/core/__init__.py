"""The muP mechanism shared by every architecture (see each module's docstring)."""
from .config import MuConfigMixin
from .errors import MuPError
from .model import MuPreTrainedModel
from .shapes import attach_infshapes, derived_base_shapes, live_base_shapes, make_base_shapes, set_base_shapes
