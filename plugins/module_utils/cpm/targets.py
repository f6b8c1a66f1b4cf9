# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The targets of a CPM policy (seed Ch.13, L26204-L31806): nine kinds, converged as a set.

Each kind has the identity the seed gives it: instances, volumes, RDS
databases and clusters, Redshift clusters and EFS by ``(aws_region,
aws_resource_id)``; DynamoDB tables by ``(aws_region, aws_resource_name)``
(their POST takes the table name, L26439); S3 sync targets have no region and
are identified by ``(name, destination_bucket_name)`` (the source bucket and
the destination); the selected volumes of an instance (the ninth kind,
``targets/instances/{instance_id}/volumes/``, where ``instance_id`` is read as
the CPM id of the instance target) by the volume's AWS id.

Settings are updated in place where the seed has a PUT (instances since 1.2.0,
EFS, S3 sync); elsewhere a target has no settings to change.  When a PUT is
not available for the chosen ``api_version``, a target whose settings differ is
removed and added again only when the user asks for it (``recreate``).

Targets that CPM added by tag scanning (``tagged: true``) are kept by a purge
unless ``purge_tagged`` says otherwise.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import FEATURES, as_id, deep_merge, unflatten
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    AMI_BACKUP, EFS_COLD, EFS_EXPIRE, S3SYNC_STORAGE, WHICH_VOLUMES,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


class TargetKind:
    """One kind of policy target: its API family, identity, settings and the versions of its endpoints."""

    def __init__(self, name, family, label, since, post_since, put_since=None, identity=('region', 'id'),
                 settings=(), children=False):
        self.name = name
        self.family = family
        self.label = label
        self.since = since
        self.post_since = post_since
        self.put_since = put_since
        self.identity = identity
        self.settings = list(settings)
        self.children = children  # instances: the selected volumes
        self.path = 'targets/%s/' % family
        FEATURES['targets_%s' % family] = (since, '%s targets' % label)
        FEATURES['targets_add_%s' % family] = (post_since, 'adding %s targets' % label)
        if put_since:
            FEATURES['targets_update_%s' % family] = (put_since, 'updating %s targets in place' % label)

    # -- identities ------------------------------------------------------------------------------------------------
    def api_identity(self, item):
        """The identity of a target as the API lists it."""
        if self.identity == ('region', 'name'):
            return (str(item.get('aws_region') or ''), str(item.get('aws_resource_name') or ''))
        if self.identity == ('name', 'destination_bucket_name'):
            return (str(item.get('name') or ''), str(item.get('destination_bucket_name') or ''))
        return (str(item.get('aws_region') or ''), str(item.get('aws_resource_id') or ''))

    def identity_body(self, ident):
        if self.identity == ('region', 'name'):
            return {'aws_region': ident[0], 'aws_resource_name': ident[1]}
        if self.identity == ('name', 'destination_bucket_name'):
            return {'name': ident[0], 'destination_bucket_name': ident[1]}
        return {'aws_region': ident[0], 'aws_resource_id': ident[1]}

    def describe(self, ident):
        if self.identity == ('name', 'destination_bucket_name'):
            return '%s %s -> %s' % (self.name, ident[0], ident[1])
        return '%s %s in %s' % (self.name, ident[1], ident[0])

    def writable(self):
        """Keys of a PUT body (read from the current target)."""
        keys = set(f.key.split('.')[0] for f in self.settings)
        if self.identity == ('name', 'destination_bucket_name'):
            keys.update(('name', 'destination_bucket_name'))
        return keys


def _app(option, kind='bool', **kwargs):
    return CPMField('application_consistent_backup.%s' % option, 'application_consistent_backup.%s' % option,
                    kind=kind, **kwargs)


def _raw(value):
    return value


