# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM recoveries (seed Ch.7 recover calls, Ch.14): every kind, the snapshot choice, "the same recovery".

* **Kinds.** Seven kinds of resource (:data:`KINDS`), recovered from a native
  snapshot, from a DR copy (volumes, RDS databases and clusters, EFS) or from
  the copies in S3 (instances and volumes): the 13 recover calls
  (``POST /api/backups/{backup_id}/snapshots/<family>/{snapshot_record_id}/recover[_from_s3]/``).
* **Options.** :data:`OPTIONS` lists every field of the 13 request bodies
  under a module option name with readable values (letters accepted too), and
  the (kind, source) pairs it applies to.  An option that does not apply to
  the kind (or source) asked is refused before any request: CPM ignores body
  keys it does not know, so nobody else would say so.
* **The snapshot.** By backup id, or "the latest recoverable backup of policy
  P that has a usable snapshot of resource R", optionally started before a
  point in time (:class:`Selection`).
* **The same recovery** (idempotency, :meth:`RecoveryJob.existing`): a record
  of the same backup and recovery type that a scenario did not make, and

  - when CPM's records name their snapshot record and target (some servers
    add ``snapshot_record_id``, ``target_name``, ``target_account``,
    ``target_region``): the same snapshot record and target, exactly;
  - otherwise (the seed's record has neither): a finished successful or
    partial record whose ``recovered_resource_ids`` hold
    ``(original: <source id>)`` and, for the kinds recovered under a chosen
    name (RDS, Aurora, Redshift, DynamoDB), ``<name> (original: ...)``.  A
    record still running whose ids are empty is waited for, then compared.
    Limits: the target account and region of instance, volume and EFS
    recoveries are invisible in such a record, and a recovery from a DR copy
    or from S3 looks like one from the native snapshot, so two recoveries of
    one source to different places look alike (``recover_again`` starts
    another one anyway).

  A failed record never counts: running the task again recovers again.
* **Waiting**: ``GET recoveries/{id}/`` until ``status`` is not ``P`` (``R``
  success, ``A`` partial, ``F`` failed); the S3 and Glacier sub-statuses are
  shown, never waited on.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy
import re
import time

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.backups import SNAPSHOT_FAMILIES
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import FEATURES, as_id, is_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    AMI_HANDLING, PLACEMENT, RECOVERY_STATUS, RECOVERY_TYPE, RESTORE_FROM, RETRIEVAL_TIER, S3_STATUS, TARGET_EFS,
    Code,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import iso, parse_datetime
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_single_line, is_ipv4, parse_int,
)

NATIVE, DR, S3 = 'native', 'dr', 's3'
SOURCES = (NATIVE, DR, S3)


class Kind:
    """A kind of resource CPM recovers: its recovery type letter, snapshot families and recover calls."""

    def __init__(self, name, letter, family, label, since, dr=None, s3_since=None, named=None):
        self.name = name
        self.letter = letter
        self.family = family
        self.label = label
        self.dr = dr              # (DR family, Initial Release) or None
        self.s3_since = s3_since  # Initial Release of recover_from_s3, or None
        self.named = named        # body key of the new resource's name (required), or None
        self.calls = {NATIVE: (family, 'recover', since)}
        if dr:
            self.calls[DR] = (dr[0], 'recover', dr[1])
        if s3_since:
            self.calls[S3] = (family, 'recover_from_s3', s3_since)
        for source, (fam, action, release) in self.calls.items():
            FEATURES[self.feature(source)] = (release, 'recovering %s%s (POST .../snapshots/%s/{id}/%s/)' % (
                label, {NATIVE: '', DR: ' from a DR copy', S3: ' from S3'}[source], fam, action))

    def feature(self, source):
        return 'recover_%s_%s' % (self.name, source)

    def sources(self):
        return [s for s in SOURCES if s in self.calls]


KINDS = dict((kind.name, kind) for kind in (
    Kind('instance', 'I', 'instances', 'an EC2 instance', '1.3.0', s3_since='1.3.0'),
    Kind('volume', 'V', 'volumes', 'an EBS volume', '1.2.0', dr=('dr_volumes', '1.2.0'), s3_since='1.2.0'),
    Kind('rds_database', 'R', 'rds_databases', 'an RDS database', '1.1.0', dr=('dr_rds_databases', '1.1.0'),
         named='aws_resource_id'),
    Kind('rds_cluster', 'A', 'rds_clusters', 'an RDS/Aurora cluster', '1.1.0', dr=('dr_rds_clusters', '1.1.0'),
         named='aws_resource_id'),
    Kind('redshift_cluster', 'C', 'redshift_clusters', 'a Redshift cluster', '1.1.0', named='aws_resource_id'),
    Kind('dynamodb_table', 'D', 'dynamodb_tables', 'a DynamoDB table', '1.1.0', named='aws_resource_name'),
    Kind('efs', 'E', 'efs', 'an EFS file system', '1.3.0', dr=('dr_efs', '1.5.0')),
))
KIND_BY_LETTER = dict((kind.letter, kind) for kind in KINDS.values())
KIND_BY_FAMILY = dict((kind.family, kind) for kind in KINDS.values())
#: The snapshot families (their FEATURES lines come with them).
FAMILIES = tuple(sorted(SNAPSHOT_FAMILIES))

