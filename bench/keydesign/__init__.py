"""Partition-key designs side by side (`rubench compare-keys`)."""
