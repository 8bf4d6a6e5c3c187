from .groups import GroupMembership, Team, TeamMember
from .imports import ImportStatus, ResidentImport
from .resident import Resident
from .roles import Department, RoleGrant
from .user import User

__all__ = [
    "Department",
    "GroupMembership",
    "ImportStatus",
    "Resident",
    "ResidentImport",
    "RoleGrant",
    "Team",
    "TeamMember",
    "User",
]