#: Backup statuses a recovery may start from ("a successful backup that wasn't deleted"): successful, moved to
#: S3/Glacier; with ``partial_backups`` also the partial ones (the snapshot itself must have succeeded).
RECOVERABLE = ('B', 'M', 'G')
RECOVERABLE_PARTIAL = ('A', 'S')
PERFORMANCE_MODE = Code('performance_mode', [('generalPurpose', 'general_purpose', 'General Purpose'),
                                             ('maxIO', 'max_io', 'Max I/O')])
TEXT_CHOICES = {
    'architecture': ('i386', 'x86_64', 'arm64'),
    'auto_assign_public_ip': ('default', 'enable', 'disable'),
    'tenancy': ('default', 'dedicated', 'host'),
    'shutdown_behaviour': ('stop', 'terminate'),
    'storage_type': ('standard', 'io1', 'gp2'),
    'attach_behaviour': ('attach_free', 'switch_no_delete', 'switch_and_delete'),
    'volume_type': ('standard', 'io1', 'gp2', 'st1', 'sc1'),
}

ALL = ('instance', 'volume', 'rds_database', 'rds_cluster', 'redshift_cluster', 'dynamodb_table', 'efs')
ANY = (NATIVE, DR, S3)


class Opt:
    """One recover option: the module option, the body key, its kind of value, where it applies."""

    def __init__(self, option, key=None, kind='str', kinds=ALL, sources=ANY, code=None, minimum=None, sub=None,
                 secret=False, description=None):
        self.option = option
        self.key = key or option
        self.kind = kind
        self.kinds = kinds
        self.sources = sources
        self.code = code
        self.minimum = minimum
        self.sub = sub            # dict/list of dicts: {suboption: Opt}
        self.secret = secret
        self.description = description

    def applies(self, kind, source):
        return kind in self.kinds and source in self.sources

    def where(self):
        kinds = ', '.join(self.kinds)
        if self.sources == (S3,):
            return '%s recovered from S3 (source=s3)' % kinds
        return kinds


def _sub(*opts):
    return dict((o.option, o) for o in opts)


CREDENTIALS = _sub(Opt('aws_access_key', secret=False), Opt('aws_secret_key', secret=True))
RETRIEVE = _sub(Opt('retrieval_tier', kind='code', code=RETRIEVAL_TIER), Opt('days_to_keep', kind='int', minimum=1))
WORKER = _sub(
    Opt('aws_vpc'), Opt('aws_subnet'), Opt('aws_security_group'), Opt('aws_key_pair'),
    Opt('requires_http_proxy', kind='bool'), Opt('http_proxy_address'), Opt('http_proxy_port', kind='int', minimum=1),
    Opt('http_proxy_user_name'), Opt('http_proxy_password', key='http_proxy_password_encrypted', secret=True))
EPHEMERAL = _sub(Opt('device'), Opt('ephemeral', key='epehemeral'))
INSTANCE_VOLUME = _sub(
    Opt('volume_id'), Opt('device'), Opt('capacity', kind='int', minimum=1), Opt('iops', kind='int', minimum=0),
    Opt('volume_type', kind='choice'), Opt('delete_on_termination', kind='bool'), Opt('preserve_tags', kind='bool'))
REQUIRED_SUB = {'retrieve_options': ('retrieval_tier',), 'worker_configuration': ('aws_vpc', 'aws_subnet',
                                                                                  'aws_security_group'),
                'instance_volumes': ('volume_id',)}

I, V = ('instance',), ('volume',)
IV = ('instance', 'volume')
RDS = ('rds_database',)
AUR = ('rds_cluster',)
NAMED = ('rds_database', 'rds_cluster', 'redshift_cluster', 'dynamodb_table')

