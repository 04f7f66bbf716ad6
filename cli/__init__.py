"""The ``atouts`` command. A composition root: nothing imports it."""
