"""Matters (三级议事): matters and referrals, meetings, 好差评 and 办不成事, the board, and a
community's matter settings and calendar."""