#: Every field of the 13 recover bodies (seed 7.12 ... 7.68), as module options.
OPTIONS = [
    # names of the new resource (required for these kinds)
    Opt('name', key=None, kinds=NAMED),
    Opt('db_instance_name', key='aws_dbinstance_id', kinds=AUR),
    # where to
    Opt('to_account', kind='account', kinds=('instance', 'volume', 'rds_database', 'rds_cluster')),
    Opt('from_account', kind='account', kinds=I),
    Opt('to_region', kind='region', kinds=IV, sources=(NATIVE, DR, S3)),
    Opt('zone', kinds=('instance', 'volume', 'rds_database', 'rds_cluster', 'redshift_cluster')),
    Opt('credentials', kind='dict', sub=CREDENTIALS),
    Opt('preserve_tags', kind='bool', kinds=('instance', 'volume', 'efs')),
    Opt('encryption_key', kinds=('instance', 'volume', 'efs')),
    # databases
    Opt('db_instance_class', kinds=RDS + AUR),
    Opt('instance_type', kinds=I + AUR),
    Opt('subnet_group_name', kinds=RDS + AUR + ('redshift_cluster',)),
    Opt('iops', kind='int', minimum=0, kinds=RDS + V),
    Opt('multi_az', kind='bool', kinds=RDS),
    Opt('port', kind='int', minimum=1, kinds=RDS + ('redshift_cluster',)),
    Opt('publicly_accessible', kind='bool', kinds=RDS + ('redshift_cluster',)),
    Opt('storage_type', kind='choice', kinds=RDS),
    # EFS
    Opt('target_efs', kind='code', code=TARGET_EFS, kinds=('efs',)),
    Opt('performance_mode', kind='code', code=PERFORMANCE_MODE, kinds=('efs',)),
    Opt('iam_role_arn', kinds=('efs',)),
    # volumes
    Opt('attach_behaviour', kind='choice', kinds=V),
    Opt('attach_to', kinds=V),
    Opt('device', kinds=V),
    Opt('volume_type', key='aws_resource_type', kinds=V),
    Opt('capacity', kind='int', minimum=1, kinds=V),
    # instances
    Opt('restore_from', kind='code', code=RESTORE_FROM, kinds=I),
    Opt('image_id', kinds=I),
    Opt('ami_handling', kind='code', code=AMI_HANDLING, kinds=I),
    Opt('architecture', kind='choice', kinds=I),
    Opt('num_instances_to_recover', kind='int', minimum=1, kinds=I),
    Opt('placement', kind='code', code=PLACEMENT, kinds=I),
    Opt('placement_group', kinds=I),
    Opt('vpc', kind='list', kinds=I),
    Opt('vpc_subnet_id', kind='list', kinds=I),
    Opt('vpc_assign_ip', kinds=I),
    Opt('auto_assign_public_ip', kind='choice', kinds=I),
    Opt('security_groups', kind='list', kinds=I),
    Opt('additional_nics', kind='list', kinds=I),
    Opt('key_pair', kinds=I),
    Opt('instance_profile_arn', kinds=I),
    Opt('kernel_id', kinds=I),
    Opt('ram_disk_id', kinds=I),
    Opt('tenancy', kind='choice', kinds=I),
    Opt('shutdown_behaviour', kind='choice', kinds=I),
    Opt('disable_api_termination', kind='bool', kinds=I),
    Opt('ebs_optimized', kind='bool', kinds=I),
    Opt('monitored', kind='bool', kinds=I),
    Opt('ena_support', kind='bool', kinds=I),
    Opt('user_data', kinds=I),
    Opt('ephemeral_devices', kind='dicts', sub=EPHEMERAL, kinds=I),
    Opt('instance_volumes', kind='dicts', sub=INSTANCE_VOLUME, kinds=I),
    Opt('use_default_volume_encryption_keys', kind='bool', kinds=I, sources=(S3,)),
    # recovery from S3
    Opt('retrieve_options', kind='dict', sub=RETRIEVE, kinds=IV, sources=(S3,)),
    Opt('worker_configuration', kind='dict', sub=WORKER, kinds=IV, sources=(S3,)),
]
OPTION_BY_NAME = dict((opt.option, opt) for opt in OPTIONS)
#: Secret sub-options (masked in every output).
SECRET_PATHS = (('credentials', 'aws_secret_key'), ('worker_configuration', 'http_proxy_password_encrypted'))


def option_argument_spec():
    """The recover options as an argument spec (``cpm_recovery``)."""
    spec = {}
    for opt in OPTIONS:
        spec[opt.option] = _spec_of(opt)
    return spec


def _spec_of(opt):
    if opt.kind in ('dict', 'dicts'):
        sub = dict((name, _spec_of(child)) for name, child in opt.sub.items())
        if opt.kind == 'dict':
            return dict(type='dict', options=sub, no_log=False)
        return dict(type='list', elements='dict', options=sub)
    out = {'bool': dict(type='bool'), 'int': dict(type='int'), 'list': dict(type='list', elements='str')}.get(
        opt.kind, dict(type='str'))
    if opt.kind == 'code':
        out['choices'] = opt.code.choices()
    elif opt.kind == 'choice':
        out['choices'] = list(TEXT_CHOICES[opt.option])
    if opt.secret:
        out['no_log'] = True
    elif _LOOKS_SECRET.search(opt.option):
        out['no_log'] = False  # a key pair or a key's ARN is no secret
    return out


_LOOKS_SECRET = re.compile(r'pass(?!ive)|secret|token|key', re.IGNORECASE)


# -- values -------------------------------------------------------------------------------------------------------------

def _bool(value, option):
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ('true', 'yes', 'on', '1'):
        return True
    if text in ('false', 'no', 'off', '0'):
        return False
    raise ValidationError(option, 'expected a boolean, got %r' % (value,))


def _text(value, option):
    if isinstance(value, (dict, list)):
        raise ValidationError(option, 'expected a string, got %r' % (value,))
    text = str(value)
    check_single_line(text, option)
    return text


