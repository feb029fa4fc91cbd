"""Screens shown over the explorer: keys help and raw JSON."""
