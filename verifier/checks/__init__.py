"""One module per check of the pipeline (``verifier.pipeline`` runs them in order)."""