def convert(opt, value, option, kind=None):
    """A user value -> its body value (ValidationError naming ``option``). Accounts and regions stay names here."""
    if value is None:
        return None
    if opt.kind == 'bool':
        return _bool(value, option)
    if opt.kind == 'int':
        return parse_int(value, option, minimum=opt.minimum)
    if opt.kind == 'code':
        return opt.code.to_api(value, option)
    if opt.kind == 'choice':
        text = str(value).strip()
        choices = TEXT_CHOICES[opt.option]
        if text not in choices:
            raise ValidationError(option, '%r is not one of %s' % (value, ', '.join(choices)))
        return text
    if opt.kind == 'list':
        items = value if isinstance(value, (list, tuple)) else [value]
        return [_text(item, option) for item in items]
    if opt.kind in ('dict', 'dicts'):
        items = value if opt.kind == 'dicts' else [value]
        if opt.kind == 'dicts' and not isinstance(value, (list, tuple)):
            raise ValidationError(option, 'expected a list of dictionaries, got %r' % (value,))
        out = []
        for index, item in enumerate(items):
            where = '%s[%d]' % (option, index) if opt.kind == 'dicts' else option
            if not isinstance(item, dict):
                raise ValidationError(where, 'expected a dictionary, got %r' % (item,))
            unknown = sorted(set(item) - set(opt.sub))
            if unknown:
                raise ValidationError(where, 'unknown keys %s (known: %s)' % (', '.join(unknown), ', '.join(sorted(opt.sub))))
            body = {}
            for name, child in opt.sub.items():
                if item.get(name) is not None:
                    body[child.key] = convert(child, item[name], '%s.%s' % (where, name))
            for name in REQUIRED_SUB.get(opt.option, ()):
                if body.get(opt.sub[name].key) in (None, ''):
                    raise ValidationError('%s.%s' % (where, name), 'is required')
            out.append(body)
        return out if opt.kind == 'dicts' else out[0]
    if opt.kind == 'region':
        return check_aws_region(value, option)
    return _text(value, option)


def recover_options(given, kind, source, prefix=''):
    """``{option: body value}`` of the given recover options, each checked to apply to ``kind``/``source`` (before
    any request); accounts and regions are still names (see :func:`resolve_body`)."""
    out = {}
    for option in sorted(given):
        value = given[option]
        if value is None:
            continue
        opt = OPTION_BY_NAME.get(option)
        where = prefix + option
        if opt is None:
            raise ValidationError(where, 'is not a recover option (known: %s)' % ', '.join(sorted(OPTION_BY_NAME)))
        if not opt.applies(kind, source):
            raise ValidationError(where, 'does not apply to the recovery of %s%s; it is an option of %s' % (
                KINDS[kind].label, {NATIVE: '', DR: ' from a DR copy', S3: ' from S3'}[source], opt.where()))
        out[option] = convert(opt, value, where, kind)
    return out


def check_combinations(options, kind, source, prefix=''):
    """Cross-option rules CPM would otherwise answer with a 400 (or ignore)."""
    named = KINDS[kind].named
    if named and not options.get('name'):
        raise ValidationError(prefix + 'name', 'is required to recover %s: the name of the new resource (CPM\'s %s)'
                              % (KINDS[kind].label, named))
    if kind == 'rds_cluster' and not options.get('db_instance_name'):
        raise ValidationError(prefix + 'db_instance_name', 'is required to recover an RDS/Aurora cluster: the name of '
                              'its new DB instance (CPM\'s aws_dbinstance_id)')
    if options.get('attach_behaviour') and not options.get('attach_to'):
        raise ValidationError(prefix + 'attach_behaviour', 'needs attach_to (the instance to attach the volume to)')
    if options.get('device') and not options.get('attach_to'):
        raise ValidationError(prefix + 'device', 'is used only when attaching the volume: give attach_to too')
    if options.get('placement') == 'G' and not options.get('placement_group'):
        raise ValidationError(prefix + 'placement_group', 'is required with placement=placement_group')
    address = options.get('vpc_assign_ip')
    if address:
        if not is_ipv4(address):
            raise ValidationError(prefix + 'vpc_assign_ip', '%r is not an IPv4 address' % address)
        if (options.get('num_instances_to_recover') or 1) > 1:
            raise ValidationError(prefix + 'vpc_assign_ip', 'a fixed IP address can be given to one instance only '
                                  '(num_instances_to_recover is %s)' % options['num_instances_to_recover'])
    if options.get('storage_type') not in (None, 'io1') and options.get('iops'):
        raise ValidationError(prefix + 'iops', 'applies only to storage_type io1 (CPM sets 0 otherwise)')
    worker = options.get('worker_configuration') or {}
    if worker.get('requires_http_proxy') and not worker.get('http_proxy_address'):
        raise ValidationError(prefix + 'worker_configuration.http_proxy_address', 'is required with '
                              'requires_http_proxy=true')
    zone, region = options.get('zone'), options.get('to_region')
    if zone and region and not zone.startswith(region):
        raise ValidationError(prefix + 'zone', '%s is not a zone of to_region %s' % (zone, region))


def body_of(options, kind, source):
    """The recover body (API keys) of converted options; names of accounts and regions are resolved later."""
    body = {}
    for option, value in options.items():
        opt = OPTION_BY_NAME[option]
        if option == 'name':
            body[KINDS[kind].named] = value
        elif option == 'to_region':
            body['to_region' if kind == 'instance' else 'region'] = value
        elif option == 'user_data':
            body['enable_user_data'] = True
            body['user_data'] = value
        else:
            body[opt.key] = value
    return body


def resolve_body(body, kind, client, refs, prefix=''):
    """Account names -> ids (RDS and Aurora take them as strings, L16743), region names -> CPM region ids for an
    instance's ``to_region`` (an integer, L12989); a volume from S3 takes the region name (L18966)."""
    out = dict(body)
    for key in ('to_account', 'from_account'):
        if out.get(key) not in (None, ''):
            account = account_id(refs, out[key], prefix + key)
            out[key] = str(account) if kind in ('rds_database', 'rds_cluster') else account
    if kind == 'instance' and out.get('to_region') not in (None, ''):
        out['to_region'] = refs.region_ids([out['to_region']], prefix + 'to_region')[0]
    return out


