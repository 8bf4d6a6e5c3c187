from .matter import Matter, MatterEvent, MatterFollower, MatterPhoto, MatterSequence
from .referral import Referral

__all__ = ["Matter", "MatterEvent", "MatterFollower", "MatterPhoto", "MatterSequence", "Referral"]
