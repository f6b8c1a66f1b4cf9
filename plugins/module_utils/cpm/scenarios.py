# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM recovery scenarios (seed Ch.15): scenarios, their targets as a set, runs (dry or real) and their records.

Readings:

* A scenario's ``policy`` is create-only (the PUT body has none, L33642); its
  ``name`` is optional for CPM but the modules find scenarios by it (the
  list's exact ``name`` filter, L32751) or by id.
* A target is identified by ``(aws_region, aws_resource_id, recovery_type)``;
  region and resource are create-only (the PUT body has neither), so a target
  whose region or resource changes is another target.  Its ``configuration``
  is "in JSON format" and otherwise undocumented (L34099): the modules write a
  JSON object holding the recover body of the target's type, built from the
  same readable options as ``cpm_recovery`` (and checked the same way), and
  compare it as parsed JSON (a server that re-formats it changes nothing).
* A target must be in a region where the policy has targets, and name a
  resource the policy protects there (checked before any write).
* A run (``POST recovery_scenarios/{id}/recover/``, 202 with the run record)
  is followed on ``recovery_scenarios/records/{id}/`` until it is not ``P``;
  the recoveries it made are ``GET recoveries/?recovery_scenario_record=<id>``.
  A target that could not start has no recovery record.  Records are matched
  to targets by what they recovered (an extended record's
  ``backed_up_resource_id``, else the originals of ``recovered_resource_ids``)
  and, for dry runs (which recover nothing), in the targets' order (the
  order, then the id, in which CPM runs them) by recovery type.
