"""邻里 Linli — community co-governance."""

__version__ = "0.1.0"