def account_id(refs, ref, option):
    """A backup or DR account (name or id) -> its id; None (check mode, warned) when it does not exist."""
    if is_id(ref):
        number = as_id(ref)
        for kind in ('backup', 'dr'):
            if refs.client.get_or_none('accounts/%s/%d/' % (kind, number), feature='accounts') is not None:
                return number
        raise ValidationError(option, 'no account has the id %s' % ref)
    for kind in ('backup', 'dr'):
        items = [a for a in refs.client.list('accounts/%s/' % kind, {'name': str(ref)}, feature='accounts')
                 if a.get('name') == str(ref)]
        if len(items) > 1:
            raise ValidationError(option, '%d accounts are named %r (ids %s); give the id' % (
                len(items), ref, ', '.join(str(a.get('id')) for a in items)))
        if items:
            return as_id(items[0]['id'])
    raise ValidationError(option, 'no backup or DR account is named %r' % (ref,))


def masked_body(body):
    """The body as results show it (secrets masked)."""
    out = copy.deepcopy(body)
    for top, key in SECRET_PATHS:
        if isinstance(out.get(top), dict) and out[top].get(key) not in (None, ''):
            out[top][key] = MASK
    return out


# -- records ---------------------------------------------------------------------------------------------------------------

_IDS_RE = re.compile(r'\s*([^,()]+?)\s*\(original:\s*([^)]*?)\s*\)\s*')


def recovered_resources(text):
    """``"NEW (original: OLD),..."`` -> ``[{id, original}]``."""
    out = []
    for part in str(text or '').split(','):
        if not part.strip():
            continue
        match = _IDS_RE.fullmatch(part)
        if match:
            out.append({'id': match.group(1), 'original': match.group(2)})
        else:
            out.append({'id': part.strip(), 'original': None})
    return out


def progress(value):
    """``progress_percent`` as an integer: the seed's one-element list, or a plain number."""
    if isinstance(value, list):
        value = value[0] if value else None
    try:
        return int(float(value)) if value is not None and value != '' else None
    except (TypeError, ValueError):
        return None


def phase_view(value):
    if not isinstance(value, dict):
        return value
    return {'status': S3_STATUS.readable(value.get('status')), 'status_code': value.get('status'),
            'progress_percent': progress(value.get('progress_percent'))}


def recovery_view(record):
    """A recovery record as modules return it: statuses and type readable (letters in ``*_code``), progress as an
    integer, the recovered resources as a list."""
    if not record:
        return {}
    out = dict(record)
    status = record.get('status')
    out['status'] = RECOVERY_STATUS.readable(status)
    out['status_code'] = status
    out['status_text'] = RECOVERY_STATUS.label(status)
    out['recovery_type'] = RECOVERY_TYPE.readable(record.get('recovery_type'))
    out['recovery_type_code'] = record.get('recovery_type')
    for key in ('s3_recover_status', 'glacier_retrieve_status'):
        if key in record:
            out[key] = phase_view(record[key])
    out['recovered_resources'] = recovered_resources(record.get('recovered_resource_ids'))
    return out


def recovery_state(record):
    """``(job state, readable status)`` of a recovery record."""
    if not record:
        return RUNNING, 'not visible yet'
    status = record.get('status')
    text = RECOVERY_STATUS.readable(status)
    return {'P': RUNNING, 'R': SUCCESS, 'A': PARTIAL, 'F': FAILED}.get(status, UNKNOWN), text


def is_from_s3(record):
    """Whether a record is a recovery from S3: said by an extended record, else seen in its sub-statuses."""
    if 'recover_from_s3' in record:
        return bool(record['recover_from_s3'])
    for key in ('s3_recover_status', 'glacier_retrieve_status'):
        phase = record.get(key)
        if isinstance(phase, dict) and phase.get('status') not in (None, 'Z'):
            return True
    return None


class Recoveries:
    """Reads of recovery records."""

    def __init__(self, client):
        self.client = client

    def get(self, recovery_id):
        return self.client.get_or_none('recoveries/%d/' % as_id(recovery_id), feature='recoveries')

    def logs(self, recovery_id):
        answer = self.client.get('recoveries/%d/logs/' % as_id(recovery_id), feature='recoveries')
        return answer if isinstance(answer, list) else (answer or {}).get('results', [])

    def of_policy(self, policy_id, since=None):
        """The policy's recovery records, newest first, down to ``since`` (epoch seconds; a record older than it
        ends the walk)."""
        out = []
        for record in self.client.pages('recoveries/', {'policy': as_id(policy_id), 'ordering': '-recovery_time'},
                                        feature='recoveries', page_size=100):
            started = epoch_of(record.get('recovery_time'))
            if since is not None and started is not None and started < since - 60:
                break
            out.append(record)
        return out


def epoch_of(value):
    try:
        return parse_datetime(value) if value else None
    except ValueError:
        return None


def last_log_time(lines):
    times = [epoch_of(line.get('log_time')) for line in lines or () if isinstance(line, dict)]
    times = [t for t in times if t is not None]
    return max(times) if times else None


# -- the snapshot -------------------------------------------------------------------------------------------------------

def live(record):
    succeeded = record.get('succeeded', True)
    if isinstance(succeeded, str):
        succeeded = succeeded.strip().lower() == 'true'
    return record.get('deletion_time') in (None, '') and succeeded is not False