KINDS = dict((kind.name, kind) for kind in (
    TargetKind('instance', 'instances', 'EC2 instance', '1.0.0', '1.2.0', '1.2.0', children=True, settings=[
        CPMField('ami_backup_option', kind='code', code=AMI_BACKUP),
        CPMField('ami_reboot_option', kind='bool'),
        CPMField('aws_root_device'),
        CPMField('force_full_s3_copy', kind='bool'),
        CPMField('which_volumes', kind='code', code=WHICH_VOLUMES),
        _app('agent_script_timeout', 'int', minimum=1),
        _app('collect_script_output'),
        _app('enable_agent_scripts'),
        _app('enable_agent_vss'),
        _app('use_remote_agent'),
        _app('vss_volumes', 'str'),
    ]),
    TargetKind('volume', 'volumes', 'EBS volume', '1.0.0', '1.0.0'),
    TargetKind('rds_database', 'rds_databases', 'RDS database', '1.0.0', '1.0.0'),
    TargetKind('rds_cluster', 'rds_clusters', 'RDS/Aurora cluster', '1.1.0', '1.1.0'),
    TargetKind('redshift_cluster', 'redshift_clusters', 'Redshift cluster', '1.1.0', '1.1.0'),
    TargetKind('dynamodb_table', 'dynamodb_tables', 'DynamoDB table', '1.1.0', '1.1.0', identity=('region', 'name')),
    TargetKind('efs', 'efs', 'EFS', '1.3.0', '1.3.0', '1.3.0', settings=[
        CPMField('backup_vault_name'),
        CPMField('backup_iam_role_arn'),
        CPMField('expire_option', kind='code', code=EFS_EXPIRE),
        CPMField('expire_option_value', kind='int', minimum=1),
        CPMField('move_to_cold_storage_option', kind='code', code=EFS_COLD),
        CPMField('move_to_cold_storage_option_value', kind='int', minimum=1),
    ]),
    TargetKind('s3_sync', 's3syncs', 'S3 sync', '1.5.0', '1.5.0', '1.5.0', identity=('name', 'destination_bucket_name'),
               settings=[
                   CPMField('destination_account', kind='raw', normalize=_raw, parse=as_id),
                   CPMField('source_prefix', nullable=True),
                   CPMField('destination_prefix', nullable=True),
                   CPMField('keep_source_prefix', kind='bool'),
                   CPMField('delete_extra', kind='bool'),
                   CPMField('storage_class', kind='code', code=S3SYNC_STORAGE)]),
))
#: The API family names are accepted as kinds too (``instances``...).
ALIASES = dict([(kind.family, kind.name) for kind in KINDS.values()] + [(name, name) for name in KINDS])
KIND_CHOICES = sorted(KINDS) + sorted(kind.family for kind in KINDS.values() if kind.family not in KINDS)
#: Sub-options of a target (module argument spec keys) that are settings, by kind.
SETTING_OPTIONS = dict((kind.name, [f.option for f in kind.settings]) for kind in KINDS.values())
ALL_SETTING_OPTIONS = sorted(set(o.split('.')[0] for opts in SETTING_OPTIONS.values() for o in opts))
IDENTITY_OPTIONS = ('kind', 'region', 'id', 'name', 'destination_bucket_name')


def kind_of(value, option):
    text = str(value or '').strip()
    if text not in ALIASES:
        raise ValidationError(option, '%r is not a target kind (%s)' % (value, ', '.join(sorted(KINDS))))
    return KINDS[ALIASES[text]]


def flat_settings(spec):
    """The given settings of a target spec as dotted options (``application_consistent_backup.x``)."""
    out = {}
    for key, value in spec.items():
        if key in IDENTITY_OPTIONS or key == 'volumes' or value is None:
            continue
        if isinstance(value, dict):
            for sub, item in value.items():
                if item is not None:
                    out['%s.%s' % (key, sub)] = item
        else:
            out[key] = value
    return out


class Wanted:
    """One wanted target, validated and canonical."""

    def __init__(self, kind, ident, settings, volumes, index):
        self.kind = kind
        self.ident = ident
        self.settings = settings
        self.volumes = volumes
        self.index = index

    def key(self):
        return (self.kind.name,) + self.ident


