"""Job requirements matched against verified competences by walking the skills graph.

Approach and evidence: shared/research/referentials.md §7; contract: DESIGN.md §6 (issue 7).
Pure modules (data in, data out; no I/O) plus one storage adapter:

- ``matching.params``: ``MatchParameters`` (named, documented; returned with every result).
- ``matching.model``: ``Requirement``, ``Job``, ``Holding``, ``Holder``, ``MatchResult`` and its
  explanations (``Matched``, ``Transferred``, ``Missing``, ``BlockStatus``, ``Suggestion``).
- ``matching.credit``: ``CreditTables(graph, params).sources(node)`` — which held items credit a
  required one, how much and through which path (memoised per referential graph).
- ``matching.compile``: ``compile_job(job, tables)`` — requirements as weighted atoms.
- ``matching.score``: ``score_holder(compiled, holder, tables)`` — one explained result.
- ``matching.ranking``: ``Matcher(graph, params)`` with ``match``, ``add_holder(s)`` /
  ``remove_holder`` + ``candidates(job, top=)``, ``add_job(s)`` / ``remove_job`` +
  ``jobs_for(holder, top=)`` over inverted indexes.
- ``matching.holders``: ``holder_from_credentials(id, [(credential, verdict)], tables)`` — only
  verified badges count (the caller verifies; matching never imports the verifier);
  ``disclosed(holder, tables)``.
- ``matching.jobs_yaml``: ``load_job``/``load_job_file``/``parse_job`` (French errors by line).
- ``matching.search``: ``LabelIndex(graph).search(text)`` — proposals to confirm.
- ``matching.resolve``: ``NodeResolver(graph).resolve(ref)`` — ids, ROME codes, item codes.
- ``matching.store``: jobs, opt-in/withdrawal and verified wallet competences in the database,
  with per-row versions (``job_versions``, ``holder_versions``) for incremental indexes;
- ``matching.evidence``: ``credential_from_bytes(raw)`` — the credential inside stored bytes
  (JSON, VC-JWT, baked PNG/SVG), so holder levels come from ``result[].achievedLevel``.

A requirement naming an item no loaded referential knows is never an error at ranking time: it
is reported in ``MatchResult.unresolved`` (``Unresolved``) with a French reason.
"""