* "The same run" (idempotency): a record of the same scenario, backup and
  dry-run flag that did not fail; running the task again returns it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    RECOVERY_STATUS, SCENARIO_RUNNING_OPTION, SCENARIO_TARGET_TYPE,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import (
    DR, KINDS, NATIVE, OPTION_BY_NAME, S3, Recoveries, account_id, body_of, check_combinations, last_log_time,
    recover_options, recovered_resources, recovery_view, resolve_body, epoch_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import ASSUMED, Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField, CPMResourceType
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import (
    VERIFIED, conclude, look_after_lost, settle_time_of,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_single_line

WRITABLE = ('name', 'description', 'schedule', 'schedule_running_option', 'recipients', 'recovery_destination_account',
            'recovery_destination_region', 'agent_script_timeout', 'collect_script_output', 'enable_agent_scripts',
            'endure')
#: Scenario target type -> (kind, source).
TARGET_TYPES = {
    'I': ('instance', NATIVE), 'V': ('volume', NATIVE), 'R': ('rds_database', NATIVE), 'A': ('rds_cluster', NATIVE),
    'C': ('redshift_cluster', NATIVE), 'D': ('dynamodb_table', NATIVE), 'E': ('efs', NATIVE),
    'S3I': ('instance', S3), 'S3V': ('volume', S3), 'DRV': ('volume', DR), 'DRR': ('rds_database', DR),
    'DRA': ('rds_cluster', DR), 'DRE': ('efs', DR),
}
#: Options a scenario target takes: the recover options minus those that make no sense in a scenario (the new
#: name of a database is optional there: CPM generates one).
TARGET_OPTIONS = tuple(sorted(OPTION_BY_NAME))


def _raw(value):
    return value


def _strings(values):
    out = []
    for value in values if isinstance(values, (list, tuple)) else [values]:
        text = str(value).strip()
        check_single_line(text, 'recipients')
        if '@' not in text or ' ' in text:
            raise ValueError('%r is not an e-mail address' % (value,))
        out.append(text)
    return out


def scenario_fields():
    return [
        CPMField('name'),
        CPMField('description', nullable=True),
        CPMField('policy', kind='raw', create_only=True, normalize=_raw, parse=as_id),
        CPMField('schedule', kind='raw', normalize=_raw, parse=as_id, nullable=True),
        CPMField('schedule_running_option', kind='code', code=SCENARIO_RUNNING_OPTION),
        CPMField('recipients', kind='strs', normalize=_strings),
        CPMField('destination_account', key='recovery_destination_account', kind='raw', normalize=_raw, parse=as_id,
                 nullable=True),
        CPMField('destination_region', key='recovery_destination_region', kind='raw', normalize=_region, parse=as_id,
                 nullable=True),
        CPMField('agent_script_timeout', kind='int', minimum=1),
        CPMField('collect_script_output', kind='bool'),
        CPMField('enable_agent_scripts', kind='bool'),
        CPMField('endure', kind='bool'),
    ]


def _region(value):
    if value in (None, ''):
        return ''
    return check_aws_region(value, 'destination_region')


class ScenarioType(CPMResourceType):
    kind = 'recovery_scenario'
    feature = 'recovery_scenarios'
    list_path = create_path = 'recovery_scenarios/'
    get_path = update_path = delete_path = 'recovery_scenarios/{id}/'
    writable = WRITABLE
    name_filter = 'name'

    def __init__(self, client, params=None, module=None):
        super(ScenarioType, self).__init__(client, params)
        self.fields = scenario_fields()
        self.refs = Refs(client, module)
        self.module = module
        for field in self.fields:
            if field.option == 'destination_region':
                field.display = self.region_name
            elif field.option == 'schedule':
                field.display = self.schedule_name

    def region_name(self, rid):
        return self.refs.client.region_names().get(as_id(rid), rid) if rid not in (None, '') else None

    def schedule_name(self, sid):
        return self.refs.schedule_names().get(as_id(sid), sid) if sid not in (None, '') else None

    def resolve(self, desired):
        wanted = dict(desired)
        if wanted.get('policy') not in (None, ''):
            policy = self.refs.policy(wanted['policy'], 'policy')
            wanted['policy'] = as_id(policy['id']) if policy else ASSUMED
        if wanted.get('schedule') not in (None, ''):
            wanted['schedule'] = self.refs.schedule_id(wanted['schedule'], 'schedule')
        if wanted.get('destination_account') not in (None, ''):
            wanted['destination_account'] = account_id(self.refs, wanted['destination_account'], 'destination_account')
        if wanted.get('destination_region') not in (None, ''):
            wanted['destination_region'] = self.refs.region_ids([wanted['destination_region']],
                                                                'destination_region')[0]
        return wanted

    def create(self, payload):
        if payload.get('policy') in (None, ''):
            raise ValidationError('policy', 'is required to create a recovery scenario (the policy whose backups it '
                                  'recovers)')
        return super(ScenarioType, self).create(payload)

    def view(self, flat):
        return scenario_view(flat, self)


def scenario_view(flat, rtype=None):
    if not flat:
        return {}
    out = dict(flat)
    out['schedule_running_option'] = SCENARIO_RUNNING_OPTION.readable(flat.get('schedule_running_option'))
    out['schedule_running_option_code'] = flat.get('schedule_running_option')
    out['destination_account'] = flat.get('recovery_destination_account')
    if rtype is not None:
        out['destination_region'] = rtype.region_name(flat.get('recovery_destination_region'))
        out['schedule_name'] = rtype.schedule_name(flat.get('schedule'))
    counts = flat.get('target_type_count')
    if isinstance(counts, str):
        try:
            counts = json.loads(counts)
        except ValueError:
            counts = None
    if isinstance(counts, dict):
        out['target_counts'] = dict((SCENARIO_TARGET_TYPE.readable(k), v) for k, v in counts.items())
    return out


# -- targets ----------------------------------------------------------------------------------------------------------------

class WantedTarget:
    """A target the user wants: identity, recover body (the configuration), order."""

    def __init__(self, letter, region, resource, options, order, option):
        self.letter = letter
        self.region = region
        self.resource = resource
        self.options = options
        self.order = order
        self.option = option
        self.kind, self.source = TARGET_TYPES[letter]
        self.body = None  # resolved later (accounts, regions)

    def identity(self):
        return (self.region, self.resource, self.letter)


def wanted_target(item, index):
    """Check one item of ``targets`` (before any request)."""
    option = 'targets[%d]' % index
    if not isinstance(item, dict):
        raise ValidationError(option, 'expected a dictionary with kind, region and resource, got %r' % (item,))
    unknown = sorted(set(item) - set(('kind', 'region', 'resource', 'order', 'options')))
    if unknown:
        raise ValidationError(option, 'unknown keys %s (kind, region, resource, order, options)' % ', '.join(unknown))
    for key in ('kind', 'region', 'resource'):
        if item.get(key) in (None, ''):
            raise ValidationError('%s.%s' % (option, key), 'is required')
    letter = SCENARIO_TARGET_TYPE.to_api(item['kind'], '%s.kind' % option)
    region = check_aws_region(item['region'], '%s.region' % option)
    resource = str(item['resource']).strip()
    check_single_line(resource, '%s.resource' % option)
    order = item.get('order')
    if order is not None:
        try:
            order = int(order)
        except (TypeError, ValueError):
            raise ValidationError('%s.order' % option, 'expected an integer, got %r' % (order,))
        if order < 0:
            raise ValidationError('%s.order' % option, 'must not be negative')
    kind, source = TARGET_TYPES[letter]
    given = item.get('options') or {}
    if not isinstance(given, dict):
        raise ValidationError('%s.options' % option, 'expected a dictionary of recover options')
    options = recover_options(given, kind, source, prefix='%s.options.' % option)
    check_target_combinations(options, kind, source, '%s.options.' % option)
    return WantedTarget(letter, region, resource, options, order, option)


def check_target_combinations(options, kind, source, prefix):
    """As :func:`check_combinations`, but the new names are optional (CPM generates them for a scenario run)."""
    named = dict(options)
    if KINDS[kind].named and not named.get('name'):
        named['name'] = 'generated'
    if kind == 'rds_cluster' and not named.get('db_instance_name'):
        named['db_instance_name'] = 'generated'
    check_combinations(named, kind, source, prefix)


def configuration_of(item):
    """The parsed configuration of a target from the API (a JSON object string), or None."""
    text = item.get('configuration')
    if isinstance(text, dict):
        return text
    try:
        value = json.loads(text) if text not in (None, '') else {}
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def target_identity(item):
    return (str(item.get('aws_region') or ''), str(item.get('aws_resource_id') or ''), str(item.get('recovery_type')))


def target_view(item):
    out = dict(item)
    out['kind'] = SCENARIO_TARGET_TYPE.readable(item.get('recovery_type'))
    out['kind_code'] = item.get('recovery_type')
    out['configuration'] = configuration_of(item)
    return out


class Targets:
    """The targets of a scenario, converged as a set (POST, PUT where the configuration or order differs, DELETE)."""

    def __init__(self, client, scenario_id, warn=None):
        self.client = client
        self.path = 'recovery_scenarios/%d/targets/' % as_id(scenario_id)
        self.warn = warn

    def read(self):
        return self.client.list(self.path, feature='recovery_scenarios')

    def plan(self, current, wanted, purge=True):
        """``(to_add, to_update [(current, wanted)], to_remove)``."""
        have = dict((target_identity(item), item) for item in current)
        to_add, to_update, seen = [], [], set()
        for target in wanted:
            ident = target.identity()
            seen.add(ident)
            item = have.get(ident)
            if item is None:
                to_add.append(target)
            elif configuration_of(item) != target.body or (
                    target.order is not None and as_id(item.get('order')) != target.order):
                to_update.append((item, target))
        to_remove = [item for ident, item in have.items() if ident not in seen] if purge else []
        return to_add, to_update, to_remove

    @staticmethod
    def body(target):
        out = {'aws_region': target.region, 'aws_resource_id': target.resource, 'recovery_type': target.letter,
               'configuration': json.dumps(target.body, sort_keys=True)}
        if target.order is not None:
            out['order'] = target.order
        return out

    def apply(self, to_add, to_update, to_remove):
        """Add, update, then remove: a failure half way leaves the scenario with more targets, never fewer."""
        for target in to_add:
            self.add(target)
        for item, target in to_update:
            body = self.body(target)
            body.pop('aws_region')
            body.pop('aws_resource_id')
            if 'order' not in body:
                body['order'] = item.get('order')
            self.client.put('%s%d/' % (self.path, as_id(item['id'])), body, feature='recovery_scenarios')
        for item in to_remove:
            self.client.delete('%s%d/' % (self.path, as_id(item['id'])), feature='recovery_scenarios')

    def add(self, target):
        try:
            return self.client.post(self.path, self.body(target), feature='recovery_scenarios')
        except ApiError as err:
            if err.landed is not None:
                raise
            ident = target.identity()

            def look():
                for item in self.read():
                    if target_identity(item) == ident:
                        return item
                return None
            window = settle_time_of(self.client)
            outcome = look_after_lost(look, window)
            if outcome.state == VERIFIED:
                if self.warn is not None:
                    self.warn('the answer to the request that adds the scenario target %s was lost (%s); CPM shows it '
                              'was added' % ('/'.join(ident), err.brief()))
                return outcome.found
            raise conclude(err, outcome, 'the new scenario target', "the scenario's targets in CPM", window)


def describe_target(item):
    if isinstance(item, WantedTarget):
        return {'kind': SCENARIO_TARGET_TYPE.readable(item.letter), 'region': item.region, 'resource': item.resource,
                'order': item.order, 'configuration': item.body}
    return {'kind': SCENARIO_TARGET_TYPE.readable(item.get('recovery_type')), 'region': item.get('aws_region'),
            'resource': item.get('aws_resource_id'), 'order': item.get('order'), 'configuration': configuration_of(item)}


def check_coverage(client, policy, targets):
    """Every target in a region the policy covers, naming a resource it protects there; DR and S3 types need the
    policy's DR or copy to S3 (ValidationError before any write)."""
    if not targets or policy is None:
        return
    pid = as_id(policy['id'])
    protected = client.list('policies/%d/targets/' % pid, feature='targets_all') if client.has('targets_all') else None
    dr = s3 = None
    for target in targets:
        if protected is not None:
            regions = sorted(set(str(t.get('aws_region')) for t in protected if t.get('aws_region')))
            if target.region not in regions:
                raise ValidationError('%s.region' % target.option, 'policy %s has no target in %s, so its backups hold '
                                      'nothing to recover there (its regions: %s)' % (
                                          policy.get('name'), target.region, ', '.join(regions) or 'none'))
            here = [t for t in protected if t.get('aws_region') == target.region]
            names = set()
            for item in here:
                names.update(str(item.get(key)) for key in ('aws_resource_id', 'aws_resource_name', 'name')
                             if item.get(key))
            instances = [t for t in here if 'ami_backup_option' in t or str(t.get('aws_resource_id', '')).startswith('i-')]
            if target.resource not in names and not (target.kind == 'volume' and instances):
                raise ValidationError('%s.resource' % target.option, 'policy %s does not protect %s in %s' % (
                    policy.get('name'), target.resource, target.region))
        if target.source == DR:
            if dr is None:
                dr = client.get('policies/%d/dr/' % pid, feature='policy_dr') or {}
            if not dr.get('dr_enabled'):
                raise ValidationError('%s.kind' % target.option, 'policy %s has no DR, so there is no DR copy to recover '
                                      'from' % policy.get('name'))
        if target.source == S3:
            if s3 is None:
                s3 = client.get('policies/%d/copy_to_s3/' % pid, feature='policy_copy_to_s3') or {}
            if not s3.get('enabled'):
                raise ValidationError('%s.kind' % target.option, 'policy %s does not copy to S3, so there is no copy to '
                                      'recover from' % policy.get('name'))


def resolve_targets(client, refs, targets):
    for target in targets:
        body = body_of(target.options, target.kind, target.source)
        target.body = resolve_body(body, target.kind, client, refs, prefix='%s.options.' % target.option)


# -- runs ---------------------------------------------------------------------------------------------------------------------

def record_view(record):
    if not record:
        return {}
    out = dict(record)
    out['status'] = RECOVERY_STATUS.readable(record.get('status'))
    out['status_code'] = record.get('status')
    out['status_text'] = RECOVERY_STATUS.label(record.get('status'))
    start, end = epoch_of(record.get('start_time')), epoch_of(record.get('end_time'))
    out['seconds'] = round(end - start, 3) if start is not None and end is not None else None
    return out


def run_state(record):
    if not record:
        return RUNNING, 'not visible yet'
    status = record.get('status')
    return {'P': RUNNING, 'R': SUCCESS, 'A': PARTIAL, 'F': FAILED}.get(status, UNKNOWN), RECOVERY_STATUS.readable(status)


class Runs:
    def __init__(self, client):
        self.client = client

    def get(self, record_id):
        return self.client.get_or_none('recovery_scenarios/records/%d/' % as_id(record_id), feature='recovery_scenarios')

    def of(self, scenario_id, backup_id=None):
        params = {'recovery_scenario': as_id(scenario_id), 'ordering': '-start_time'}
        if backup_id is not None:
            params['backup_record'] = as_id(backup_id)
        return self.client.list('recovery_scenarios/records/', params, feature='recovery_scenarios')

    def logs(self, record_id):
        answer = self.client.get('recovery_scenarios/records/%d/logs/' % as_id(record_id), feature='recovery_scenarios')
        return answer if isinstance(answer, list) else (answer or {}).get('results', [])

    def children(self, record_id):
        return sorted(self.client.list('recoveries/', {'recovery_scenario_record': as_id(record_id)},
                                       feature='recoveries'), key=lambda r: as_id(r.get('id')) or 0)


class RunJob(Job):
    """A run of a scenario on a backup, followed on its run record."""

    check_hint = "the scenario's run records in CPM (GET /api/recovery_scenarios/records/?recovery_scenario=ID)"

    def __init__(self, client, scenario, backup, dry_run, run_again=False):
        self.client = client
        self.runs = Runs(client)
        self.scenario = scenario
        self.sid = as_id(scenario['id'])
        self.backup = backup
        self.bid = as_id(backup['id'])
        self.dry_run = dry_run
        self.run_again = run_again
        self.what = '%srun of recovery scenario %s on backup %s' % (
            'dry ' if dry_run else '', scenario.get('name') or self.sid, self.bid)
        self.known = set()
        self.path = 'recovery_scenarios/%d/recover/' % self.sid

    def mine(self, record):
        return as_id(record.get('backup_record')) == self.bid and bool(record.get('dry_run_only')) == bool(self.dry_run) \
            and as_id(record.get('recovery_scenario')) in (None, self.sid)

    def existing(self):
        records = self.runs.of(self.sid, self.bid)
        self.known.update(as_id(r.get('id')) for r in records)
        if self.run_again:
            return None
        for record in records:
            if self.mine(record) and record.get('status') != 'F':
                return {'id': as_id(record['id'])}
        return None

    def start(self):
        answer = self.client.post(self.path, {'backup_id': self.bid, 'dry_run_only': bool(self.dry_run)},
                                  feature='recovery_scenarios', perm='recovery')
        if not isinstance(answer, dict) or answer.get('id') in (None, ''):
            raise ApiError('CPM accepted the run but answered without a run record', code='unexpected_answer',
                           service='CPM', method='POST', path=self.path, landed=True)
        return {'id': as_id(answer['id'])}

    def find_started(self):
        for record in self.runs.of(self.sid, self.bid):
            if as_id(record.get('id')) not in self.known and self.mine(record):
                return {'id': as_id(record['id'])}
        return None

    def on_start_error(self, err):
        if err.status == 400:
            err.message = ('CPM refused to run recovery scenario %s on backup %s: %s (a run needs a backup of the '
                           "scenario's policy that can be recovered, and at least one target)" % (
                               self.scenario.get('name') or self.sid, self.bid, err.message))
        return None

    def poll(self, handle):
        return self.runs.get(handle['id'])

    def classify(self, handle, observation):
        return run_state(observation)


def target_outcomes(client, record, targets):
    """Per target: the recovery record CPM made for it (or none), its status and timing (see the module docstring)."""
    runs = Runs(client)
    children = runs.children(record['id']) if record and record.get('id') is not None else []
    ordered = sorted(targets, key=lambda t: (as_id(t.get('order')) if t.get('order') is not None else 0,
                                             as_id(t.get('id')) or 0))
    assigned = {}
    free = list(children)
    for target in ordered:  # what the record says it recovered
        letter = TARGET_TYPES.get(target.get('recovery_type'), (None, None))
        kind = KINDS.get(letter[0])
        for child in free:
            if kind is None or child.get('recovery_type') != kind.letter:
                continue
            source = child.get('backed_up_resource_id')
            originals = [item['original'] for item in recovered_resources(child.get('recovered_resource_ids'))]
            if source == target.get('aws_resource_id') or target.get('aws_resource_id') in originals:
                assigned[as_id(target['id'])] = child
                free.remove(child)
                break
    for target in ordered:  # dry runs (nothing recovered): the order CPM runs them in, by type
        if as_id(target['id']) in assigned:
            continue
        kind = KINDS.get(TARGET_TYPES.get(target.get('recovery_type'), (None, None))[0])
        for child in free:
            if kind is not None and child.get('recovery_type') == kind.letter and 'backed_up_resource_id' not in child \
                    and not child.get('recovered_resource_ids'):
                assigned[as_id(target['id'])] = child
                free.remove(child)
                break
    recoveries = Recoveries(client)
    out = []
    for target in ordered:
        child = assigned.get(as_id(target['id']))
        entry = describe_target(target)
        entry['id'] = target.get('id')
        if child is None:
            entry.update(recovery=None, status='not_started', status_code=None, started=None, ended=None, seconds=None,
                         recovered_resources=[])
        else:
            log = recoveries.logs(child['id']) if child.get('status') != 'P' else []
            started = epoch_of(child.get('recovery_time'))
            ended = last_log_time(log)
            view = recovery_view(child)
            entry.update(recovery=view, status=view['status'], status_code=child.get('status'),
                         started=child.get('recovery_time'), ended=_iso(ended),
                         seconds=round(ended - started, 3) if started is not None and ended is not None else None,
                         recovered_resources=view['recovered_resources'])
        out.append(entry)
    return out


def _iso(epoch):
    from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import iso
    return iso(epoch) if epoch is not None else None
