"""Job requirements matched against verified competences by walking the skills graph."""
