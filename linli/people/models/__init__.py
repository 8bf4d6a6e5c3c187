from .groups import GroupMembership, Team, TeamMember
from .resident import Resident
from .roles import Department, RoleGrant
from .user import User

__all__ = [
    "Department",
    "GroupMembership",
    "Resident",
    "RoleGrant",
    "Team",
    "TeamMember",
    "User",
]
