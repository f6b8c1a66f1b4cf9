# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM policies (seed Ch.13): the policy, its options, DR and copy-to-S3 settings, custom tags.

Readings:

* ``account`` is create-only (absent from the PUT body); the policy belongs to
  the account's owner.
* ``dr_enabled`` is one fact shown by the policy and by ``dr/``, and
  ``enable_agent_scripts`` one fact shown by the policy and by ``options/``:
  the modules write each through one option (``dr.dr_enabled``,
  ``enable_agent_scripts``) and carry the wanted value into the other
  endpoint's full body, so the two never fight.
* ``options/`` does not exist for the ``cpmdata`` policy (L25211).
* Custom tags (1.5.0) have no PUT: the list is converged as a set.
* Deleting a policy deletes its snapshots (L24039-L24040): the modules require
  an explicit confirmation and say how many backup records are affected.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    AUTO_REMOVE, CONSIDERED_SUCCESSFUL, PERIOD_UNIT,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import ASSUMED, Refs
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import (
    ChildSet, CPMField, CPMResourceType, Settings,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError

POLICY_WRITABLE = ('name', 'auto_remove_resource', 'description', 'dr_enabled', 'enable_agent_scripts', 'enabled',
                   'generations', 'schedules')
OPTIONS_WRITABLE = ('agent_script_timeout', 'collect_script_output', 'considered_successful', 'enable_agent_scripts',
                    'minutes_between_retries', 'num_failures_for_alert', 'number_of_retries')
S3_STORAGE_CLASSES = ('STANDARD', 'STANDARD_IA', 'INTELLIGENT_TIERING')
ARCHIVE_STORAGE_CLASSES = ('GLACIER', 'DEEP_ARCHIVE')


def _raw(value):
    return value


def _names_or_ids(values):
    return list(values)


def policy_fields():
    return [
        CPMField('name'),
        CPMField('account', kind='raw', create_only=True, normalize=_raw, parse=as_id),
        CPMField('description', nullable=True),
        CPMField('enabled', kind='bool'),
        CPMField('generations', kind='int', minimum=1),
        CPMField('auto_remove_resource', kind='code', code=AUTO_REMOVE),
        CPMField('schedules', kind='ids', normalize=_names_or_ids),
        CPMField('enable_agent_scripts', kind='bool'),
    ]


def option_fields():
    return [
        CPMField('agent_script_timeout', kind='int', minimum=1),
        CPMField('collect_script_output', kind='bool'),
        CPMField('considered_successful', kind='code', code=CONSIDERED_SUCCESSFUL),
        CPMField('minutes_between_retries', kind='int', minimum=0),
        CPMField('num_failures_for_alert', kind='int', minimum=1),
        CPMField('number_of_retries', kind='int', minimum=0),
    ]


def _upper_choice(choices):
    def check(value):
        text = str(value).strip().upper()
        if text not in choices:
            raise ValueError('%r is not one of %s' % (value, ', '.join(choices)))
        return text
    return check


def dr_fields():
    return [
        CPMField('dr_enabled', kind='bool'),
        CPMField('dr_frequency', kind='int', minimum=1),
        CPMField('dr_regions', kind='ids', normalize=_names_or_ids),
        CPMField('dr_timeout_hours', kind='int', minimum=1),
        CPMField('cross_account_dr.dr_account', 'cross_account_dr.dr_account', kind='raw', normalize=_raw,
                 parse=as_id),
        CPMField('cross_account_dr.dr_account_regions', 'cross_account_dr.dr_account_regions', kind='ids',
                 normalize=_names_or_ids),
        CPMField('cross_account_dr.copy_to_snapshot_original_region',
                 'cross_account_dr.copy_to_snapshot_original_region', kind='bool'),
        CPMField('cross_account_dr.dr_keep_original_snapshots', 'cross_account_dr.dr_keep_original_snapshots',
                 kind='bool'),
    ]


def copy_fields():
    return [
        CPMField('enabled', kind='bool'),
        CPMField('repository', kind='raw', normalize=_raw, parse=as_id),
        CPMField('copy_interval', kind='int', minimum=1),
        CPMField('delete_aws_snapshot_after_copy', kind='bool'),
        CPMField('s3_storage_class', normalize=_upper_choice(S3_STORAGE_CLASSES)),
        CPMField('archive_storage_class', normalize=_upper_choice(ARCHIVE_STORAGE_CLASSES)),
        CPMField('enable_copy_to_glacier', kind='bool'),
        CPMField('copy_to_glacier.every_how', 'copy_to_glacier.every_how', kind='int', minimum=1),
        CPMField('copy_to_glacier.every_unit', 'copy_to_glacier.every_unit', kind='code', code=PERIOD_UNIT),
        CPMField('retain_in_glacier.retain_duration', 'retain_in_glacier.retain_duration', kind='int', minimum=1),
        CPMField('retain_in_glacier.retain_unit', 'retain_in_glacier.retain_unit', kind='code', code=PERIOD_UNIT),
        CPMField('retention_generation_based.enabled', 'retention_generation_based.enabled', kind='bool'),
        CPMField('retention_generation_based.num_generations', 'retention_generation_based.num_generations',
                 kind='int', minimum=1),
        CPMField('retention_time_based.enabled', 'retention_time_based.enabled', kind='bool'),
        CPMField('retention_time_based.every_how_many', 'retention_time_based.every_how_many', kind='int', minimum=1),
        CPMField('retention_time_based.every_unit', 'retention_time_based.every_unit', kind='code', code=PERIOD_UNIT),
    ]


def flatten_given(given, prefix=''):
    """A module's nested sub-options as dotted keys, without the ones not given (None)."""
    out = {}
    for key, value in (given or {}).items():
        if isinstance(value, dict):
            out.update(flatten_given(value, '%s%s.' % (prefix, key)))
        elif value is not None:
            out[prefix + key] = value
    return out


class PolicyType(CPMResourceType):
    kind = 'policy'
    feature = 'policies'
    list_path = create_path = 'policies/'
    get_path = update_path = delete_path = 'policies/{id}/'
    writable = POLICY_WRITABLE

    def __init__(self, client, params=None, module=None):
        super(PolicyType, self).__init__(client, params)
        self.fields = policy_fields()
        self.refs = Refs(client, module)
        self.module = module
        #: Keys carried into the policy's full body for a fact written through another option (dr_enabled).
        self.overlay = {}
        self._account = False
        for field in self.fields:
            if field.option == 'schedules':
                field.display = self.schedule_names
            elif field.option == 'auto_remove_resource':
                field.display = AUTO_REMOVE.readable

    def schedule_names(self, ids):
        names = self.refs.schedule_names()
        return sorted(names.get(as_id(i), str(i)) for i in ids or ())

    def account_id(self):
        """The id of the ``account`` option (None when not given; ASSUMED when check mode assumes it)."""
        if self._account is False:
            ref = self.params.get('account')
            self._account = None if ref in (None, '') else self.refs.account_id(ref, 'account', 'backup')
        return self._account

    def find_by_name(self, name):
        account = self.account_id() if self.params.get('account') not in (None, '') else None
        return self.refs.policy(name, 'name', account=account, required=False)

    def list(self):
        return self.client.list(self.list_path, {'search': self.params.get('name')} if self.params.get('name')
                                else None, feature=self.feature)

    def validate(self, desired):
        if desired.get('name') == 'cpmdata' and self.params.get('options'):
            raise ValidationError('options', "the cpmdata policy has no options (the seed's L25211)")

    def resolve(self, desired):
        wanted = dict(desired)
        if wanted.get('account') not in (None, ''):
            wanted['account'] = self.account_id()
        if 'schedules' in wanted:
            wanted['schedules'] = sorted(set(self.refs.schedule_id(ref, 'schedules') for ref in wanted['schedules']))
        return wanted

    def create(self, payload):
        if payload.get('account') in (None, ''):
            raise ValidationError('account', 'is required to create a policy (the backup account it protects)')
        return super(PolicyType, self).create(dict(payload, **self.overlay))

    def put_body(self, current, payload):
        body = super(PolicyType, self).put_body(current, payload)
        body.update(self.overlay)
        return body

    def view(self, flat):
        return policy_view(flat, self.refs)


def policy_view(flat, refs=None):
    """A policy as modules return it: auto_remove_resource readable (letter in ``_code``), schedule names."""
    if not flat:
        return {}
    out = dict(flat)
    out['auto_remove_resource'] = AUTO_REMOVE.readable(flat.get('auto_remove_resource'))
    out['auto_remove_resource_code'] = flat.get('auto_remove_resource')
    if refs is not None and flat.get('schedules'):
        names = refs.schedule_names()
        out['schedule_names'] = [names.get(as_id(i), str(i)) for i in flat.get('schedules') or ()]
    else:
        out['schedule_names'] = []
    return out


# -- sub-resources ---------------------------------------------------------------------------------------------------

def options_settings(client, policy_id):
    return Settings(client, 'policies/%d/options/' % policy_id, option_fields(), 'policy options',
                    feature='policy_options', perm=None, writable=OPTIONS_WRITABLE)


def dr_settings(client, policy_id, refs=None):
    fields = dr_fields()
    if refs is not None:
        for field in fields:
            if field.option in ('dr_regions', 'cross_account_dr.dr_account_regions'):
                field.display = refs.region_names
    return Settings(client, 'policies/%d/dr/' % policy_id, fields, 'policy DR settings', feature='policy_dr',
                    perm=None)


def copy_settings(client, policy_id):
    return Settings(client, 'policies/%d/copy_to_s3/' % policy_id, copy_fields(), 'copy-to-S3 settings',
                    feature='policy_copy_to_s3', skip=('resource_type',))


def options_view(options):
    out = dict(options or {})
    if 'considered_successful' in out:
        out['considered_successful_code'] = out['considered_successful']
        out['considered_successful'] = CONSIDERED_SUCCESSFUL.readable(out['considered_successful'])
    return out


def dr_view(dr, refs):
    out = dict(dr or {})
    if 'dr_regions' in out:
        out['dr_region_ids'] = list(out.get('dr_regions') or [])
        out['dr_regions'] = refs.region_names(out.get('dr_regions')) if refs else out['dr_regions']
    cross = out.get('cross_account_dr')
    if isinstance(cross, dict) and 'dr_account_regions' in cross:
        cross = dict(cross)
        cross['dr_account_region_ids'] = list(cross.get('dr_account_regions') or [])
        cross['dr_account_regions'] = refs.region_names(cross.get('dr_account_regions')) if refs else \
            cross['dr_account_regions']
        out['cross_account_dr'] = cross
    return out


def copy_view(copy):
    out = dict(copy or {})
    for key, sub in (('copy_to_glacier', 'every_unit'), ('retain_in_glacier', 'retain_unit'),
                     ('retention_time_based', 'every_unit')):
        if isinstance(out.get(key), dict) and sub in out[key]:
            item = dict(out[key])
            item[sub + '_code'] = item[sub]
            item[sub] = PERIOD_UNIT.readable(item[sub])
            out[key] = item
    return out


def resolve_dr(wanted, refs):
    """Region names and the DR account of wanted DR settings as ids."""
    out = dict(wanted)
    if 'dr_regions' in out:
        out['dr_regions'] = refs.region_ids(out['dr_regions'], 'dr.dr_regions')
    key = 'cross_account_dr.dr_account_regions'
    if key in out:
        out[key] = refs.region_ids(out[key], 'dr.cross_account_dr.dr_account_regions')
    key = 'cross_account_dr.dr_account'
    if out.get(key) not in (None, ''):
        out[key] = refs.account_id(out[key], 'dr.cross_account_dr.dr_account', 'dr')
    return out


def check_dr_regions(wanted):
    """AWS region names of wanted DR settings, checked before any request."""
    from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import check_aws_region
    for key, option in (('dr_regions', 'dr.dr_regions'),
                        ('cross_account_dr.dr_account_regions', 'dr.cross_account_dr.dr_account_regions')):
        for name in wanted.get(key) or ():
            check_aws_region(name, option)


def resolve_copy(wanted, refs):
    out = dict(wanted)
    if out.get('repository') not in (None, ''):
        out['repository'] = refs.repository_id(out['repository'], 'copy_to_s3.repository')
    return out


# -- custom tags ---------------------------------------------------------------------------------------------------

def tag_identity(item):
    return (str(item.get('tag_name')), None if item.get('tag_value') in (None, '') else str(item.get('tag_value')),
            bool(item.get('name_is_prefix')), bool(item.get('value_is_prefix')))


def tag_body(item):
    ident = tag_identity(item)
    return {'tag_name': ident[0], 'tag_value': ident[1], 'name_is_prefix': ident[2], 'value_is_prefix': ident[3]}


def tag_view(item):
    out = tag_body(item)
    if item.get('id') is not None:
        out['id'] = item['id']
    return out


def custom_tags(client, policy_id, warn=None):
    return ChildSet(client, 'policies/%d/custom_tags/' % policy_id, 'custom tag', identity=tag_identity,
                    body=tag_body, view=tag_view, feature='custom_tags', warn=warn)


def check_tags(tags, option='custom_tags'):
    out = []
    for index, tag in enumerate(tags or ()):
        where = '%s[%d]' % (option, index)
        if not isinstance(tag, dict) or tag.get('tag_name') in (None, ''):
            raise ValidationError(where + '.tag_name', 'is required')
        out.append(tag_body(tag))
    return out


__all__ = ['PolicyType', 'ASSUMED']
