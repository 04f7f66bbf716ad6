"""Readers and writers of the formats the field already uses.

Each importer module exposes ``load(paths) -> (list[Referential], ImportSummary)``:
``case`` (CASE 1.0/1.1 JSON packages; also ``dump``), ``esco`` (ESCO CSV), ``rome`` (ROME 4.0
CSV), ``blocks_csv`` (RNCP / titres professionnels blocks). ``csvutil`` holds the CSV reading
they share (header names, CRLF, multi-line and multi-valued cells).
"""
