# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Replays the examples of the CPM API reference (seed 004, Ch.1 and Ch.2) against the CPM simulator.

Every sample below is copied from the seed with its line numbers; the curl samples send
``Accept: application/json;`` (a media type with an empty parameter list), as the seed's do.
"""

import os
import re
import sys
import time

import pytest
import requests

SIM_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..', 'simulator'))
if SIM_DIR not in sys.path:
    sys.path.insert(0, SIM_DIR)

# pylint: disable=wrong-import-position
from backupdr_simulator.core import Simulator  # noqa: E402
from backupdr_simulator.cpm import CPMService  # noqa: E402
from backupdr_simulator.cpm.api import parse_datetime  # noqa: E402
from backupdr_simulator.cpm.directory import DEFAULT_USERS  # noqa: E402

ROOT_KEY = [row[5] for row in DEFAULT_USERS if row[1] == 'root'][0]
STAMP_RE = re.compile(r'^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$')
CURL_ACCEPT = 'application/json;'

# 2.1.1 (L212-L238)
CREATE_REQUEST = {'name': 'sample', 'every_unit': 'W', 'every_how_many': 1, 'user': 1}
CREATE_RESPONSE = {'id': 1, 'name': 'sample', 'description': None, 'user': 1, 'every_unit': 'W', 'every_how_many': 1,
                   'start_date': '2018-08-01T12:00:00.000000Z', 'end_date': None,
                   'last_modified': '2018-08-01T12:00:00.000000Z', 'disable_times': []}
# 2.1.2 (L243-L268)
UPDATE_REQUEST = {'name': 'sample', 'every_unit': 'O', 'every_how_many': 1}
UPDATE_RESPONSE = dict(CREATE_RESPONSE, every_unit='O', last_modified='2018-08-01T13:00:00.000000Z')
# 2.1.3 (L274-L357): the five schedules of the sample, listed "ordered by the scheduling frequency"
WEEK = dict(('allow_on_%s' % day, True) for day in ('sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday',
                                                    'saturday'))
LIST_RESPONSE = [
    dict({'id': 2, 'name': '5minutes', 'description': '', 'user': 1, 'every_unit': 'M', 'every_how_many': 5,
          'start_date': '2018-08-20T12:50:00Z', 'end_date': None, 'last_modified': '2018-08-20T11:50:35Z'},
         disable_times=[], **WEEK),
    dict({'id': 5, 'name': '10hours', 'description': '', 'user': 1, 'every_unit': 'H', 'every_how_many': 10,
          'start_date': '2018-08-20T13:11:00Z', 'end_date': None, 'last_modified': '2018-08-20T12:11:21Z'},
         disable_times=[], **WEEK),
    {'id': 4, 'name': '7weeks', 'description': '', 'user': 1, 'every_unit': 'W', 'every_how_many': 7,
     'start_date': '2018-08-20T12:50:00Z', 'end_date': None, 'last_modified': '2018-08-20T11:51:03Z', 'disable_times': []},
    {'id': 1, 'name': '1month', 'description': '', 'user': 1, 'every_unit': 'O', 'every_how_many': 1,
     'start_date': '2018-08-20T14:43:56Z', 'end_date': None, 'last_modified': '2018-08-20T11:43:56Z', 'disable_times': []},
    {'id': 3, 'name': '2months', 'description': '', 'user': 1, 'every_unit': 'O', 'every_how_many': 2,
     'start_date': '2018-08-20T12:50:00Z', 'end_date': None, 'last_modified': '2018-08-20T11:50:50Z', 'disable_times': []},
]
# 1.10 (L159-L178)
ERROR_SAMPLE = {'errors': [{'name': [{'message': 'This field may not be blank.', 'code': 'blank'}],
                            'description': [{'message': 'This field contains invalid characters.', 'code': 'invalid'}]}]}


@pytest.fixture(scope='module')
def sim(tmp_path_factory):
    """One simulator for the module, on free ports."""
    simulator = Simulator([CPMService()], port=0, tls_port=0, quiet=True,
                          state_dir=str(tmp_path_factory.mktemp('simstate')))
    simulator.start()
    yield simulator
    simulator.stop()


@pytest.fixture
def host(sim):  # pylint: disable=redefined-outer-name
    """``$HOST`` of the samples (host:port/cpm: the simulator's mount of ``https://<CPM Host>/``), reset."""
    requests.post(sim.http_url + '/_sim/reset', json={}, timeout=10).raise_for_status()
    return sim.http_url.split('://', 1)[1] + '/cpm'


def token(host_name):
    """``$TOKEN``: an access token of the root user (its key is the published cpm_api_key)."""
    response = requests.post('http://%s/api/token/obtain/api_key/' % host_name, data={'api_key': ROOT_KEY}, timeout=10)
    response.raise_for_status()
    return response.json()['access']


def curl(method, url, access, body=None):
    """What the curl samples send: Accept 'application/json;', a bearer token, JSON bodies."""
    headers = {'Accept': CURL_ACCEPT, 'Authorization': 'Bearer ' + access}
    if body is not None:
        headers['Content-Type'] = 'application/json'
    return requests.request(method, url, headers=headers, json=body, timeout=10)


def same_sample(actual, sample, stamps=('start_date', 'last_modified'), instants=()):
    """Every field of the sample is in the answer with the sample's value.

    ``stamps``: same format only (they depend on the clock); ``instants``: the same moment (the list sample
    prints whole seconds, ``2018-08-20T12:50:00Z``, the create sample microseconds).
    """
    for key, value in sample.items():
        assert key in actual, key
        if key in stamps:
            assert STAMP_RE.match(actual[key]), actual[key]
        elif key in instants:
            assert STAMP_RE.match(actual[key]) and parse_datetime(actual[key]) == parse_datetime(value), key
        else:
            assert actual[key] == value, (key, actual[key], value)


# -- 2.4 Python script (L414-L520), ported from Python 2 ----------------------------------------------------------


def test_python_sample_token_flow(host):  # pylint: disable=redefined-outer-name
    url_api = 'http://{host}/api/'
    url_token_obtain = url_api + 'token/obtain/api_key/'
    url_token_refresh = url_api + 'token/refresh/'
    url_api_users = url_api + 'users/'
    header_accept = 'application/json; version=1.0'
    header_authorization = 'Bearer {access_token}'

    def post_obtain_token(host_name, api_key):
        url = url_token_obtain.format(host=host_name)
        response = requests.post(url=url, headers={'Accept': header_accept}, data={'api_key': api_key}, timeout=10)
        assert response.status_code == 200
        response_json = response.json()
        return response_json['access'], response_json['refresh']

    def get_users(host_name, access_token):
        url = url_api_users.format(host=host_name)
        headers = {'Accept': header_accept, 'Authorization': header_authorization.format(access_token=access_token)}
        response = requests.get(url=url, headers=headers, timeout=10)
        assert response.status_code == 200
        return response.json()

    def post_refresh_token(host_name, refresh_token):
        url = url_token_refresh.format(host=host_name)
        response = requests.post(url=url, headers={'Accept': header_accept}, data={'refresh': refresh_token}, timeout=10)
        assert response.status_code == 200
        return response.json()['access']

    access_token, refresh_token = post_obtain_token(host, ROOT_KEY)
    users1 = get_users(host, access_token)
    access_token = post_refresh_token(host, refresh_token)
    users2 = get_users(host, access_token)
    assert users1 == users2
    assert [user['username'] for user in users1] == ['root', 'tenant', 'managed']


# -- 2.1 Schedules APIs (L203-L367) ---------------------------------------------------------------------------------


def test_schedule_samples_create_update_delete(host):  # pylint: disable=redefined-outer-name
    access = token(host)
    created = curl('POST', 'http://%s/api/schedules/' % host, access, CREATE_REQUEST)
    assert created.status_code == 201
    same_sample(created.json(), CREATE_RESPONSE)
    time.sleep(0.01)
    updated = curl('PUT', 'http://%s/api/schedules/1/' % host, access, UPDATE_REQUEST)
    assert updated.status_code == 200
    same_sample(updated.json(), UPDATE_RESPONSE)
    assert updated.json()['start_date'] == created.json()['start_date']  # not sent, kept (as in the sample)
    assert parse_datetime(updated.json()['last_modified']) > parse_datetime(created.json()['last_modified'])
    deleted = curl('DELETE', 'http://%s/api/schedules/1/' % host, access)
    assert deleted.status_code == 204 and deleted.content == b''
    assert curl('GET', 'http://%s/api/schedules/1/' % host, access).status_code == 404


def test_schedule_sample_list_ordered_by_frequency(host):  # pylint: disable=redefined-outer-name
    access = token(host)
    for sample in sorted(LIST_RESPONSE, key=lambda item: item['id']):
        body = dict((key, value) for key, value in sample.items() if key not in ('id', 'last_modified', 'end_date'))
        created = curl('POST', 'http://%s/api/schedules/' % host, access, body)
        assert created.status_code == 201 and created.json()['id'] == sample['id']
    listed = curl('GET', 'http://%s/api/schedules/?ordering=every_unit,every_how_many' % host, access)
    assert listed.status_code == 200 and isinstance(listed.json(), list)
    assert [item['id'] for item in listed.json()] == [2, 5, 4, 1, 3]
    for actual, sample in zip(listed.json(), LIST_RESPONSE):
        same_sample(actual, sample, stamps=('last_modified',), instants=('start_date',))
    # the Ch.1 ordering sample (L151-L152): units ascending, then how-many descending
    mixed = curl('GET', 'http://%s/api/schedules/?ordering=every_unit,-every_how_many' % host, access)
    assert [item['id'] for item in mixed.json()] == [2, 5, 4, 3, 1]


# -- Ch.1 samples: pagination (L93-L115) and errors (L159-L178) -----------------------------------------------------


def test_pagination_sample(host, sim):  # pylint: disable=redefined-outer-name
    access = token(host)
    requests.post(sim.http_url + '/_sim/config', json={'service': 'cpm', 'id_type': 'str'}, timeout=10).raise_for_status()
    for index in range(100):
        assert curl('POST', 'http://%s/api/policies/' % host, access, {'name': 'p%03d' % index, 'account': 1}).status_code == 201
    page = curl('GET', 'http://%s/api/policies/?page=3&page_size=20' % host, access)
    assert page.status_code == 200
    body = page.json()
    assert list(body) == ['count', 'next', 'previous', 'results'] and body['count'] == 100
    assert body['next'] == 'http://%s/api/policies/?page=4&page_size=20' % host
    assert body['previous'] == 'http://%s/api/policies/?page=2&page_size=20' % host
    assert len(body['results']) == 20 and all(isinstance(item['id'], str) for item in body['results'])
    assert [item['id'] for item in body['results']] == [str(n) for n in range(41, 61)]


def test_error_sample(host):  # pylint: disable=redefined-outer-name
    access = token(host)
    response = curl('POST', 'http://%s/api/policies/' % host, access,
                    {'name': '', 'description': '<script>alert(1)</script>', 'account': 1})
    assert response.status_code == 400
    assert response.json() == ERROR_SAMPLE
    assert list(response.json()['errors'][0]) == ['name', 'description']
