from .matter import Matter, MatterEvent, MatterFollower, MatterPhoto, MatterSequence

__all__ = ["Matter", "MatterEvent", "MatterFollower", "MatterPhoto", "MatterSequence"]
