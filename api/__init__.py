"""FastAPI application: JSON API and web pages. A composition root: nothing imports it."""
