# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""CPM worker configurations (Ch.28), their tests, and worker tags (Ch.27).

Readings:

* A worker configuration has no name in the seed.  Its **identity is (account,
  region)**: CPM launches the file-level recovery and S3 workers of an account
  in a region with that configuration, so one configuration per account and
  region is what an operator means; two configurations of one pair are never
  guessed between (the module asks for ``id``).
* ``region`` is typed as an integer (a CPM region id, as ``regions/`` lists)
  but described as the AWS region: the modules take the AWS name, compare
  both forms, and send the form CPM's own configurations show (on a CPM that
  shows none yet, the id, then the name when CPM refuses the id).
* The test (``POST workers/{id}/test/``, 1.4.0) starts a session that is
  polled (``GET workers/{id}/test/{session}/``) to ``S`` or ``F`` through the
  job engine; a start whose answer is lost cannot be looked for (there is no
  list of sessions), so it is reported as unknown, never sent twice.
* A worker tag is identified by (account, key); ``key`` and ``account`` are
  required in a PUT.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import administration  # noqa: F401 pylint: disable=unused-import
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import as_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import CPMField, CPMResourceType
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, RUNNING, SUCCESS, UNKNOWN, Job
from ansible_collections.backupdr.cloud.plugins.module_utils.settle import VERIFIED, conclude, look_after_lost, settle_time_of
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, matches, pattern

AWS_ID_RES = {'vpc': pattern(r'vpc-[0-9a-f]{8,17}'), 'subnet': pattern(r'subnet-[0-9a-f]{8,17}'),
              'sg': pattern(r'sg-[0-9a-f]{8,17}')}
WORKER_WRITABLE = ('account', 'region', 'aws_vpc', 'aws_security_group', 'aws_subnet', 'aws_key_pair',
                   'requires_http_proxy', 'http_proxy_address', 'http_proxy_port', 'http_proxy_user_name')
TEST_STATUS = {'I': 'in_progress', 'S': 'succeeded', 'F': 'failed'}


def check_aws_id(value, kind, option):
    if value in (None, ''):
        return value
    if not matches(AWS_ID_RES[kind], str(value)):
        raise ValidationError(option, '%r is not an AWS %s id such as %s-0123456789abcdef0' % (
            value, {'vpc': 'VPC', 'subnet': 'subnet', 'sg': 'security group'}[kind], kind))
    return str(value)


def worker_fields():
    return [
        CPMField('vpc', key='aws_vpc', normalize=lambda v: check_aws_id(v, 'vpc', 'vpc')),
        CPMField('security_group', key='aws_security_group', normalize=lambda v: check_aws_id(v, 'sg', 'security_group')),
        CPMField('subnet', key='aws_subnet', nullable=True, normalize=lambda v: check_aws_id(v, 'subnet', 'subnet')),
        CPMField('key_pair', key='aws_key_pair', nullable=True),
        CPMField('requires_http_proxy', kind='bool'),
        CPMField('http_proxy_address', nullable=True),
        CPMField('http_proxy_port', kind='int', minimum=1),
        CPMField('http_proxy_user', key='http_proxy_user_name', nullable=True),
        CPMField('http_proxy_password', key='http_proxy_password_encrypted', secret=True, readable=False),
    ]


