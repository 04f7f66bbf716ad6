"""A holder's collection of badges: claims, imports, share links, presentations, export.

Public interface (issue 6; every function takes a :class:`wallet.context.WalletContext` built
by the composition root, ``api.wallet_setup.wallet_context``):

- ``wallet.context``: ``WalletContext(engine, base_url, clock, fetcher, trust_registry, graph,
  service_key)``, ``WalletError(message, code, status)``.
- ``wallet.holders``: ``open_wallet``, ``open_wallet_in_custody`` (consent recorded),
  ``take_over``, ``active_custody``, ``find_wallet`` (CLI ``--holder``), ``erase_wallet``.
- ``wallet.access``: ``request_magic_link`` (outbox), ``new_personal_link`` (+ short code),
  ``redeem_magic_link``, ``redeem_personal_link``, ``session_user``, ``end_session``,
  ``hand_over``.
- ``wallet.claims``: ``redeem_claim(ctx, code, wallet_id=None, display_name=None)``.
- ``wallet.items``: ``import_badge`` (verify, keep bytes, OB equality), ``list_items``,
  ``get_item``, ``refresh``/``refresh_stale`` (verify again).
- ``wallet.shares``: ``create_share``, ``open_share`` (410 ``ShareGoneError``),
  ``preview_share``, ``withdraw_share``, ``withdraw_share_by_token``, ``access_log``,
  ``linkedin_url``, ``parse_duration``.
- ``wallet.progress``: ``group_by_referential(items, graph)`` with block/module progress.
- ``wallet.presentations``: ``grant_presentation_consent``, ``sign_presentation``.
- ``wallet.offers``: OpenID4VCI ``create_offer``, ``exchange_code``, ``credential_for_token``,
  ``issuer_metadata``.
- ``wallet.export``: ``export_archive`` (zip). ``wallet.outbox``: ``enqueue``,
  ``deliver_pending`` and the ``SmtpSender``/``FileSender``/``ConsoleSender``.
- ``wallet.local_fetch.StoredDocumentFetcher``: status lists this service publishes, read from
  the database. ``wallet.graph_source``: ``load_graph``, ``GraphCache``.

The wallet imports ``badges``, ``referentials``, ``storage`` and the ``verifier`` (to check what
arrives); never the issuer: a claim is redeemed through the ``claims`` table and the credential's
stored signed text.
"""
