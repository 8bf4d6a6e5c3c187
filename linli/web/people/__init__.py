"""Places, the resident register, and its Excel import and export."""