class Selection:
    """Which backup and snapshot record a recovery starts from (reads only)."""

    #: Backups of a policy examined for "the latest" before giving up.
    SCAN = 100

    def __init__(self, client, module, kind, source, resource, region=None, backup=None, policy=None, before=None,
                 dr_region=None, snapshot_id=None, partial_backups=False):
        self.client = client
        self.module = module
        self.kind = KINDS[kind]
        self.source = source
        self.resource = resource
        self.region = region
        self.backup_id = backup
        self.policy_ref = policy
        self.before = before
        self.dr_region = dr_region
        self.snapshot_id = snapshot_id
        self.partial = partial_backups
        self.family, self.action = self.kind.calls[source][:2]
        self.refs = Refs(client, module)
        self.skipped = []  # backups passed over, with the reason (for messages)

    def statuses(self):
        return RECOVERABLE + (RECOVERABLE_PARTIAL if self.partial else ())

    def choose(self):
        """``(backup, snapshot record)``; ValidationError naming the option when there is none."""
        if self.backup_id is not None:
            backup = self.client.get_or_none('backups/%d/' % self.backup_id, feature='backups')
            if backup is None:
                raise ValidationError('backup', 'no backup record has the id %s' % self.backup_id)
            problem = self.backup_problem(backup)
            if problem:
                raise ValidationError('backup', 'backup %s cannot be recovered from: %s' % (self.backup_id, problem))
            record, why = self.record_in(backup)
            if record is None:
                raise ValidationError('resource' if self.snapshot_id is None else 'snapshot_id', why)
            return backup, record
        policy = self.refs.policy(self.policy_ref, 'policy')
        if policy is None:  # check mode: an earlier task would create it (warned)
            return None, None
        scanned = 0
        for backup in self.client.pages('backups/', {'policy': as_id(policy['id']), 'ordering': '-start_time'},
                                        feature='backups', page_size=25):
            scanned += 1
            if scanned > self.SCAN:
                break
            started = epoch_of(backup.get('start_time'))
            if self.before is not None and (started is None or started > self.before):
                continue
            problem = self.backup_problem(backup)
            if problem:
                self.skipped.append('%s: %s' % (backup.get('id'), problem))
                continue
            record, why = self.record_in(backup)
            if record is not None:
                return backup, record
            self.skipped.append('%s: %s' % (backup.get('id'), why))
        raise ValidationError('policy', 'policy %s has no %sbackup%s with a usable %s of %s%s%s' % (
            policy.get('name'), 'successful or partial ' if self.partial else 'successful ',
            ' started before %s' % iso(self.before) if self.before is not None else '', self.what(), self.resource,
            ' in %s' % self.region if self.region else '',
            ' (looked at: %s)' % '; '.join(self.skipped[:8]) if self.skipped else ' (it has no backup yet)'))

    def what(self):
        return {NATIVE: '%s snapshot' % self.family, DR: 'DR copy (%s)' % self.family,
                S3: 'copy in S3'}[self.source]

    def backup_problem(self, backup):
        status = backup.get('status')
        if status not in self.statuses():
            return 'its status is %s%s' % (status, '' if self.partial or status not in RECOVERABLE_PARTIAL
                                           else ' (partial: set partial_backups=true to use it)')
        if backup.get('marked_for_deletion'):
            return 'it is marked for deletion'
        if backup.get('is_recoverable') is False:
            return 'CPM says it is not recoverable'
        return None

    def records(self, backup, family):
        return self.client.list('backups/%d/snapshots/%s/' % (as_id(backup['id']), family),
                                feature='snapshots_%s' % family)

    def record_in(self, backup):
        """``(record, None)`` or ``(None, why not)``."""
        records = self.records(backup, self.family)
        if self.snapshot_id is not None:
            found = [r for r in records if as_id(r.get('id')) == self.snapshot_id]
            if not found:
                return None, 'backup %s has no %s snapshot record %s' % (backup.get('id'), self.family, self.snapshot_id)
        else:
            found = [r for r in records if self.resource in (r.get('backed_up_resource_id'),
                                                             r.get('backed_up_resource_name'))]
            if self.region and self.source != DR:
                found = [r for r in found if r.get('region') == self.region]
            if self.source == DR and self.dr_region:
                found = [r for r in found if r.get('region') == self.dr_region]
            if not found:
                have = sorted(set('%s (%s)' % (r.get('backed_up_resource_id'), r.get('region')) for r in records))
                return None, 'backup %s has no %s of %s%s%s (it has: %s)' % (
                    backup.get('id'), self.what(), self.resource,
                    ' in %s' % (self.dr_region if self.source == DR and self.dr_region else self.region)
                    if self.region or self.dr_region else '', '', ', '.join(have) or 'none of that kind')
        usable = [r for r in found if self.usable(backup, r)[0]]
        if not usable:
            return None, self.usable(backup, found[0])[1]
        if len(usable) > 1:
            places = ', '.join(sorted('%s in %s (record %s)' % (r.get('backed_up_resource_id'), r.get('region'),
                                                                r.get('id')) for r in usable))
            option = 'dr_region' if self.source == DR else 'region'
            raise ValidationError(option, 'backup %s has %d %ss of %s: %s; give %s to choose' % (
                backup.get('id'), len(usable), self.what(), self.resource, places, option))
        return usable[0], None

    def usable(self, backup, record):
        """``(True, None)`` or ``(False, why)``: a succeeded live snapshot (an instance: live volume snapshots or
        an AMI; from S3: live copies)."""
        bid = backup.get('id')
        if self.family == 'instances':
            instance = record.get('backed_up_resource_id')
            volumes = [v for v in self.records(backup, 'volumes') if v.get('instance_id') == instance]
            if self.source == S3:
                copies = [c for c in self.records(backup, 'copy_to_s3') if c.get('instance_id') == instance and live(c)]
                return (True, None) if copies else (False, 'backup %s has no live copy in S3 of instance %s' % (
                    bid, instance))
            if any(live(v) for v in volumes):
                return True, None
            amis = [a for a in self.records(backup, 'only_amis') if a.get('backed_up_resource_id') == instance]
            if any(live(a) for a in amis):
                return True, None
            return False, 'the snapshots of instance %s in backup %s failed or were deleted' % (instance, bid)
        if not live(record):
            return False, 'the %s snapshot of %s in backup %s %s' % (
                self.family, record.get('backed_up_resource_id'), bid,
                'was deleted' if record.get('deletion_time') else 'did not succeed')
        if self.source == S3:
            if not record.get('instance_id'):
                return False, ('volume %s is not a volume of an instance backup: CPM recovers only those from S3 '
                               '(L18976)' % record.get('backed_up_resource_id'))
            copies = [c for c in self.records(backup, 'copy_to_s3')
                      if c.get('backed_up_resource_id') == record.get('backed_up_resource_id') and live(c)]
            if not copies:
                return False, 'backup %s has no live copy in S3 of volume %s' % (bid, record.get('backed_up_resource_id'))
        return True, None