class WorkerType(CPMResourceType):
    """A worker configuration, identified by (account id, AWS region name)."""

    kind = 'worker'
    feature = 'workers'
    perm = 'account'
    name_option = '_identity'  # no name: the module finds the configuration itself
    list_path = create_path = 'workers/'
    get_path = update_path = delete_path = 'workers/{id}/'
    writable = WORKER_WRITABLE
    name_filter = None

    def __init__(self, client, params=None, account_id=None, region=None, warn=None):
        super(WorkerType, self).__init__(client, params)
        self.fields = worker_fields()
        self.account_id = account_id
        self.region = region
        self.warn = warn

    def region_name(self, value):
        if isinstance(value, int) and not isinstance(value, bool):
            return self.client.region_names().get(value, value)
        if isinstance(value, str) and value.isdigit():
            return self.client.region_names().get(int(value), value)
        return value

    def matching(self, items=None):
        items = self.client.list('workers/', {'account': self.account_id}, feature='workers') if items is None else items
        return [w for w in items if as_id(w.get('account')) == self.account_id and
                self.region_name(w.get('region')) == self.region]

    def find(self):
        found = self.matching()
        if len(found) > 1:
            raise ValidationError('id', 'account %s has %d worker configurations in %s (ids %s); give id' % (
                self.account_id, len(found), self.region, ', '.join(str(w.get('id')) for w in found)))
        return found[0] if found else None

    def region_forms(self):
        """The region as CPM shows it in its configurations first, then the other form."""
        rid = self.client.regions().get(self.region)
        shown = [w.get('region') for w in self.client.list('workers/', feature='workers')]
        as_name = any(isinstance(r, str) and not r.isdigit() for r in shown)
        forms = [self.region, rid] if as_name else [rid, self.region]
        return [f for f in forms if f is not None]

    def create(self, payload):
        from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import deep_merge, unflatten
        body = deep_merge(unflatten(payload), {'account': self.account_id})
        forms = self.region_forms()
        for index, form in enumerate(forms):
            body['region'] = form
            try:
                return self.client.post(self.create_path, body, feature=self.feature, perm=self.perm)
            except ApiError as err:
                details = err.details if isinstance(err.details, dict) else {}
                if err.status == 400 and 'region' in details and index + 1 < len(forms):
                    continue  # CPM wants the other form of the region (nothing was created)
                if err.landed is not None or err.status is not None and err.status < 500:
                    raise
                return self._lost(err)
        raise ValidationError('region', 'CPM accepts neither form of region %s' % self.region)  # pragma: no cover

    def _lost(self, err):
        window = settle_time_of(self.client)

        def look():
            found = self.matching()
            return found[0] if found else None
        outcome = look_after_lost(look, window)
        if outcome.state == VERIFIED:
            if self.warn:
                self.warn('the answer to the create request was lost (%s); CPM shows the new worker configuration %s'
                          % (err.brief(), outcome.found.get('id')))
            return outcome.found
        raise conclude(err, outcome, 'a worker configuration of account %s in %s' % (self.account_id, self.region),
                       'the worker configurations of account %s' % self.account_id, window)

    def view(self, flat):
        out = dict(flat or {})
        if flat:
            out['region_name'] = self.region_name(flat.get('region'))
        return out


class WorkerTestJob(Job):
    """``POST workers/{id}/test/`` then ``GET workers/{id}/test/{session}/`` until S or F."""

    can_verify = False
    check_hint = 'the CPM console (Worker Configuration, Test)'

    def __init__(self, client, configuration_id):
        self.client = client
        self.cid = as_id(configuration_id)
        self.what = 'test of worker configuration %s' % self.cid

    def start(self):
        return self.client.post('workers/%d/test/' % self.cid, {}, feature='worker_test', perm='account')

    def poll(self, handle):
        return self.client.get('workers/%d/test/%d/' % (self.cid, as_id(handle['id'])), feature='worker_test')

    def classify(self, handle, observation):
        status = (observation or {}).get('session_status')
        if status == 'S':
            return SUCCESS, 'succeeded'
        if status == 'F':
            return FAILED, 'failed: %s' % (observation.get('test_session_fail_desc') or 'no description')
        if status == 'I':
            return RUNNING, 'in progress'
        return UNKNOWN, status


class WorkerTagType(CPMResourceType):
    kind = 'worker_tag'
    feature = 'worker_tags'
    perm = 'account'
    name_key = name_option = 'key'
    list_path = create_path = 'worker_tags/'
    get_path = update_path = delete_path = 'worker_tags/{id}/'
    writable = ('account', 'key', 'value')
    name_filter = None

    def __init__(self, client, params=None, account_id=None):
        super(WorkerTagType, self).__init__(client, params)
        self.account_id = account_id
        self.fields = [CPMField('key'), CPMField('value')]
        self.create_body = {'account': account_id}

    def list(self):
        return [t for t in self.client.list('worker_tags/', {'account': self.account_id}, feature='worker_tags')
                if as_id(t.get('account')) == self.account_id]

    def find_by_name(self, name):
        found = [t for t in self.list() if t.get('key') == name]
        if len(found) > 1:
            raise ValidationError('key', 'account %s has %d worker tags with the key %r' % (
                self.account_id, len(found), name))
        return found[0] if found else None
