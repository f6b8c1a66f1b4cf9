# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The CPM client's pure parts: codes, versions, URLs, the error envelope, ids, paging cursors, tokens (with a
fake HTTP layer), fields, settings bodies, target specs, backup states, durations, resource health."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import base64
import json

import pytest

from ansible_collections.backupdr.cloud.plugins.module_utils import oauth
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm import client as cpm_client
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.backups import backup_state, parse_age
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import (
    CPMClient, CPMToken, as_id, base_url, deep_merge, error_parser, jwt_expiry, next_cursor, normalize_ids,
    parse_version, unflatten,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.codes import (
    AUTO_REMOVE, BACKUP_STATUS, DISABLE_DAY, EFS_EXPIRE, SCHEDULE_UNIT,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.policies import (
    copy_settings, dr_settings, flatten_given, options_settings,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.protected import flat_health, health
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.resource import (
    CPMField, DaysField, iso, parse_datetime, parse_time_of_day,
)
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.schedules import disable_time, window_identity
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.targets import KINDS, kind_from_item, parse_targets
from ansible_collections.backupdr.cloud.plugins.module_utils.http_client import ApiError
from ansible_collections.backupdr.cloud.plugins.module_utils.jobs import FAILED, PARTIAL, RUNNING, SUCCESS, UNKNOWN
from ansible_collections.backupdr.cloud.plugins.module_utils.oauth import TokenCache
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError


@pytest.fixture(autouse=True)
def clean_memory():
    oauth.forget_memory()
    yield
    oauth.forget_memory()


# -- codes -------------------------------------------------------------------------------------------------------

def test_codes_are_per_field():
    assert SCHEDULE_UNIT.to_api('minutes') == 'M'
    assert EFS_EXPIRE.to_api('months') == 'M'
    assert SCHEDULE_UNIT.readable('M') == 'minutes'
    assert EFS_EXPIRE.readable('M') == 'months'
    assert DISABLE_DAY.to_api('A') == 'A' and DISABLE_DAY.readable('A') == 'every_day'
    assert SCHEDULE_UNIT.to_api('Weeks') == 'W'
    assert BACKUP_STATUS.label('B') == 'Backup Successful'
    assert SCHEDULE_UNIT.readable('Q') == 'Q'  # an unknown letter is shown as it is


def test_codes_refuse_other_fields_letters():
    with pytest.raises(ValidationError) as err:
        SCHEDULE_UNIT.to_api('Y', 'every_unit')
    assert 'every_unit' in str(err.value) and 'minutes' in str(err.value)
    # readable values never collide with YAML booleans
    assert 'no' not in AUTO_REMOVE.choices() and 'yes' not in AUTO_REMOVE.choices()


# -- URLs and versions ----------------------------------------------------------------------------------------------

@pytest.mark.parametrize('given, wanted', [
    ('https://cpm.example.com', 'https://cpm.example.com/api/'),
    ('https://cpm.example.com/', 'https://cpm.example.com/api/'),
    ('https://cpm.example.com/api', 'https://cpm.example.com/api/'),
    ('HTTPS://cpm.example.com:8443/api/', 'https://cpm.example.com:8443/api/'),
    ('http://127.0.0.1:8450/cpm/api/', 'http://127.0.0.1:8450/cpm/api/'),
])
def test_base_url(given, wanted):
    assert base_url(given) == wanted


@pytest.mark.parametrize('bad', ['cpm.example.com', 'ftp://cpm/', 'https://cpm/api/?x=1', 'https://user:pw@cpm/api/',
                                 'https://cpm/a\npi/'])
def test_base_url_refuses(bad):
    with pytest.raises(ValidationError):
        base_url(bad)


def test_parse_version():
    assert parse_version('1.4') == '1.4.0'
    assert parse_version(' 1.5.0 ') == '1.5.0'
    assert parse_version('') is None and parse_version(None) is None
    assert parse_version('1.4\n') == '1.4.0'  # surrounding whitespace is stripped, never sent
    for bad in ('latest', '1', '1.4.0.1', '1.\n4', '１.４'):
        with pytest.raises(ValidationError):
            parse_version(bad)


def make_client(**params):
    base = dict(api_url='https://cpm.example.com/api/', api_key='k' * 20, token_cache=False, validate_certs=True,
                api_timeout=30, api_retries=0, api_retry_max_delay=0.0)
    base.update(params)
    return CPMClient(base)


def test_require_names_the_version_that_has_the_feature():
    client = make_client(api_version='1.4')
    assert client.has('check_aws_permissions') and not client.has('custom_tags')
    with pytest.raises(ValidationError) as err:
        client.require('custom_tags', 'custom_tags')
    assert str(err.value).startswith('custom_tags: ') and 'CPM API 1.5.0 (CPM 3.1.0)' in str(err.value)
    assert make_client().has('custom_tags')  # no version chosen: the server's latest


def test_accept_header_carries_the_version():
    assert make_client(api_version='1.2').http.session.headers['Accept'] == 'application/json; version=1.2.0'
    assert make_client().http.session.headers['Accept'] == 'application/json'


def test_api_key_is_checked_and_never_echoed():
    with pytest.raises(ValidationError) as err:
        make_client(api_key='secret with space')
    assert 'secret' not in str(err.value).split(':', 1)[1].replace('the secret is not shown', '')


# -- the error envelope ----------------------------------------------------------------------------------------------

class Response:
    def __init__(self, status=400, body=None, text=None, reason='Bad Request'):
        self.status_code = status
        self._body = body
        self.text = text if text is not None else (json.dumps(body) if body is not None else '')
        self.reason = reason
        self.headers = {}
        self.content = self.text.encode('utf-8')

    def json(self):
        if self._body is None:
            raise ValueError('no JSON')
        return self._body


def test_error_parser_names_every_field_with_its_code():
    body = {'errors': [{'name': [{'message': 'This field may not be blank.', 'code': 'blank'}],
                        'description': [{'message': 'This field contains invalid characters.', 'code': 'invalid'}]}]}
    code, message, details = error_parser(Response(400, body))
    assert code == 'blank'
    assert message == ('name: This field may not be blank. [blank]; '
                       'description: This field contains invalid characters. [invalid]')
    assert details['description'][0]['code'] == 'invalid'


def test_error_parser_non_field_and_proxy_pages():
    code, message, dummy = error_parser(Response(401, {'errors': [{'detail': [
        {'message': 'Given token not valid for any token type', 'code': 'token_not_valid'}]}]}))
    assert code == 'token_not_valid' and message == 'Given token not valid for any token type [token_not_valid]'
    html = '<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>'
    code, message, dummy = error_parser(Response(502, None, text=html, reason='Bad Gateway'))
    assert code is None and message.startswith('502 Bad Gateway (a page from a proxy')


# -- ids, lists --------------------------------------------------------------------------------------------------------

def test_normalize_ids_only_in_id_keys():
    body = {'id': '3', 'user': '1', 'schedules': ['1', '2'], 'name': '42', 'backup_id': '7',
            'nested': [{'policy': '9', 'snapshot_id': 'snap-1'}]}
    out = normalize_ids(body)
    assert out == {'id': 3, 'user': 1, 'schedules': [1, 2], 'name': '42', 'backup_id': '7',
                   'nested': [{'policy': 9, 'snapshot_id': 'snap-1'}]}
    assert as_id('١٢') == '١٢'  # Unicode digits are not ids


def test_next_cursor_follows_the_query_only():
    assert next_cursor('https://other-host/api/policies/?page=4&page_size=20') == 'page=4&page_size=20'
    assert next_cursor('http://x/api/policies/?search=a&page=2&page_size=5') == 'page=2&page_size=5&search=a'
    assert next_cursor(None) is None and next_cursor('') is None


class PagingClient(CPMClient):
    """pages() over canned answers."""

    def __init__(self, answers):  # pylint: disable=super-init-not-called
        self.answers = list(answers)
        self.asked = []

    def get(self, path, params=None, feature=None, perm=None):
        self.asked.append(dict(params))
        return self.answers.pop(0)


def test_pages_accept_both_shapes():
    bare = PagingClient([[{'id': 1}, {'id': 2}]])
    assert bare.list('policies/') == [{'id': 1}, {'id': 2}]
    assert bare.asked == [{'page': 1, 'page_size': 500}]
    paged = PagingClient([
        {'count': 3, 'next': 'https://cpm/api/policies/?account=1&page=2&page_size=2', 'previous': None,
         'results': [{'id': 1}, {'id': 2}]},
        {'count': 3, 'next': None, 'previous': 'https://cpm/api/policies/?account=1&page_size=2',
         'results': [{'id': 3}]},
    ])
    assert [p['id'] for p in paged.list('policies/', {'account': 1}, page_size=2)] == [1, 2, 3]
    assert paged.asked == [{'account': 1, 'page': 1, 'page_size': 2}, {'account': '1', 'page': '2', 'page_size': '2'}]


def test_unflatten_and_deep_merge():
    assert unflatten({'a.b': 1, 'a.c': 2, 'd': 3}) == {'a': {'b': 1, 'c': 2}, 'd': 3}
    assert deep_merge({'a': {'b': 1, 'c': 2}, 'l': [1]}, {'a': {'b': 5}, 'l': [2]}) == {'a': {'b': 5, 'c': 2}, 'l': [2]}


# -- tokens ----------------------------------------------------------------------------------------------------------------

def jwt(exp):
    payload = base64.urlsafe_b64encode(json.dumps({'exp': exp, 'token_type': 'access'}).encode()).decode().rstrip('=')
    return 'eyJhbGciOiJIUzI1NiJ9.%s.c2ln' % payload


def test_jwt_expiry():
    assert jwt_expiry(jwt(12345)) == 12345.0
    assert jwt_expiry('not-a-jwt') is None and jwt_expiry('a.b.c') is None


class TokenHttp:
    """A fake HttpClient for the token endpoints: ``plan`` maps a path to answers (status, body) in order."""

    service = 'CPM'

    def __init__(self, plan, only=None):
        self.plan = dict((k, list(v)) for k, v in plan.items())
        self.only = only  # 'json' or 'form': the other encoding gets 415
        self.calls = []

    def request(self, method, path, **kwargs):
        fmt = 'json' if 'json' in kwargs else 'form'
        body = kwargs.get('json') or kwargs.get('data')
        self.calls.append((path, fmt, dict(body)))
        if self.only and fmt != self.only:
            raise ApiError('Unsupported media type', status=415, method=method, path=path)
        status, answer = self.plan[path].pop(0)
        if status != 200:
            raise ApiError('refused', status=status, code='token_not_valid', method=method, path=path)
        return Response(200, answer)


def test_obtain_then_refresh_then_obtain_again(tmp_path):
    now = [1000.0]
    cache = TokenCache(str(tmp_path / 'tokens'))
    http = TokenHttp({
        'token/obtain/api_key/': [(200, {'access': jwt(1000 + 3600), 'refresh': jwt(1000 + 86400)}),
                                  (200, {'access': jwt(9000 + 3600), 'refresh': jwt(9000 + 86400)})],
        'token/refresh/': [(200, {'access': jwt(5000 + 3600)}), (401, None)],
    })
    token = CPMToken('https://cpm/api/', 'the-api-key', cache=cache, clock=lambda: now[0])
    first = token.headers(http)['Authorization']
    assert http.calls[0] == ('token/obtain/api_key/', 'json', {'api_key': 'the-api-key'})
    assert token.headers(http)['Authorization'] == first  # reused
    now[0] = 5000.0  # the access token expired, the refresh token did not
    second = token.headers(http)['Authorization']
    assert second != first and http.calls[-1][0] == 'token/refresh/'
    assert token.refresh(http, second)  # a 401 on it: the refresh is refused, a new pair is obtained
    assert [c[0] for c in http.calls] == ['token/obtain/api_key/', 'token/refresh/', 'token/refresh/',
                                          'token/obtain/api_key/']
    for name in (tmp_path / 'tokens').iterdir():
        assert 'the-api-key' not in name.read_text()


def test_form_bodies_after_415_are_remembered(tmp_path):
    cache = TokenCache(str(tmp_path / 'tokens'))
    http = TokenHttp({'token/obtain/api_key/': [(200, {'access': jwt(9999999999), 'refresh': jwt(9999999999)})],
                      'token/refresh/': [(200, {'access': jwt(9999999999)})]}, only='form')
    token = CPMToken('https://cpm/api/', 'key', cache=cache)
    value = token.headers(http)['Authorization']
    assert [c[1] for c in http.calls] == ['json', 'form']
    assert token.refresh(http, value)
    assert http.calls[-1][:2] == ('token/refresh/', 'form')  # no second 415


def test_a_token_without_expiry_lives_the_seed_default(tmp_path):
    http = TokenHttp({'token/obtain/api_key/': [(200, {'access': 'opaque-token', 'refresh': 'opaque-refresh'})]})
    token = CPMToken('https://cpm/api/', 'key', cache=None, clock=lambda: 100.0)
    assert token.headers(http) == {'Authorization': 'Bearer opaque-token'}
    entry = oauth._MEMORY[token.key]  # pylint: disable=protected-access
    assert entry['expires_at'] == 100.0 + cpm_client.ACCESS_LIFETIME
    assert entry['refresh_expires_at'] == 100.0 + cpm_client.REFRESH_LIFETIME


# -- fields and settings ---------------------------------------------------------------------------------------------------

def test_datetime_fields_compare_instants():
    field = CPMField('start_date', kind='datetime')
    wanted = field.normalize('2026-01-01T02:00:00+01:00')
    assert field.equal(field.from_api({'start_date': '2026-01-01T01:00:00.000000Z'}), wanted)
    assert iso(parse_datetime('2026-01-01T01:00:00Z')) == '2026-01-01T01:00:00Z'
    with pytest.raises(ValidationError):
        field.normalize('tomorrow')
    ending = CPMField('end_date', kind='datetime', nullable=True)
    assert ending.normalize('') == '' and ending.equal(None, '') and ending.to_api('') == {'end_date': None}


def test_string_fields_take_empty_and_none_for_the_same():
    field = CPMField('description', nullable=True)
    assert field.equal(None, '') and field.equal('', None) and not field.equal('a', '')


def test_days_field_and_disable_times():
    days = DaysField()
    assert days.normalize(['fri', 'Monday']) == ['monday', 'friday']
    flags = days.to_api(['monday', 'friday'])
    assert flags['allow_on_monday'] and flags['allow_on_friday'] and not flags['allow_on_sunday']
    assert days.from_api({}) == ['monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday', 'sunday']
    assert disable_time({'day': 'F', 'start_time': '22:00', 'end_time': '23:30:00'}, 'x') == ('F', '22:00:00', '23:30:00')
    assert window_identity({'day': 'F', 'start_time': '22:00:00', 'end_time': '23:30:00', 'id': 4}) == \
        ('F', '22:00:00', '23:30:00')
    with pytest.raises(ValidationError):
        parse_time_of_day('24:00', 't')


def test_settings_bodies_are_whole_with_overlays():
    options = options_settings(None, 1)
    current = {'agent_script_timeout': 100, 'collect_script_output': False, 'considered_successful': 'B',
               'enable_agent_scripts': False, 'minutes_between_retries': 20, 'num_failures_for_alert': 1,
               'number_of_retries': 3}
    wanted = options.desired({'considered_successful': 'snapshots_succeeded'})
    changes = options.changes(current, wanted)
    assert changes == {'considered_successful': ('B', 'A')}
    body = options.body(current, changes, overlay={'enable_agent_scripts': True})
    assert body == dict(current, considered_successful='A', enable_agent_scripts=True)
    copy = copy_settings(None, 1)
    current = {'enabled': False, 'resource_type': 'policy', 'copy_to_glacier': {'every_how': 1, 'every_unit': 'O'}}
    wanted = copy.desired(flatten_given({'copy_to_glacier': {'every_unit': 'years', 'every_how': None}}))
    changes = copy.changes(current, wanted)
    assert copy.body(current, changes) == {'enabled': False, 'copy_to_glacier': {'every_how': 1, 'every_unit': 'Y'}}
    dr = dr_settings(None, 1)
    assert dr.desired(flatten_given({'cross_account_dr': {'dr_account_regions': ['us-east-2']}})) == \
        {'cross_account_dr.dr_account_regions': ['us-east-2']}


def test_aws_region_names():
    assert check_aws_region('us-gov-west-1', 'r') == 'us-gov-west-1'
    for bad in ('eu_west_1', 'US-EAST-1', 'us-east-1\nx', 'us-east-x', 'us-east-١'):
        with pytest.raises(ValidationError):
            check_aws_region(bad, 'r')


# -- targets ----------------------------------------------------------------------------------------------------------------

def test_parse_targets_identities_and_errors():
    wanted = parse_targets([
        {'kind': 'instances', 'region': 'us-east-1', 'id': 'i-1', 'which_volumes': 'X', 'volumes': ['vol-2', 'vol-1'],
         'application_consistent_backup': {'enable_agent_vss': True, 'vss_volumes': None}},
        {'kind': 'dynamodb_table', 'region': 'us-east-1', 'name': 'orders'},
        {'kind': 's3_sync', 'name': 'src', 'destination_bucket_name': 'dst', 'storage_class': 'standard_ia'},
    ])
    assert wanted[0].kind.name == 'instance' and wanted[0].ident == ('us-east-1', 'i-1')
    assert wanted[0].settings == {'which_volumes': 'X', 'application_consistent_backup.enable_agent_vss': True}
    assert wanted[0].volumes == ['vol-1', 'vol-2']
    assert wanted[1].ident == ('us-east-1', 'orders')
    assert wanted[2].ident == ('src', 'dst') and wanted[2].settings == {'storage_class': 'I'}
    cases = [
        ([{'kind': 'instance', 'id': 'i-1'}], 'targets[0].region'),
        ([{'kind': 'volume', 'region': 'us-east-1', 'id': 'v', 'ami_reboot_option': True}], 'targets[0].ami_reboot_option'),
        ([{'kind': 'efs', 'region': 'us-east-1', 'id': 'fs', 'volumes': ['v']}], 'targets[0].volumes'),
        ([{'kind': 'volume', 'region': 'us-east-1', 'id': 'v'}] * 2, 'targets[1]'),
        ([{'kind': 'dynamodb_table', 'region': 'us-east-1', 'name': 't', 'id': 'x'}], 'targets[0].id'),
    ]
    for specs, option in cases:
        with pytest.raises(ValidationError) as err:
            parse_targets(specs)
        assert err.value.option == option


def test_kind_from_item():
    assert kind_from_item({'resource_type': 'rds_clusters'}) is KINDS['rds_cluster']
    assert kind_from_item({'destination_bucket_name': 'b'}) is KINDS['s3_sync']
    assert kind_from_item({'resource_type': 'something new'}) is None


# -- backups ---------------------------------------------------------------------------------------------------------------

@pytest.mark.parametrize('record, flags, state', [
    (None, {}, RUNNING),
    ({'status': 'P'}, {}, RUNNING),
    ({'status': 'B', 'dr_status': 'I'}, {}, SUCCESS),
    ({'status': 'B', 'dr_status': 'I'}, {'wait_for_dr': True}, RUNNING),
    ({'status': 'B', 'dr_status': 'F'}, {'wait_for_dr': True}, PARTIAL),
    ({'status': 'B', 's3_copy_status': {'status': 'Z'}}, {'wait_for_s3': True}, SUCCESS),
    ({'status': 'B', 's3_copy_status': {'status': 'Z'}}, {'wait_for_s3': True, 'copy_expected': True}, RUNNING),
    ({'status': 'B', 's3_copy_status': {'status': 'R'}}, {'wait_for_s3': True}, PARTIAL),
    ({'status': 'A'}, {}, PARTIAL),
    ({'status': 'S'}, {}, PARTIAL),
    ({'status': 'F'}, {}, FAILED),
    ({'status': 'M'}, {}, SUCCESS),
    ({'status': 'Q'}, {}, UNKNOWN),
])
def test_backup_state(record, flags, state):
    assert backup_state(record, **flags)[0] == state


def test_parse_age():
    assert parse_age('90', 'a') == 90 and parse_age('30m', 'a') == 1800 and parse_age('2h', 'a') == 7200
    assert parse_age(None, 'a') is None
    for bad in ('two hours', '-1h', '0', '1y', '5 m x'):
        with pytest.raises(ValidationError):
            parse_age(bad, 'a')


def test_health():
    now = parse_datetime('2026-06-01T12:00:00Z')
    ok = {'status': 'B', 'start_time': '2026-06-01T10:00:00Z'}
    old = {'status': 'B', 'start_time': '2026-05-30T10:00:00Z'}
    failed = {'status': 'F', 'start_time': '2026-06-01T11:00:00Z'}
    assert health(ok, ok, 24, now) == 'ok'
    assert health(failed, ok, 24, now) == 'ok'
    assert health(failed, old, 24, now) == 'failed'
    assert health({'status': 'P', 'start_time': '2026-06-01T11:59:00Z'}, old, 24, now) == 'running'
    assert health(old, old, 24, now) == 'stale'
    assert health(None, None, 24, now) == 'never'
    view = {'last_backup_id': 5, 'last_backup_status_code': 'F', 'last_backup_time': '2026-06-01T11:00:00Z',
            'last_successful_backup_id': 4, 'last_successful_backup_time': '2026-06-01T10:00:00Z'}
    assert flat_health(view, 24, now) == ('ok', 2.0)
    assert flat_health(view, 1, now)[0] == 'failed'
