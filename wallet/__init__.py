"""A holder's collection of badges: claims, imports, share links, presentations, export."""
