from .accounts import account_create, account_reset_password, user_set_preferences
from .groups import group_join, group_leave, team_create, team_member_add
from .imports import (
    resident_import_commit,
    resident_import_preview,
    resident_import_template_xlsx,
    residents_export_xlsx,
)
from .places import place_add
from .residents import resident_create, resident_move_out, resident_register, resident_update
from .roles import department_create, role_grant, role_revoke

__all__ = [
    "account_create",
    "account_reset_password",
    "department_create",
    "group_join",
    "group_leave",
    "place_add",
    "resident_create",
    "resident_import_commit",
    "resident_import_preview",
    "resident_import_template_xlsx",
    "resident_move_out",
    "resident_register",
    "resident_update",
    "residents_export_xlsx",
    "role_grant",
    "role_revoke",
    "team_create",
    "team_member_add",
    "user_set_preferences",
]
