"""Formats (서식): one writer per format, registered in formats.writers; each lays out the report view and computes nothing."""