def snapshot_view(record, family):
    out = dict(record)
    out['family'] = family
    return out


# -- "the same recovery" -----------------------------------------------------------------------------------------------------

class Identity:
    """What a recovery is: its backup, snapshot record, type and target (see the module docstring)."""

    def __init__(self, backup, record, kind, source, body, target_account, target_region):
        self.backup_id = as_id(backup['id'])
        self.backup_start = epoch_of(backup.get('start_time'))
        self.policy_id = as_id(backup.get('policy'))
        self.record_id = as_id(record['id'])
        self.source_id = record.get('backed_up_resource_id')
        self.kind = KINDS[kind]
        self.source = source
        self.name = body.get(self.kind.named) if self.kind.named else None
        self.target_account = target_account
        self.target_region = target_region

    def candidate(self, rec):
        """A record of the same backup and type that a scenario run did not make."""
        return (as_id(rec.get('backup_record')) == self.backup_id and rec.get('recovery_type') == self.kind.letter
                and rec.get('recovery_scenario_record') in (None, '') and not rec.get('recovery_scenario_id'))

    def extended(self, rec):
        return 'snapshot_record_id' in rec

    def same(self, rec):
        """True / False, or None when the record cannot tell yet (running, no ids)."""
        if rec.get('status') == 'F':
            return False
        if self.extended(rec):
            if as_id(rec.get('snapshot_record_id')) != self.record_id:
                return False
            if 'recover_from_s3' in rec and bool(rec['recover_from_s3']) != (self.source == S3):
                return False
            if self.name is not None and rec.get('target_name') != self.name:
                return False
            if self.target_account is not None and as_id(rec.get('target_account')) != self.target_account:
                return False
            if self.target_region is not None and rec.get('target_region') != self.target_region:
                return False
            return True
        ids = recovered_resources(rec.get('recovered_resource_ids'))
        if not ids:
            return None if rec.get('status') == 'P' else False
        for item in ids:
            if item['original'] != self.source_id:
                continue
            if self.name is None or item['id'] == self.name:
                return True
        return False

    def how(self, rec):
        return ('its snapshot record and target (snapshot_record_id, target_*)' if self.extended(rec) else
                'its backup, recovery type and recovered_resource_ids (original: %s%s)' % (
                    self.source_id, ', new name %s' % self.name if self.name else ''))


