# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Simulated N2WS Backup & Recovery (CPM) RESTful API, part 1: authentication and protecting resources.

Served under ``/cpm/``, which stands for ``https://<CPM host>/``: the API base
URL is ``/cpm/api/`` (the seed's ``https://<CPM Host>/api/``).  The seed (the
CPM RESTful API reference, API 1.0.0-1.5.0 = CPM 2.3.0-3.1.0) is the contract;
part 1 covers Ch.1-4 (overview, examples, version history, accounts), Ch.7
(backup records and snapshots, without the 13 recover calls), Ch.13
(policies), Ch.22 (schedules), the token endpoints (Ch.25),
``GET system/version/`` (Ch.24), the S3 repository, user, region and resource
type lists.  Modules: ``service`` (routing, versions, auth, permissions,
responses, faults, admin), ``api`` (errors, validation, lists), one module per
resource family (``auth``, ``directory``, ``inventory``, ``accounts``,
``schedules``, ``policies``, ``targets``, ``backups``) and ``bulk`` (seeding).
A family owns its state, routes (with the seed line and the Initial Release of
each endpoint), progress over time and admin actions; later parts add families
to ``service.FAMILIES``.  Where the seed is silent or ambiguous this simulator
decided as follows.

Wire format
  D1. Paths end with ``/`` (every seed path does).  A GET without the final
      slash is redirected (301, Django ``APPEND_SLASH``); other methods get 404.
      An unknown path is 404 before authentication (URL resolution comes
      first).  HEAD is GET without a body; a known path with another method ->
      405 ``method_not_allowed`` with ``Allow``.  Path ids that are not
      integers -> 404.
  D2. Versions (L67-L84, Ch.3): the ``version`` parameter of the Accept media
      type; absent (also ``Accept: application/json;`` as the curl samples send,
      or no Accept) -> the server's version, knob ``api_version`` (default
      1.5.0; GET system/version/ answers it with the matching CPM version).
      ``1.0`` and ``1`` mean 1.0.0 (the Python sample L434 sends
      ``version=1.0``).  An unknown version, or one newer than ``api_version``
      -> 406 ``Invalid version in "Accept" header.``  An endpoint newer than the
      requested version (each section's Initial Release, cross-checked with
      Ch.3) -> 404 ``Not found.`` (knob ``version_gate`` = 406 answers 406
      instead); a method newer than the path's other methods (POST
      targets/instances/ is 1.2.0, GET 1.0.0) -> 405.  Representations do not
      vary with the version (the seed never says which fields changed).  The
      response Content-Type echoes ``application/json; version=<asked>`` when a
      version was asked.  text/csv is served by the log endpoint
      (``backups/{id}/logs/``, by Accept) and the ``download/`` endpoint (always
      CSV, whatever Accept says: the Ch.2 download samples send
      ``application/json;``); any other endpoint with an Accept it cannot
      satisfy -> 406.
  D3. Tokens (L14-L45, Ch.25): ``POST token/obtain/api_key/ {api_key}`` -> 200
      ``{access, refresh}``; ``POST token/refresh/ {refresh}`` -> 200
      ``{access}`` (the refresh token is not rotated and keeps its life).
      Tokens are SimpleJWT-style JWTs (HS256, claims ``token_type``, ``exp``,
      ``iat``, ``jti``, ``user_id``; a fresh key at every reset); lifetimes are
      the knobs ``access_ttl`` (3600 s) and ``refresh_ttl`` (86400 s).  Request
      bodies: knob ``token_body`` ``both`` (default: JSON, as Ch.25 declares,
      or form-encoded, as the Python sample sends) | ``json`` | ``form``; the
      other encoding -> 415 ``unsupported_media_type``.  Missing field -> 400
      ``required``, blank -> 400 ``blank``, unknown API key -> 401
      ``authentication_failed``, bad/expired refresh -> 401 ``token_not_valid``.
      Every other call needs ``Authorization: Bearer <access>``: none -> 401
      ``not_authenticated``; invalid, expired or a refresh token -> 401
      ``token_not_valid``; 401s carry ``WWW-Authenticate: Bearer realm="api"``.
      Admin ``expire-tokens {"which": access|refresh|both}`` expires issued
      tokens now.
  D4. Order of checks: path (404) -> Accept and version (406) -> version gate
      (404/406) -> authentication (401) -> method (405) -> the caller's
      permission (403, before any object is looked up) -> body and objects
      (400/404) -> preconditions (412).
  D5. Users (L47-L58 and every "Permissions and Restrictions" block): root (id
      1), tenant (2, independent), managed (3, a managed user of root, no API
      key), the delegates operator (4, of root: allow_account_changes,
      allow_backup_changes, allow_recovery) and auditor (5, of root: no flags).
      A delegate acts for its original user.  A caller reaches his own objects,
      root also those of managed users; anything else is 404.  Delegates read
      what their original user reads but write only their original user's own
      objects; writes need allow_backup_changes (policies, targets, custom tags,
      schedules and disable times, backup now, freezer, snapshot deletion) and
      also allow_account_changes for accounts, else 403.  As the seed says,
      policy DR and options PUT have no delegate condition, schedule run_times
      needs allow_backup_changes, and GET users/ is for the root user only
      (403).  A ``user`` in a create body: unknown -> 400 ``does_not_exist``;
      a user the caller may not manage -> 403.  Authentication R (CPM instance
      role) is for root and its delegates only -> 403 otherwise.
  D6. Errors: the seed's envelope (L159-L178) ``{"errors": [{field:
      [{"message", "code"}]}]}`` for every error, with Django REST framework
      messages and codes.  Non-field errors use the key ``detail``
      (``not_authenticated``, ``token_not_valid``, ``authentication_failed``,
      ``permission_denied``, ``not_found``, ``method_not_allowed``,
      ``not_acceptable``, ``unsupported_media_type``, ``parse_error``,
      ``precondition_failed``, ``throttled``, ``error``); cross-field problems
      use ``non_field_errors``; nested fields are dotted
      (``disable_times.0.start_time``, ``cross_account_dr.dr_account``).  Every
      field error of a body is reported at once.  Injected faults: 429 ->
      ``throttled`` ("Request was throttled. Expected available in N seconds.")
      with ``Retry-After``; 500 -> ``error`` "A server error occurred."; busy
      -> 412 ``precondition_failed``; 502/503/504 -> the HTML page of the
      appliance's nginx (503 with ``Retry-After``).  An unexpected simulator
      exception -> 500 ``error``.
  D7. Bodies (JSON; another media type -> 415, bad JSON -> 400
      ``parse_error``, not an object -> 400 ``non_field_errors``) are validated
      with DRF field rules: unknown and read-only keys are ignored; strings
      accept numbers; integers accept numeric strings (``min_value`` checks);
      booleans accept true/false/1/0 strings; ids accept numeric strings
      (``Invalid pk "N" - object does not exist.`` / ``Incorrect type.``);
      ``null`` only where documented as optional references or texts; names
      (accounts, policies, schedules, freezer items) must match
      ``^[A-Za-z0-9_-]+$`` ("This field contains invalid characters.",
      ``invalid``); descriptions refuse ``<``, ``>`` and control characters with
      the same message (the only reading under which the Ch.1 error sample, a
      description with "invalid characters", can happen); date-times are ISO
      8601 (``Z`` or an offset; stored in UTC); times of day ``hh:mm[:ss]``.
  D8. PUT (never specified): knob ``put_semantics`` ``merge`` (default: like a
      DRF full update, fields not sent keep their value, nested objects merge;
      the Ch.2 PUT sample keeps ``start_date``) | ``replace`` (fields not sent go
      back to their defaults, nested objects too).  Required fields are required
      in both.  Create-only fields (``user``, a policy's ``account``, a target's
      region and AWS id) are ignored in a PUT.  A write-only secret
      (``aws_secret_key``) not sent is kept in both modes.
  D9. Names are unique per owner among accounts, among policies and among
      schedules (400 ``unique``, "<Thing> with this name already exists.");
      knob ``unique_names`` false allows duplicates (the seed states no rule).
  D10. Date-times render as ``2018-08-01T12:00:00.000000Z`` (the Ch.2 create
       sample; the list sample prints whole seconds: same instant).
  D11. Lists: a bare JSON array unless ``page_size`` > 0; then DRF's
       ``{count, next, previous, results}`` with absolute URLs built from the
       Host header (https on the TLS port) and the query re-encoded with sorted
       keys (the Ch.1 sample's ``?page=4&page_size=20``); the previous link of
       page 2 drops ``page``.  ``page`` defaults to 1, ``last`` is accepted; a
       page out of range or not a number -> 404 "Invalid page.";
       ``page_size`` 0, negative or not a number -> no paging; no maximum.
       Filters are exact on the documented parameters only (ids: not a number
       -> 400 "Enter a number."; booleans true/false); ``search``: every
       whitespace/comma separated term must occur (case-insensitively) in one
       of the documented fields; ``ordering``: documented fields, ``-`` for
       descending, comma lists, unknown fields ignored (DRF), nulls last
       ascending and first descending (PostgreSQL); default order: creation.
       ``every_unit`` orders by frequency M < H < D < W < O, its enum order
       (this replays the Ch.2 list sample L274-L357); other letter codes order
       alphabetically.
  D12. Ids are integers.  Knob ``id_type`` ``str`` renders every CPM record id
       and reference as a string (``id``, ``user``, ``account``, ``policy``,
       ``schedules``, ``repository``, ``dr_account``, ``tracker_id``,
       ``related_policies``, ...; the Ch.1 pagination sample shows
       ``"id": "1"``); region and resource-type id lists stay integers.
       Bodies and paths accept both forms in both modes.

Resources
  D13. Schedules (Ch.22): ``every_unit`` default D, ``start_date`` default now,
       ``end_date`` must be later, ``timezone`` an IANA name (null: the CPM's,
       UTC), ``allow_on_*`` default true, ``description`` default null.
       Disable times have their own endpoints (1.2.0, no PUT) and may be sent
       inline in POST/PUT: an inline list in a PUT replaces the set (entries
       equal to existing ones keep their ids); ``day`` default A; times render
       ``HH:MM:SS``.  Deleting a schedule removes it from policies.
       ``num_recovery_scenarios`` and ``num_scheduled_reports`` are 0 in part 1
       and the ``scheduled_report`` filter matches nothing.  run_times (and the
       policy's): occurrences from ``start_date`` every ``every_how_many``
       units (months are calendar months) up to ``days_ahead`` days and
       ``end_date``, skipping days not allowed and disable windows (in the
       schedule's time zone); ``time`` in UTC, ``schedule_time``/``system_time``
       ISO with offset, system time zone UTC.  A policy's run_times without an
       enabled policy, a target and a schedule -> 400 ``non_field_errors``.
  D14. Accounts (Ch.4): the endpoint decides the kind (``is_dr_account`` in a
       body is ignored).  C needs ``aws_access_key`` and ``aws_secret_key``
       (write-only, never returned); A needs ``assume_from_account`` (another
       visible backup account), ``role_name`` and ``account_number``;
       ``account_number`` has 12 digits and, when not given for C/R, is what
       CPM would discover (a number derived from the key; 123456789012 for the
       instance role).  Defaults: ``scan_regions`` [1] (us-east-1, "a default
       region"), ``scan_resource_types`` [] (all), ``capture_vpcs`` and
       ``scan_tagged_resources`` false, ``allow_deleting_snapshots`` false.  The
       generic views (``accounts/``, ``accounts/{id}/``) show DR accounts in the
       backup-account shape (empty scan fields).  ``accounts/backup/{id}/`` of
       a DR account (and the reverse) -> 404.  Licence knobs:
       ``license_cross_account`` false -> 403 on DR account creation and on
       every account PUT (L3082, L2400, L3639), and policy DR settings hide and ignore
       ``cross_account_dr``; ``license_max_accounts`` (0 = no limit) -> 403.
  D15. Deleting an account keeps its backup records and snapshots (seed) and
       deletes its policies (with their targets) and S3 repositories;
       ``assume_from_account`` and policies' DR accounts pointing at it become
       null.  The snapshot wipes (account, backup, policy) mark snapshots
       deleted (``deletion_time``).
  D16. check_aws_permissions: one row ``{account_name, account_number,
       connection: "OK", groups: ["EC2: OK", ...]}`` per account (a DR account
       lists its DR groups); admin ``account-permissions`` overrides
       ``connection``/``groups``; ``download/`` is the same as CSV
       (``Account Name,Account Number,Connection,Groups``).
  D17. Policies (Ch.13): the owner is the account's owner; the account must be
       a visible backup account (a DR account -> 400 ``does_not_exist``) and the
       schedules the owner's.  Defaults: enabled, 30 generations,
       auto_remove_resource N, description null.  ``dr_enabled`` is one fact
       with ``dr/``'s and ``enable_agent_scripts`` one with ``options/``'s;
       ``copy_to_s3_enabled`` mirrors ``copy_to_s3.enabled``;
       ``s3_operation_in_progress`` is true while a copy to S3 runs.  A policy
       named ``cpmdata`` is for the root user only (403) and has no options
       (404).  Options defaults: script timeout 100, 3 retries 20 minutes
       apart, alert after 1 failure, considered_successful B.  DR defaults:
       frequency 1, timeout 8 h, keep the originals.  Copy to S3 defaults:
       STANDARD, GLACIER, interval 1, keep 4 generations, ``resource_type``
       "policy"; enabling it needs one of the owner's repositories.  Custom
       tags: ``tag_value`` default null; GET ``{id}`` answers an object (the
       seed shows an array).  Deleting a policy deletes its targets, custom
       tags and backup records ("its snapshots").  Snapshot purges:
       ``snapshots/`` and ``snapshots/native/`` delete native snapshots,
       ``snapshots/s3/`` also the S3 copies.  The archive and cleanup aborts
       clear the policy's flags; ``s3_operations/abort/`` also aborts running
       copies to S3 (201 ``{}``).
  D18. Backups (Ch.7, 13.6): backup now -> 202 ``{tracker_id}``; 412 when the
       policy is disabled, has no target, or has a backup running (knob
       ``concurrent_backups`` allows it).  Tracker ids are their own sequence
       (1001, 1002, ...), not record ids; the record appears
       ``backup_start_delay`` seconds after the POST (empty lists until then).
       Status I for the first 10% of ``backup_seconds``, then P, then B (or
       what admin ``fail-next-backup`` planned: A, S or F).  ``dr_status``: N
       without DR (dr_enabled and regions), else P until the backup ends, I for
       ``dr_seconds``, then C (or F); S when the backup failed.
       ``s3_copy_status``: Z without copy to S3, else Z, I, P (progress rising)
       for ``s3_copy_seconds``, then S (or the planned V/R/F); K when the
       backup failed; abort -> G, then A.  ``glacier_archive_status`` stays
       ``{"progress_percent": "0", "status": "Z"}``.  Progress is computed
       lazily from the clock at every request with the knobs' current values.
       ``name``/``description`` are the policy's; ``performed_quiecse`` is true
       with agent scripts or VSS; ``is_recoverable`` for B/A/S/M/G;
       ``is_retry``/``retry_scheduled`` false (no retries simulated);
       generations retention is not simulated.  Filter ``start_time``: an exact
       date-time or a date (that day).  Freezer: to_freezer needs a finished
       successful record not yet frozen (else 400 ``non_field_errors``) and
       answers the seed's reduced record; PUT and DELETE ``backups/{id}/`` serve
       freezer records only (others 404).  Script logs exist with agent scripts
       (``Before/After script output``); their ``{id}`` is the position in the
       list from 1 (the schema has no id).
  D19. Snapshot records are made when the backup ends: per instance target an
       ``instances`` record (the recovery defaults), an ``initial_amis``
       record the first time with ami_backup_option S, an ``only_amis`` record
       instead of volume snapshots with O, and a ``volumes`` record per backed
       up volume (which_volumes A: all, I: the selected ones, X: all but the
       selected ones); ``volumes``, ``rds_databases``, ``rds_clusters``,
       ``redshift_clusters``, ``dynamodb_tables``, ``efs`` one each; S3 sync
       targets only log.  DR twins (``dr_*``, ``only_dr_amis``) per DR region
       and per cross-account region when DR completes; ``copy_to_s3`` records
       for the volume snapshots when the copy completes (tier S).  Outcome S
       fails the first snapshot, F all.  Field types follow each family's
       schema (``backup_id`` a string; ``snapshot_account_id`` a string in
       copy_to_s3/efs/dr_efs/rds_clusters/dynamodb/redshift; copy_to_s3
       ``succeeded`` "true"/"false"); ``status`` is the backup's letter;
       ``snapshot_type`` ebs/ebs_copy/rds/rds_copy/redshift/dynamodb/efs/
       efs_copy/s3/ami/ami_copy.  The generic ``snapshots/`` list shows every
       record but the instance metadata in its small schema.  Deleted
       snapshots stay listed with ``deletion_time``; deleting one again -> 404;
       when none is left the backup becomes D (M if only S3 copies remain).
  D20. Targets: the resource must exist in the account's AWS inventory and
       region (400 ``invalid``; knob ``strict_inventory`` false invents it);
       an unknown region -> 400 ``invalid_choice``; the same resource twice in
       a policy -> 400 ``unique``; ``license_max_instances`` (0 = no limit) ->
       403.  Instance volume selection: ``{instance_id}`` is the CPM instance
       target id; the volume must be attached to it.  ``resource_type`` is the
       target family name (``instances``, ``volumes``, ... as GET
       resource_types/ lists); ``aws_resource_type`` is the instance or volume
       type ("redshift-cluster" for Redshift).  S3 sync: ``name`` is the
       source bucket (of the policy's account); ``creation_date`` the bucket's;
       ``status`` "Active".  The generic ``targets/`` list returns every
       target, each in its family's shape.  Every backup account has a
       deterministic default AWS estate (created on first use): in us-east-1
       three instances (``<acct>-web-1``, ``-web-2``, ``-app-win-1``) with 2-3
       volumes, two independent volumes, an RDS database, an Aurora cluster, a
       Redshift cluster, a DynamoDB table ``<acct>-orders``, an EFS and the S3
       buckets ``<acct>-assets`` and ``<acct>-backup-copies``; in us-west-2 one
       instance and one volume.  Admin ``inventory`` lists, adds and removes
       resources.
  D21. Tag scanning (admin ``tag-scan``): adds the resource to the policy
       named (by id, or by name: a missing policy is created with
       ``created_by_tag: true``) with ``tagged: true`` (the seed's "Weather this
       resource has CPM backup tag"); an existing target becomes tagged.
       Removing a resource from the inventory drops it from policies whose
       ``auto_remove_resource`` is Y or A; with N the target stays, its state
       ``terminated`` (instances) or status ``deleted``.
  D22. ``seed``: N resources of one kind spread round-robin over new accounts,
       policies (one daily schedule each) and regions; a share of the policies
       has a successful backup an hour old, a share a failed one, the rest
       none (parameters in ``bulk.seed``).
"""

from .service import CPMService

__all__ = ['CPMService']
