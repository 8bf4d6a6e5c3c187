from .place import Place

__all__ = ["Place"]