def parse_targets(specs, option='targets', with_settings=True):
    """Validate the wanted targets (no request): kinds, identities, settings; duplicates refused."""
    out = []
    seen = {}
    for index, spec in enumerate(specs or ()):
        where = '%s[%d]' % (option, index)
        if not isinstance(spec, dict):
            raise ValidationError(where, 'expected a dictionary, got %r' % (spec,))
        kind = kind_of(spec.get('kind'), where + '.kind')
        ident = []
        for part in kind.identity:
            value = spec.get(part)
            if value in (None, ''):
                raise ValidationError('%s.%s' % (where, part), 'is required for %s %s target' % (
                    'an' if kind.label[0] in 'AEIOU' else 'a', kind.label))
            value = str(value).strip()
            if part == 'region':
                value = check_aws_region(value, '%s.region' % where)
            ident.append(value)
        for part in ('region', 'id', 'name', 'destination_bucket_name'):
            if part not in kind.identity and spec.get(part) not in (None, ''):
                raise ValidationError('%s.%s' % (where, part), 'does not apply to %s targets (identified by %s)' % (
                    kind.name, ' and '.join(kind.identity)))
        given = flat_settings(spec) if with_settings else {}
        fields = dict((f.option, f) for f in kind.settings)
        settings = {}
        for key, value in given.items():
            field = fields.get(key)
            if field is None:
                raise ValidationError('%s.%s' % (where, key), 'does not apply to %s targets%s' % (
                    kind.name, ' (settings: %s)' % ', '.join(sorted(fields)) if fields else ' (they have no settings)'))
            settings[key] = _normalize(field, value, '%s.%s' % (where, key))
        volumes = spec.get('volumes') if with_settings else None
        if volumes is not None:
            if kind.name != 'instance':
                raise ValidationError(where + '.volumes', 'applies to instance targets only')
            volumes = sorted(set(str(v).strip() for v in volumes))
        wanted = Wanted(kind, tuple(ident), settings, volumes, index)
        if wanted.key() in seen:
            raise ValidationError(where, 'the same %s is also %s[%d]' % (
                kind.describe(wanted.ident), option, seen[wanted.key()]))
        seen[wanted.key()] = index
        out.append(wanted)
    return out


def _normalize(field, value, where):
    saved = field.option
    field.option = where
    try:
        return field.normalize(value)
    finally:
        field.option = saved


def settings_changes(kind, item, wanted):
    """option -> (before, after) of the given settings that differ."""
    out = {}
    fields = dict((f.option, f) for f in kind.settings)
    for option, value in wanted.items():
        field = fields[option]
        before = field.from_api(item)
        if not field.equal(before, value):
            out[option] = (before, value)
    return out


def readable_settings(kind, values):
    fields = dict((f.option, f) for f in kind.settings)
    return dict((option, fields[option].mask(value)) for option, value in values.items())


def target_view(kind, item, volumes=None):
    """A target as modules return it: ``kind``, ``region``, ``id``/``name``, the CPM ``target_id``, the API's keys,
    coded settings readable (letters in ``<key>_code``)."""
    out = dict(item)
    out['kind'] = kind.name
    out['target_id'] = item.get('id')
    if kind.identity[0] == 'region':
        out['region'] = item.get('aws_region')
    for field in kind.settings:
        if field.kind != 'code':
            continue
        if '.' in field.key:
            continue
        letter = item.get(field.key)
        if letter is not None:
            out[field.key] = field.code.readable(letter)
            out[field.key + '_code'] = letter
    if volumes is not None:
        out['volumes'] = sorted(str(v.get('aws_resource_id')) for v in volumes)
    return out


def identity_view(kind, ident):
    out = {'kind': kind.name}
    out.update(dict(zip(kind.identity, ident)))
    return out