class RecoveryJob(Job):
    """One recover call, followed on its recovery record."""

    check_hint = "the policy's recovery records in CPM (GET /api/recoveries/?policy=ID)"

    def __init__(self, client, module, identity, backup, record, body, recover_again=False, wait_timeout=600,
                 sleep=time.sleep, clock=time.monotonic):
        self.client = client
        self.module = module
        self.identity = identity
        self.backup = backup
        self.record = record
        self.body = body
        self.recover_again = recover_again
        self.recoveries = Recoveries(client)
        self.kind = identity.kind
        family, action = identity.kind.calls[identity.source][:2]
        self.path = 'backups/%d/snapshots/%s/%d/%s/' % (identity.backup_id, family, identity.record_id, action)
        self.feature = identity.kind.feature(identity.source)
        self.what = 'recovery of %s %s from backup %s' % (self.kind.name.replace('_', ' '), identity.source_id,
                                                          identity.backup_id)
        self.known = set()
        self.matched_by = None
        self.pending = []
        self.wait_timeout = wait_timeout
        self.sleep = sleep
        self.clock = clock

    def operation_id(self, handle):
        return handle.get('id') if isinstance(handle, dict) else handle

    def candidates(self):
        records = self.recoveries.of_policy(self.identity.policy_id, self.identity.backup_start)
        self.known.update(as_id(r.get('id')) for r in records)
        return [r for r in records if self.identity.candidate(r)]

    def existing(self):
        """A record of the same recovery (attach to it, or return it), waiting for running records that cannot tell
        yet (the seed's record shows its ids at the end)."""
        if self.recover_again:
            self.candidates()
            return None
        deadline = self.clock() + max(0, self.wait_timeout or 0)
        interval = 0.5
        while True:
            found = self.candidates()
            undecided = []
            for rec in found:
                verdict = self.identity.same(rec)
                if verdict:
                    self.matched_by = self.identity.how(rec)
                    return {'id': as_id(rec['id'])}
                if verdict is None:
                    undecided.append(as_id(rec['id']))
            self.pending = undecided
            if not undecided:
                return None
            if self.module.check_mode:
                self.module.warn('recovery record(s) %s of backup %s and this recovery type still run(s) and do(es) '
                                 'not show what it recovers yet; check mode assumes it is another recovery' % (
                                     ', '.join(str(i) for i in undecided), self.identity.backup_id))
                return None
            if self.clock() >= deadline:
                raise ApiError('recovery record(s) %s of backup %s (%s) still run(s), and CPM shows what a recovery '
                               'recovered only when it ends: whether it is this recovery cannot be told yet. Run the '
                               'task again when it has ended (or set recover_again=true to start another one '
                               'anyway)' % (', '.join(str(i) for i in undecided), self.identity.backup_id,
                                            self.kind.name), code='undecided', service='CPM', landed=False)
            self.sleep(min(interval, max(0.0, deadline - self.clock())))
            interval = min(5.0, interval * 1.5)

    def start(self):
        answer = self.client.post(self.path, self.body, feature=self.feature, perm='recovery')
        if not isinstance(answer, dict) or answer.get('id') in (None, ''):
            raise ApiError('CPM accepted the recovery but answered without a recovery record', code='unexpected_answer',
                           service='CPM', method='POST', path=self.path, landed=True)
        return {'id': as_id(answer['id']), 'record': answer}

    def find_started(self):
        for rec in self.recoveries.of_policy(self.identity.policy_id, self.identity.backup_start):
            if as_id(rec.get('id')) in self.known or not self.identity.candidate(rec):
                continue
            if self.identity.extended(rec) and self.identity.same(rec) is False:
                continue
            return {'id': as_id(rec['id'])}
        return None

    def on_start_error(self, err):
        if err.status != 412:
            return None
        reasons = []
        backup = self.client.get_or_none('backups/%d/' % self.identity.backup_id, feature='backups') or self.backup
        if backup.get('status') not in RECOVERABLE + RECOVERABLE_PARTIAL:
            reasons.append('backup %s has the status %s' % (backup.get('id'), backup.get('status')))
        if backup.get('marked_for_deletion'):
            reasons.append('backup %s is marked for deletion' % backup.get('id'))
        running = [r for r in self.candidates() if r.get('status') == 'P']
        if running:
            reasons.append('recovery %s of this backup and recovery type is still running (CPM may refuse a second '
                           'recovery of a snapshot while one runs)' % ', '.join(str(r.get('id')) for r in running))
        err.message = ('CPM refused to start the %s (412 Precondition Failed: %s). %s' % (
            self.what, err.message, 'Likely cause: %s.' % '; '.join(reasons) if reasons else
            'CPM recovers only from a successful backup that was not deleted, from a snapshot that succeeded and '
            'still exists'))
        return None

    def poll(self, handle):
        return self.recoveries.get(handle['id'])

    def classify(self, handle, observation):
        return recovery_state(observation)


class AbortJob(Job):
    """The abort of a recovery from S3, followed until the recovery has ended."""

    check_hint = 'the recovery record in CPM (GET /api/recoveries/ID/)'

    def __init__(self, client, record):
        self.client = client
        self.record = record
        self.recoveries = Recoveries(client)
        self.rid = as_id(record['id'])
        self.what = 'abort of recovery %s' % self.rid
        self.path = 'recoveries/%d/recover_from_s3/abort/' % self.rid

    def start(self):
        self.client.post(self.path, None, feature='recovery_abort_s3')
        return {'id': self.rid}

    def find_started(self):
        record = self.recoveries.get(self.rid)
        if record is None:
            return None
        if record.get('status') != 'P' or aborting(record):
            return {'id': self.rid}
        return None

    def on_start_error(self, err):
        if err.status == 400:
            record = self.recoveries.get(self.rid)
            if record is not None and (record.get('status') != 'P' or aborting(record)):
                return {'id': self.rid}  # it ended (or is being aborted) meanwhile
        return None

    def poll(self, handle):
        return self.recoveries.get(handle['id'])

    def classify(self, handle, observation):
        if not observation:
            return UNKNOWN, 'gone'
        if observation.get('status') == 'P':
            return RUNNING, 'aborting' if aborting(observation) else 'in_progress'
        return SUCCESS, RECOVERY_STATUS.readable(observation.get('status'))


def aborting(record):
    for key in ('s3_recover_status', 'glacier_retrieve_status'):
        phase = record.get(key)
        if isinstance(phase, dict) and phase.get('status') in ('G', 'A'):
            return True
    return False
