# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""docs/api-coverage.md is what scripts/api_coverage.py makes of the seeds, the simulator, the modules' ``# api:``
declarations and scripts/api_coverage_map.yml: every endpoint covered by a module or a reason, nothing stale."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import importlib.util
import os

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), os.pardir, os.pardir))
SCRIPT = os.path.join(ROOT, 'scripts', 'api_coverage.py')


def load():
    spec = importlib.util.spec_from_file_location('api_coverage', SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope='module')
def coverage():
    module = load()
    if module.seeds_dir() is None:
        pytest.skip('shared/seeds is not beside the work tree (set BACKUPDR_SEEDS)')
    services, problems = module.build()
    return module, services, problems


def test_no_problem(coverage):
    dummy, dummy2, problems = coverage
    assert problems == []


def test_document_is_current(coverage):
    module, services, dummy = coverage
    with open(module.DOC, encoding='utf-8') as handle:
        assert handle.read() == module.render(services), 'run python scripts/api_coverage.py'


def test_every_endpoint_has_a_module_or_a_reason(coverage):
    dummy, services, dummy2 = coverage
    for service, title, seed, rows in services:
        for row in rows:
            assert row['modules'] or row['reason'], (service, row)


def test_cpm_has_the_seeds_350_endpoints(coverage):
    dummy, services, dummy2 = coverage
    rows = dict((s[0], s[3]) for s in services)['cpm']
    assert len(rows) == 350
    assert len(set((r['method'], r['path']) for r in rows)) == 350


def test_endpoint_counts_of_the_other_seeds(coverage):
    dummy, services, dummy2 = coverage
    counts = dict((s[0], len(s[3])) for s in services)
    assert counts == {'cpm': 350, 'crosspeer': 26, 'acronis_dr': 6, 'rax_backup': 33, 'cloudendure': 16}


def test_a_declaration_of_an_unknown_endpoint_is_a_problem(coverage, monkeypatch):
    module = coverage[0]
    real = module.declarations

    def fake():
        out = real()
        out.setdefault('cpm_user', []).append(('GET', 'users/{id}/nothing/', 'id', 999))
        return out
    monkeypatch.setattr(module, 'declarations', fake)
    dummy, problems = module.build()
    assert any('users/{id}/nothing/' in p for p in problems)


def test_an_undocumented_option_is_a_problem(coverage, monkeypatch):
    module = coverage[0]
    real = module.declarations

    def fake():
        out = real()
        out['cpm_user'] = [(m, p, 'no_such_option' if p == 'users/' else o, n) for m, p, o, n in out['cpm_user']]
        return out
    monkeypatch.setattr(module, 'declarations', fake)
    dummy, problems = module.build()
    assert any("has no option 'no_such_option'" in p for p in problems)


def test_an_endpoint_nothing_covers_is_a_problem(coverage, monkeypatch):
    module = coverage[0]
    real = module.declarations

    def fake():
        out = real()
        out.pop('cpm_alert')
        return out
    monkeypatch.setattr(module, 'declarations', fake)
    dummy, problems = module.build()
    assert any('DELETE alerts/' in p and 'no entry' in p for p in problems)