class PolicyTargets:
    """Reads and writes the targets of one policy."""

    def __init__(self, client, policy_id, warn=None):
        self.client = client
        self.policy_id = as_id(policy_id)
        self.base = 'policies/%d/' % self.policy_id
        self.warn = warn
        self.window = settle_time_of(client)

    def available(self, kind, what='list'):
        feature = {'list': 'targets_%s', 'add': 'targets_add_%s', 'update': 'targets_update_%s'}[what] % kind.family
        return feature in FEATURES and self.client.has(feature)

    def read(self, kind):
        return self.client.list(self.base + kind.path, feature='targets_%s' % kind.family)

    def read_all(self):
        """Every target through the generic list (1.1.0), each with its kind, or None when a kind cannot be told."""
        items = self.client.list(self.base + 'targets/', feature='targets_all')
        out = []
        for item in items:
            kind = kind_from_item(item)
            if kind is None:
                return None
            out.append((kind, item))
        return out

    def volumes(self, target_id):
        return self.client.list('%stargets/instances/%d/volumes/' % (self.base, as_id(target_id)),
                                feature='targets_instances')

    def add(self, wanted):
        kind = wanted.kind
        body = kind.identity_body(wanted.ident)
        payload = {}
        fields = dict((f.option, f) for f in kind.settings)
        for option, value in wanted.settings.items():
            payload.update(fields[option].to_api(value))
        body = deep_merge(body, unflatten(payload))
        path = self.base + kind.path
        feature = 'targets_add_%s' % kind.family
        try:
            return self.client.post(path, body, feature=feature)
        except ApiError as err:
            if err.landed is not None:
                raise

            def look():
                for item in self.read(kind):
                    if kind.api_identity(item) == wanted.ident:
                        return item
                return None
            outcome = look_after_lost(look, self.window)
            if outcome.state == VERIFIED:
                if self.warn is not None:
                    self.warn('the answer to the request that adds the %s was lost (%s); CPM shows it was added' % (
                        kind.describe(wanted.ident), err.message))
                return outcome.found
            raise conclude(err, outcome, 'the %s in the policy' % kind.describe(wanted.ident),
                           "the policy's targets in CPM", self.window)

    def update(self, kind, item, changes):
        """Full-body PUT of a target's settings."""
        writable = kind.writable()
        base = dict((k, copy.deepcopy(v)) for k, v in item.items() if k in writable)
        payload = {}
        fields = dict((f.option, f) for f in kind.settings)
        for option, (dummy, after) in changes.items():
            payload.update(fields[option].to_api(after))
        body = deep_merge(base, unflatten(payload))
        return self.client.put('%s%s%d/' % (self.base, kind.path, as_id(item['id'])), body,
                               feature='targets_update_%s' % kind.family)

    def remove(self, kind, item):
        return self.client.delete('%s%s%d/' % (self.base, kind.path, as_id(item['id'])),
                                  feature='targets_%s' % kind.family)

    def add_volume(self, target_id, volume_id):
        path = '%stargets/instances/%d/volumes/' % (self.base, as_id(target_id))
        try:
            return self.client.post(path, {'aws_resource_id': volume_id}, feature='targets_instances')
        except ApiError as err:
            if err.landed is not None:
                raise

            def look():
                for item in self.volumes(target_id):
                    if str(item.get('aws_resource_id')) == volume_id:
                        return item
                return None
            outcome = look_after_lost(look, self.window)
            if outcome.state == VERIFIED:
                return outcome.found
            raise conclude(err, outcome, 'the volume %s in the selection' % volume_id, 'the instance target in CPM',
                           self.window)

    def remove_volume(self, target_id, selection):
        path = '%stargets/instances/%d/volumes/%d/' % (self.base, as_id(target_id), as_id(selection['id']))
        return self.client.delete(path, feature='targets_instances')


def kind_from_item(item):
    """The kind of an item of the generic target list, by its ``resource_type`` (the family name, as
    ``GET /api/resource_types/`` lists it), else by the keys only one kind has; None when it cannot be told."""
    rtype = str(item.get('resource_type') or '')
    if rtype in ALIASES:
        return KINDS[ALIASES[rtype]]
    if 'destination_bucket_name' in item:
        return KINDS['s3_sync']
    if 'table_arn' in item or 'aws_resource_name' in item:
        return KINDS['dynamodb_table']
    if 'which_volumes' in item or 'ami_backup_option' in item:
        return KINDS['instance']
    if 'num_mount_targets' in item:
        return KINDS['efs']
    if 'node_type' in item:
        return KINDS['redshift_cluster']
    return None
