"""The model -> factory registry used by the generic tests."""

FACTORIES: dict = {}


def register(factory_class):
    FACTORIES[factory_class._meta.model] = factory_class
    return factory_class


def factory_for(model):
    import tests.factories  # noqa: F401 - importing registers every factory module

    try:
        return FACTORIES[model]
    except KeyError:
        raise LookupError(
            f"No factory registered for {model.__name__}; add one under tests/factories/"
        ) from None
