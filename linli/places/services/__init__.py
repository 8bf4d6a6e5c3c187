from .places import place_create, place_get_or_create, place_rename

__all__ = ["place_create", "place_get_or_create", "place_rename"]
