"""``Mu<Upstream>`` classes made on the fly: a muP mixin over an upstream class, picklable by name."""


def mixed_class(mixin: type, upstream_class: type, namespace: dict) -> type:
    """``Mu<Upstream>(mixin, upstream_class)``, registered in ``namespace`` (a module's ``globals()``) so that
    pickling finds it by name. Callers cache it per upstream class."""
    name = f"Mu{upstream_class.__name__}"
    cls = type(name, (mixin, upstream_class), {"__module__": namespace["__name__"], "__qualname__": name})
    namespace[name] = cls
    return cls
