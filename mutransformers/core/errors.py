"""The one exception type of the package: a model, config or optimizer that is not muP-correct."""


class MuPError(ValueError):
    """Raised instead of silently falling back to standard parametrization.

    Every message names what is wrong and how to fix it.
    """
