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

Part 2: recovery (Ch.7 recover calls and instance helpers, Ch.4 clone VPC,
Ch.8, Ch.11, Ch.12, Ch.14, Ch.15, Ch.20 writes, the Ch.13 aborts).  Modules
``recoveries``, ``scenarios``, ``explore``, ``freezer``, ``repositories``,
``vpcs``; each registers its knobs on the service (``register_knobs``).
  D23. Permissions (the seed's flag names that are no delegate flag mapped to
       the nearest one): the 13 recover calls, DELETE recoveries/{id}/,
       scenario runs and records PUT/DELETE, clone VPC, and explore session
       writes and file listings need ``allow_recovery`` for delegates ("allow
       perform recovery", "allow_file_level_restore"); the recovery-from-S3
       abort needs ``allow_backup_changes`` (as the copy-to-S3 abort);
       scenario and scenario target writes ``allow_backup_changes``; S3
       repository writes ``allow_account_changes`` ("allowed_change_account").
       Explore sessions also need the owner's profile
       ``allow_file_level_recovery`` (403).  Reads follow D5.  Record
       references part 1 does not stringify (``schedule``,
       ``recovery_destination_account``, ``recovery_scenario``,
       ``recovery_scenario_record``, ...) follow ``id_type`` too.
  D24. Recover calls (L6674 ... L18966): 404 unless the snapshot record is of
       that family in that (visible, started) backup; then 400 (field errors,
       then cross-field ones); then 412.  Bodies are the seed's; nothing is
       required but ``aws_resource_id`` (RDS, Aurora, Redshift),
       ``aws_dbinstance_id`` (Aurora), ``aws_resource_name`` (DynamoDB),
       ``retrieve_options.retrieval_tier`` and the three worker fields.
       Defaults: preserve_tags true, num_instances_to_recover 1, target_efs N
       (new), auto_assign_public_ip default; restore_from S (a Windows
       instance: I, and S -> 400 "For windows images we support only image
       based instances."); ``instance_type`` is a free string (the seed's enum
       is cut off, L13181).  Cross-field 400s: placement G without
       placement_group; instance_volumes naming a volume the instance did not
       have in that backup; additional_nics not offered by
       ``aws_additional_nics/``; vpc_assign_ip not IPv4 or with more than one
       instance; a zone outside the target region; attach_behaviour without
       attach_to; an unknown ``region`` (volume from S3); retrieve_options
       missing when the S3 copies are archived; an http proxy without its
       address; ``to_account`` (an integer, or the RDS/Aurora string) not a
       visible account.  ``credentials`` and the proxy password are accepted,
       never stored or shown.  412 (the seed's "Recovery is possible on a
       successful backup that wasn't deleted"): backup not B/A/S/M/G or marked
       for deletion; snapshot record failed or deleted; an instance without
       live volume snapshots or AMI; from S3: a volume that is not an
       instance's (L18976), no live copy in S3; knob ``recovery_concurrency``
       ``refuse``: a recovery of the same snapshot record in progress (default
       ``allow``); the injected busy fault.
  D25. Recovery records (L6809, Ch.14): exactly the seed's fields; ``account``
       is the backup's account id (the seed says "Recovery associated user");
       status P for ``recovery_seconds``, then R, or what admin
       ``fail-next-recovery`` planned (A, F).  From S3: when the copies are
       archived (tier A, admin ``archive-s3-copies``) ``glacier_retrieve_status``
       goes Z -> I -> P -> S over ``glacier_retrieve_seconds`` first; then
       ``s3_recover_status`` Z -> I -> P (progress) -> S (or the planned
       S/V/R/F: R makes the recovery A, F makes it F) over
       ``recovery_seconds``; native recoveries keep both sub-statuses Z at 0.
       ``progress_percent`` is a one-element list (the seed's "< integer >
       array"; knob ``progress_percent_type`` ``int``).  ``recovery_scenario_*``
       are null unless a scenario run made the record (``recovery_scenario_id``
       a string).  Knob ``recovery_record_detail`` ``extended`` adds
       ``snapshot_record_id``, ``snapshot_family``, ``backed_up_resource_id``,
       ``target_account``, ``target_region``, ``target_name`` and
       ``recover_from_s3``, which the seed's record lacks.  Logs: start, the
       phases, each recovered resource, failures, the end.
  D26. ``recovered_resource_ids``: "NEW (original: ORIGINAL),..." of the
       resources kept: an instance recovery lists the instance(s), then their
       volumes; RDS/Aurora/Redshift the ``aws_resource_id`` asked, DynamoDB
       the table name asked, EFS a new file system (or the original with
       target_efs O), ``ami_handling`` O an AMI.  Knob ``recovered_ids_when``:
       ``end`` (default: "" while P) or ``start`` (the ids planned at the 202).
       A keeps all but the last planned resource (a single resource: kept,
       with a warning); F and dry runs keep none ("").
  D27. At the end a recovery may fail as AWS would: a resource with the new
       name already exists in the target account and region (RDS, Aurora,
       Redshift, DynamoDB: so a second identical named recovery fails), the
       attach_to instance is missing, the original EFS is gone, the fixed IP
       is in use.  Recovered resources enter the target account's AWS
       inventory (``inventory.add_recovered``; account: to_account or the
       snapshot's; region: to_region/region or the snapshot's), marked
       ``recovered``.  The policy's ``last_recovery_time`` (DR families:
       ``last_dr_recovery_time``) is set at the start.
  D28. ``recoveries/`` filters and ordering as the seed lists; DELETE of a
       recovery in progress -> 400; ``recover_from_s3/abort/`` -> 201 without
       body for an S3 recovery in progress (400 otherwise): the running phase
       goes G, then A a quarter of the phase later, the recovery F.
  D29. Admin: ``fail-next-recovery {status R|A|F, s3_recover_status,
       recovery_type, policy, count}``, ``GET recoveries``, ``add-backup
       {policy, status, age_seconds}`` (a finished backup with snapshots, DR
       twins and S3 copies as the policy says).
  D30. Instance helpers (L12594-L12795): ``ami/`` lists the AMIs taken of the
       instance in that backup (only/initial AMIs), else its image;
       ``aws_additional_nics/`` two deterministic ENIs; ``find_similar_ami/``
       E (the image, in its own region), N and A candidates; ``aws_region``,
       ``exact_match``, ``account`` (a visible account) filter.
  D31. Scenarios (Ch.15): the owner is the policy's; name optional ("");
       defaults agent_script_timeout 100, flags false,
       schedule_running_option D; recipients must be e-mail addresses;
       schedule and destination account must be the owner's;
       ``target_type_count`` is a JSON object string ``{"I": 2, "R": 1}``;
       PUT per ``put_semantics`` (``policy`` is create-only).  A deleted
       policy takes its scenarios; a deleted schedule or account becomes null;
       schedules count them (``num_recovery_scenarios``).  Scheduled runs are
       not simulated (admin ``run-scheduled-scenario`` does one: dry run with
       option D, on the policy's latest recoverable backup).
  D32. Scenario targets: ``aws_region``/``aws_resource_id`` are create-only
       and must be protected by the policy in that region (400 on aws_region
       when the policy has no target there, on aws_resource_id otherwise):
       instances for I/S3I, volume targets or volumes of instance targets for
       V/S3V/DRV, and so on (DynamoDB by table name or id); DR types need the
       policy's DR, S3 types its copy to S3 (400 recovery_type).
       ``configuration`` (a string, L34099) must be a JSON object valid as the
       recover body of the type with every top-level field optional (errors
       under ``configuration.<field>``); kept verbatim.  The same resource and
       type twice -> 400 ``unique``; ``order`` defaults to the next number.
  D33. Runs (L33920): 202 with the record (P); 400 (the seed lists no 412)
       for a backup not of the policy, not recoverable, or no targets.  The
       targets recover one after another in (order, id), each as a recovery
       record linked to the run (dry runs too: nothing is created, ids "").
       Missing names are generated ``<source>-rs<record id>``; the destination
       account and region are the default to_account / to_region (DR types
       take the twin in the destination region).  A target that cannot be
       planned (no snapshot, 412 condition, invalid configuration) fails with
       a log line; with ``endure`` false the rest is skipped after a failure.
       Status: R when every target is R, F when none is R/A, else A.  Record
       logs mirror the children's lines ("Target <id>: ...") and the pre/post
       scripts when enabled.  Record PUT (L33249, release 1.0.0 as the seed
       says) overwrites status and times and stops driving the run; DELETE of
       a running record -> 400.
  D34. Explore create (L22156): backup_record must be visible (400); 412 when
       the backup is not recoverable, has nothing to explore, or
       ``explore_max_sessions`` open sessions exist (0: no limit).  The
       snapshots: native ones of the backup's account, or with ``region`` (a
       region id) those in that region (DR copies), with ``from_account``
       those held by that account; aws_instance_id (I: its volumes, narrowed
       by aws_volume_ids), aws_volume_ids (V unless attached), else the first
       instance (I), the independent volumes (V), an RDS database (D) or a
       Redshift cluster (R); unknown ids -> 400.  ``attached_volume_ids``
       lists one new volume id per volume snapshot; name
       ``explore-<backup>-<resource>``; session_path ``/cpm/explore/<id>``.
  D35. The tree: one top directory per volume (device name, or the volume id)
       or database; Linux root, Windows root, data and database layouts of
       4-6 small files (text lines or a 16 KiB block) whose bytes derive from
       the source snapshot id (a DR copy shows the same files); knob
       ``explore_large_file_mb`` adds ``large.bin`` to the first volume.
       ``file_system_entries/``: ``path`` ("" is /, a file lists itself),
       ``depth`` (default 1: the entries under path, each with children to
       depth-1 levels; knob ``explore_listing`` ``target``: one item, the path
       itself with its children), ``search`` (name contains, anywhere below
       path, flat); ``depth`` of an item is its number of path components; an
       unknown path -> 400.  ``download/`` {paths} -> 201 ``application/zip``
       (any Accept) with every file under the paths, names without the leading
       slash, fixed times and modes: identical bytes for the same selection;
       files of 1 MiB or more stored, smaller ones deflated; no/empty/unknown
       paths -> 400.
  D36. Session time: U for ``explore_mount_seconds``, then N (or F: admin
       ``fail-next-explore``); N expires ``explore_timeout`` seconds after the
       last keep_alive (knob ``explore_activity_resets_timeout``: listings and
       downloads count too): P for ``explore_expire_seconds``, then S.
       DELETE -> 204 and P, then S (an ended session: no change).  Ended
       sessions stay listed.  Listing, download and keep_alive of a session
       that is not N -> 400.  keep_alive -> 200 without body.
  D37. Admin: ``fail-next-explore``, ``expire-explore-sessions {session}``,
       ``GET explore-files?session=ID`` (path, size, sha256 of every file).
  D38. S3 repository create (L39820): account a visible backup account;
       aws_region a region name; the bucket must exist in the account's AWS
       inventory (knob ``strict_inventory``); names unique per owner (knob
       ``unique_names``); ``license_max_s3_repositories`` (0: none) -> 403; the
       owner is the account's.  PUT changes ``description`` only.
  D39. DELETE (L40319) while policies use the repository: knob
       ``repository_in_use`` ``400`` (default, ``non_field_errors``), ``403``,
       or ``fail`` (204, then deletion_status F).  Otherwise 204 and
       ``deletion_status`` I for ``repository_delete_seconds``, then the
       repository is gone (404) with the S3 copies it held (their backups
       settle: M -> D); admin ``fail-next-repository-delete`` makes it end F
       (kept; DELETE again retries).  DELETE while I: 204, no change.
       ``force/`` (L40366, 1.5.0) always succeeds: the policies lose the
       repository (copy to S3 disabled), then as above.
  D40. Policy S3 operations: admin ``start-s3-operation {policy, operation
       archive|cleanup, seconds}`` sets ``is_archive_active`` /
       ``is_s3_cleanup_active`` for that long, so the Ch.13 aborts have
       something to abort; ``archive-s3-copies {backup}`` archives a backup's
       S3 copies (tier A).
  D41. Snapshot wipes of an account delete the snapshots held in it
       (``snapshot_account``): a DR account's wipe deletes the DR copies it
       holds, a backup account's the records of its backups held there
       (cross-account DR copies stay).  Any finished backup settles (also
       M/G/D: the S3 scope after the native one gives D); a running one is
       purged when it ends.
  D42. ``GET freezer/`` (L22899, deprecated, served) lists freezer items in
       the to_freezer shape.  Freezer items outlive their policy's deletion
       (knob ``freezer_survives_policy_delete``, default true; false: part 1's
       cascade); a recovery from one shows ``frozen_item_name``.
  D43. Captured VPCs (Ch.8): a capture (admin ``capture-vpcs {account}``; the
       part-3 ``settings/capture_vpc/run/`` may call ``VpcsFamily.capture``)
       records every VPC of the AWS inventory per region of each backup
       account with ``capture_vpcs`` (or of the account named), one new record
       per run (history: pick the latest ``capture_time``); an account that
       gets ``capture_vpcs`` is captured once right away (the next capture
       cycle, without waiting for its interval).  ``region`` filter
       is a region id; ``search`` has no fields (ignored); ``template_size``
       is the size of the template served without parameters.
  D44. ``cloudformation_template/`` (L20602): 200 with the JSON template as an
       attachment; to_vpc names the VPC, to_region its zones, to_account and
       bucket_name are recorded in Metadata; unknown to_region/to_account ->
       400.
  D45. Clone VPC (L2846): licence knob ``license_capture_vpc`` (403);
       from_vpc a captured VPC of that account, to_account visible, to_region
       a region name (400); answer 201 without body (knob
       ``clone_vpc_status`` ``200``).  The clone runs ``clone_vpc_seconds``:
       log lines at the start, 30% and 60%, then "Clone VPC completed
       successfully: new VPC vpc-..." (Info) or "Clone VPC failed: ..."
       (Error: bucket_name not in the target account and region, or admin
       ``fail-next-clone``).  There is no clone id: a clone is known by
       (account, from_region, to_account, to_region, to_vpc) and its outcome
       by the last line of its log.
  D46. ``clone_vpc_log/`` (L2934): the log of the account's last clone that
       matches the query (from_region, to_account, to_region, to_vpc; the
       ``search`` parameter, whose fields are copied from the accounts list,
       is ignored); ``captured_vpcs/logs/`` (L20462): the caller's last clone;
       [] when none; JSON or text/csv.

Part 3: administration, resource control, reports, alerts, settings and
system (Ch.5, 6, 9, 10, 16-19, 21, 23-28).  Modules ``users``, ``idp``,
``workers``, ``resource_control``, ``costs``, ``reports``,
``scheduled_reports``, ``alerts``, ``settings``, ``system`` (listed in
``administration.PART3_FAMILIES``) and ``helpers``; each registers its knobs
on the service.
  D60. Users and delegates (Ch.26, Ch.10): every write is root's (403).
       Passwords are write-only (a salted hash; admin ``password-check``,
       ``passwords``) and pass Django's default validators (8 characters,
       not numeric, not common, not like the username: 400 on ``password`` /
       ``new_password``).  Usernames are unique over users and delegates (400
       ``unique``).  PUT takes ``email`` and ``profile`` (required); username,
       password and ``original_user`` are create-only; root's own profile
       cannot change (his PUT updates the e-mail only).  ``is_managed_user``
       makes the user type managed (root's ``applied_managed_users`` follows);
       quotas are stored, not enforced.  IdP users (admin ``users``
       ``is_external_authentication``) cannot be updated nor have their
       password reset or changed (403) and get no delegates (400).  Root
       cannot be deleted nor reset his own password (403); a user with
       delegates cannot be deleted (403, the seed lists no 400/409); deleting
       a user deletes his accounts (with D15's cascade), schedules and every
       family's objects of his (``user_deleted`` hook).  DELETE of users,
       delegates and IdP groups answers 204 (knob ``user_delete_status`` 200:
       the seed lists both) without a body.  Delegates show their original
       user's counts.  ``users/me/change_password/``: any local user,
       delegates too; a wrong old password -> 400 ``password_incorrect``.
       Reset and change answer 201 without a body.  ``license_max_users``.
  D61. Permissions the route table cannot say: "root only" settings accept
       root and (knob ``settings_delegates`` flag) root's delegates with
       ``allow_settings_changes`` (``root_only``: root alone); cost explorer
       settings, support logs and the anonymized usage report: root and his
       delegates (writes ``allow_settings_changes``); workers, their tests and
       worker tags need ``allow_account_changes`` ("allowed_change_account");
       resource control writes and record deletion ``allow_backup_changes``
       ("IsAllowResourceControl"); notifications (read one, create, update,
       test) are for non-delegate users; audit report and agent configuration
       root only.  Checked before the body (D4).
  D62. Settings sections (Ch.23) are singletons: GET answers an object (the
       defaults before any POST: cleanup interval 1 h, 30 days everywhere,
       tag scan every hour, VPC capture every 24 h off, cost explorer on, log
       mode STANDARD, security S, proxy and SES off); POST creates or replaces
       -> 201.  Fields not sent: knob ``settings_post`` ``replace`` (back to
       the defaults) | ``merge`` (kept).  Write-only secrets (proxy password,
       SES and FLR secret keys, SNS secret, worker proxy password, IdP
       certificate, activation key) are never returned and are kept when not
       sent (a sent value, even null, replaces); admin ``settings`` shows
       fingerprints and the body keys a POST ignored (another section's keys
       are ignored, as DRF ignores unknown keys).  Cross-field rules: SES enabled needs an address and a
       region, C the keys, A a 12-digit ``ses_account``, R root (403); proxy
       enabled needs address and port; FLR with ``use_exisiting_account``
       names a visible backup account, else needs the keys.  Regions are AWS
       names CPM knows (D20's list).  The deprecated FLR section is served.
  D63. Identity provider: ``x509cert`` (PEM text, write-only; ``x509cert_file``
       its file name) shows as ``x509cert_filename``; enabled needs
       ``entity_id``, ``signin_url`` and a certificate; URLs are checked.
       ``test_connection`` checks the stored values merged with the body,
       saves nothing, answers 200 without a body or 400 ``non_field_errors``
       (missing values, admin ``fail-next-connection-test {which: idp}``) and
       sets ``redirect_url``; knob ``license_idp`` false -> 403.
       ``cpm_addresses``: one object, the Host the request used.  Groups are
       one table (names unique over both kinds); users groups take
       ``user_type`` I or M, delegates groups an existing user's
       ``original_username`` and show ``user_type`` D; the combined list
       shows every field (the model's defaults where a kind has none).  Two
       default groups (``default-independent``, ``default-managed``,
       ``default_group`` true, disabled) exist after a reset: updatable,
       not deletable (403).
  D64. Worker configurations have no name: their identity is (account,
       region), unique (400 ``unique``; knob ``unique_worker_config`` false
       allows several).  ``region`` is a CPM region id as ``regions/`` lists
       (the schema's integer; knob ``worker_region`` name: the AWS name the
       description says).  The owner is the account's (any visible account;
       PUT may move it).  ``requires_http_proxy`` needs address and port.
       Knob ``worker_network_check`` inventory: the VPC, subnet and security
       group must be the account's in that region (the inventory instances'
       ``vpc_id``, ``subnet_id``, ``security_groups``) -> 400 per field; none
       (default): not checked at write.  ``license_max_workers``.  Deleting
       the account deletes its configurations and worker tags.  Worker tags:
       key unique per account (``unique_names``), AWS tag rules (key <= 127,
       value <= 255, no ``aws:`` prefix); PUT needs account and key.
  D65. Worker test: 202 with the session (``session_status`` I, ``worker`` a
       new worker id from 5001); S or F after ``worker_test_seconds``.  It
       fails as a launch would: a planned failure (admin
       ``fail-next-worker-test {configuration, description}``) or a VPC,
       subnet or security group the inventory does not have (whatever the
       knob), with ``test_session_fail_desc`` and an alert.  A second test
       while one runs -> 400.  Poll ``workers/{cid}/test/{id}/``.
  D66. Resource control groups: the account a visible backup account (a DR
       account -> 400 ``does_not_exist``); defaults enabled, N, no hibernate,
       ``on-off``, timeout 30; names unique per owner (``unique_names``);
       ``account`` create-only.  Deleting a group deletes its schedules,
       targets and records; deleting the account deletes its groups.
       Targets are inventory resources (D20, ``strict_inventory``), each in
       one group only (400 ``unique``), ``license_max_rc_resources``; RDS
       ``iops``/``storage`` are strings (L38535-L38569); the all-targets list
       uses the seed's instance shape (an RDS row: ``aws_resource_type`` its
       class, ``state`` its status, no image or root device).  A resource
       gone from AWS leaves groups with ``auto_remove_resource`` Y/A (A
       alerts).
  D67. Group schedules (no PUT): times render ``HH:MM:SS``; ``turn_off_day``
       default A (every day); ``turn_on_day`` default null = the turn-off
       day.  Identical on/off moments on the same day -> 400.  On the same day
       (knob ``rc_schedule_order``): ``on_before_off`` (default: a row is one
       working period, the turn-off time must be later) | ``off_before_on``
       (a row is one downtime) | ``none``.  Ordering by account uses the
       group's; ``marked_for_deletion``/``status`` (not fields) keep order.
  D68. Start/stop now: 202 ``{}`` (knob ``rc_start_body`` record: the new
       record); 412 when the group is disabled, has no target, turns off only
       (start), or has an operation running.  The record (``operation`` R for
       start, S for stop) appears ``rc_start_delay`` seconds later: I for the
       first 10% of ``rc_seconds``, then P, then B (or what admin
       ``fail-next-rc-operation`` planned: A/S, the first resource fails; F,
       all fail); the AWS states change then (instances running/stopped, RDS
       available/stopped; policy targets see them) and failures alert.
       Follow it: the newest ``resource_control/records/?group=<id>`` record
       started after the call.  Records: filters as the seed lists,
       ``search`` a part of a target's AWS id; DELETE of a running record
       marks it (``marked_for_deletion``) and it goes when it ends.  Knob
       ``license_resource_control`` false -> 403 on records and savings.
  D69. Cost explorer: 403 when the cost explorer setting is off or the
       owner's profile lacks ``allow_cost_explorer``.  Backup costs: one item
       per visible policy, ``blended_costs`` the USD of its succeeded
       snapshots' storage overlapping [start_date, end_date] (ISO dates;
       default the last 30 days; end before start -> 400); dates render
       ``YYYY-MM-DD``; ``{id}`` is a policy (the last 30 days).  Savings are
       cached per group: computed on first read, refreshed by POST (every
       group) or PUT {id} (no body; 200 without a body); ``start_time`` the
       computation, ``end_time`` a calendar month later, downtime from the
       schedules' weekly off hours, savings = downtime x the targets' hourly
       prices (0 when disabled).  The ``{id}`` reads answer an object (knob
       ``cost_read_shape`` array: the seed's array of one).
  D70. Identifier: after a reset CPM has one (``cpm-sim``, a UUID); POST
       regenerates the UUID (201), PUT keeps it (200); admin ``identifier``
       counts regenerations (the request log shows POST vs PUT).  Knob
       ``identifier_initial`` unset: GET answers nulls and PUT 404 until a
       POST.  Runs (cleanup, tag scan, VPC capture): 202 without a body, 400
       while one runs, done after ``settings_run_seconds`` (``last_*_time``
       set then); ``logs/`` show the last run (system lines are root's,
       per-account lines their owner's), JSON or CSV; cleanup type s3 writes
       ``s3_logs/`` and ``last_s3_cleanup_time``; cleanup drops RC records and
       audit events older than their settings; tag scan: resources tagged
       ``cpm backup`` (or ``cpm_backup``) = policy names in accounts with
       ``scan_tagged_resources`` join those policies (D21); VPC capture uses
       part 2's ``vpcs.capture`` (D43).  E-mail verification: Pending, then
       Success after ``email_verify_seconds`` (admin
       ``fail-next-email-verification``: Failed); unknown addresses
       NotStarted; ``verify_status`` defaults to the identity's address (none
       -> 400).  Proxy test: like D63's (saves nothing; no enabled proxy or a
       planned failure -> 400).  Notifications: one record per user (400
       ``unique``), ``user`` create-only; the triggers
       (``create_new_topic``, ``create_new_summery_topic``,
       ``add_user_email*``, ``use_same_sns_topic``) act once and are never
       returned; ``summary_daily_time`` "H" or "HH:MM" -> "HH:MM"; C needs the
       keys, A an account of the user, R root (403); ``test_daily_summary``
       -> 400 without an enabled summary topic.  Activation key: write-only,
       201 without a body.  Upgrade patches: named by the given file name (or
       ``patch-<hash>``), installed at once for the server's CPM version; the
       same name again -> 400.  The certificate (PEM) and metadata (SAML XML)
       downloads are served whatever Accept says.
  D71. Report parameters: values are validated per report (400 "Enter a
       number.", "Enter a valid date/time.", invalid_choice for status
       letters and booleans); knob ``report_filter_check`` ``strict`` (a query
       parameter the report does not document -> 400) | ``lenient`` (ignored,
       as DRF does).  ``from_time``/``to_time`` bound the backup start
       (backups, snapshots), the operation start (RC), the event (audit) or
       the report date (usage).  CSV ignores page/page_size.
  D72. CSV reports: one column per JSON field with a label (README); times in
       server time ``YYYY-MM-DD HH:MM:SS`` (UTC; knob ``report_csv_times``
       iso: the JSON strings); booleans true/false; lists joined with "; ";
       null empty.  The Username column is left out when one user applies
       (backups, RC operations, usage: the caller reaches one owner, or a
       user/username filter); audit: with ``username`` only time, type and
       log, else a "Delegate of" column (N/A for non-delegates).
  D73. Usage CSVs add "Total Non-Instance Storage (GiB)" and end with the
       row ``signature:<hex HMAC-SHA256 of the text before it>`` (a key drawn
       at every reset).
  D74. Alerts are CPM's own, made lazily: a failed backup (E), a partial one
       (W), a failed DR (E), a failed/partial copy to S3 (E/W), an RC
       operation A/S (W) or F (E), a removed RC resource (W), a failed worker
       test (E); a user sees his own (a delegate its original user's); the
       list has only paging (the seed documents no filter); a deleted alert
       does not come back; DELETE of all -> 204 (knob
       ``alerts_delete_all_empty`` 404 when there is none).  Admin ``alerts``
       adds and lists.
  D75. System: dashboard activity counts the visible backups started since
       ``start_time`` (default 24 h ago; B success, A/S partial, F fail; D, M
       and G by their original outcome; DR C/F; S3 S,V/R/F); state counts
       visible accounts, policies, targets per kind and kept snapshot records
       per family.  Support logs: root and his delegates; a tar.bz2 (logs of
       the period day|week|month, default week, else 400; system, worker and
       AWS-permission members on request); time zones: UTC then the IANA names
       schedules accept, ``display_name`` "(UTC+hh:mm) Name".
  D76. Agents are registered by CPM (admin ``agents``): after a reset root
       has ``main-web-1`` on account main's instance of that name;
       ``related_policies`` are the names of the policies protecting its
       instance; the ``user`` filter takes a username or an id.  Agent
       configuration (root): a string stored as sent, 201 echoing it.
  D77. Report contents: audit = logins and successful writes read from the
       request log (Login/Create/Update/Delete/Action, the user's type and
       original user) plus admin ``audit-event``; protected resources: root
       and his delegates see every user's (as the seed says), the seed's five
       resource types (knob ``protected_resource_kinds`` all: also dynamodb,
       efs), one row per AWS resource with its policies and their schedules;
       snapshots: every snapshot record but instance metadata (region = AWS
       name, an AMI's id as ``snapshot_id``); usage: per backup account
       (detailed) or per user (summary) of root's scope (every user) or the
       caller, counters from the policies' targets and RC targets
       (``num_controlled_entities``), ``report_time`` today; "anonymous"
       variants replace username and account name by stable pseudonyms
       (filters match the real names).
  D78. Scheduled reports: ``recipients`` non-empty valid addresses; schedules
       the owner's; filters that do not apply to the report type, and
       anonymized/detailed for other than usage, -> 400 under
       ``report_filter_check`` strict; interval and unit together; audit is
       root's, anonymized usage root's and his delegates' (403 / hidden);
       names unique per owner (``unique_names``); ``report_type`` and
       ``user`` create-only.  Run: 202 without a body; the report is made for
       the owner (filters applied; last period -> ``from_time``; D =
       unprotected resources) and "sent" (admin ``report-runs``).  Schedules
       count ``num_scheduled_reports``; deleted schedules leave reports.
"""

from .service import CPMService

__all__ = ['CPMService']
