"""Competence referentials (frameworks), their formats, and the skills graph they become. Pure."""
