# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The future replica configuration (ReplicaProperties, L60-73; get/setFutureReplicaConfiguration, L379-493).

Every component is ``{"value": ..., "editable": "true"|"false"}`` (strings).  setFutureReplicaConfiguration takes
the whole object (L476), so the module reads it, changes the values of the given options, and writes it all.  A
component marked ``"editable": "false"`` is never changed (refused before any write, L482); the seed's "Not
Supported" cases are refused before any write too (L480-481, L71-72): "Copy Origin" for a machine that is not an
AWS instance, "Create New" private IP for an AWS machine, more than one private IP, a volume not replicated.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.parsing.convert_bool import BOOLEANS_FALSE, BOOLEANS_TRUE

from ansible_collections.backupdr.cloud.plugins.module_utils.validate import (
    ValidationError, check_name, is_ipv4, parse_int,
)

COPY_ORIGIN = 'Copy Origin'
CREATE_NEW = 'Create New'
#: L480 calls it "Generate New"; the struct (L71) "Create New", which is what is sent.
GENERATE_NEW = 'Generate New'
AWS_TYPES = ('ec2', 'rds')

#: option -> API component
COMPONENT = {
    'instance_type': 'InstanceType',
    'subnet': 'InstanceSubnet',
    'private_ip': 'PrivateIPs',
    'elastic_ip': 'ElasticIP',
    'volumes': 'Volumes',
}
OPTIONS = tuple(COMPONENT)


def special(value):
    """``Copy Origin`` / ``Create New`` written any way (case, ``_`` or spaces), else None."""
    if not isinstance(value, str):
        return None
    squashed = value.replace('_', ' ').replace('-', ' ').strip().lower()
    if squashed == 'copy origin':
        return COPY_ORIGIN
    if squashed in ('create new', 'generate new'):
        return CREATE_NEW
    return None


def editable(component):
    return str((component or {}).get('editable', 'true')).lower() != 'false'


def value_of(config, option):
    return (config.get(COMPONENT[option]) or {}).get('value')


def normalize_ssd(value, option):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if special(value) == COPY_ORIGIN:
        return COPY_ORIGIN
    text = str(value).strip().lower()
    if text in BOOLEANS_TRUE or value in BOOLEANS_TRUE:
        return 'true'
    if text in BOOLEANS_FALSE or value in BOOLEANS_FALSE:
        return 'false'
    raise ValidationError(option, 'expected true, false or "Copy Origin", got %r' % (value,))


def check_options(params):
    """The given replica options, normalised to the API's values (no request yet)."""
    wanted = {}
    if params.get('instance_type') is not None:
        value = check_name(params['instance_type'], 'instance_type', 'instance type')
        wanted['instance_type'] = special(value) or value.strip()
        if special(value) == CREATE_NEW:
            raise ValidationError('instance_type', 'is an instance type or "Copy Origin"')
    if params.get('subnet') is not None:
        value = check_name(params['subnet'], 'subnet', 'subnet id')
        wanted['subnet'] = special(value) or value.strip()
    if params.get('private_ip') is not None:
        value = str(params['private_ip']).strip()
        if special(value):
            wanted['private_ip'] = special(value)
        elif ',' in value or ' ' in value:
            raise ValidationError('private_ip', 'CloudEndure supports one private IP per replica; got %r'
                                  % value)
        elif not is_ipv4(value):
            raise ValidationError('private_ip', 'expected an IPv4 address, "Copy Origin" or "Create New", got %r'
                                  % value)
        else:
            wanted['private_ip'] = [value]
    if params.get('elastic_ip') is not None:
        wanted['elastic_ip'] = CREATE_NEW if params['elastic_ip'] else None
    if params.get('volumes') is not None:
        volumes = {}
        for name, spec in params['volumes'].items():
            option = 'volumes.%s' % name
            if not isinstance(spec, dict):
                raise ValidationError(option, 'expected a dictionary with ssd and/or iops, got %r' % (spec,))
            unknown = sorted(set(spec) - set(('ssd', 'iops', 'replicate')))
            if unknown:
                raise ValidationError(option, 'unknown key(s) %s (known: ssd, iops)' % ', '.join(unknown))
            entry = {}
            if 'replicate' in spec:
                if spec['replicate'] not in (True, 'true', 'yes', 'True'):
                    raise ValidationError(option + '.replicate', 'every volume is replicated; CloudEndure refuses '
                                                                 'false')
            if 'ssd' in spec and spec['ssd'] is not None:
                entry['ssd'] = normalize_ssd(spec['ssd'], option + '.ssd')
            if 'iops' in spec:
                entry['IOps'] = None if spec['iops'] in (None, '', 0, '0') else \
                    parse_int(spec['iops'], option + '.iops', minimum=1)
            volumes[check_name(name, 'volumes', 'volume name')] = entry
        wanted['volumes'] = volumes
    return wanted


def apply(config, wanted, machine_type, option_prefix=''):
    """``(new config, before, after)``: the whole object with the wanted values, and the changed options' values
    (option names).  Raises ValidationError, before any write, for what the API would refuse."""
    new = copy.deepcopy(config)
    before, after = {}, {}
    aws = machine_type in AWS_TYPES
    for option, value in wanted.items():
        name = COMPONENT[option]
        component = config.get(name)
        if not isinstance(component, dict) or 'value' not in component:
            raise ValidationError(option, 'the replica configuration of this machine has no %s component' % name)
        current = component.get('value')
        if option == 'volumes':
            value = merge_volumes(current, value, option_prefix)
        if value == current:
            continue
        if not editable(component):
            raise ValidationError(option, '%s is marked "editable": "false" for this machine; CloudEndure refuses '
                                          'to change it (Field Not Editable). Nothing was changed' % name)
        check_supported(option, value, aws)
        before[option] = view_value(option, current)
        after[option] = view_value(option, value)
        new[name]['value'] = value
    return new, before, after


def merge_volumes(current, wanted, prefix=''):
    if not isinstance(current, dict):
        raise ValidationError('volumes', 'the replica configuration shows no volumes')
    out = copy.deepcopy(current)
    for name, entry in wanted.items():
        if name not in current:
            raise ValidationError('volumes', 'the machine has no volume %r (its volumes: %s)' % (
                name, ', '.join(sorted(current))))
        out[name].update(entry)
    return out


def check_supported(option, value, aws):
    """The seed's "Not Supported" cases, refused before the write."""
    values = [value]
    if option == 'volumes':
        values = [v.get('ssd') for v in value.values()]
    if not aws and COPY_ORIGIN in values:
        raise ValidationError(option, '"Copy Origin" is not supported for a machine that is not an AWS instance '
                                      '(the API would answer Not Supported)')
    if option == 'private_ip' and aws and value == CREATE_NEW:
        raise ValidationError(option, '"Create New" is not supported for a machine on AWS (the API would answer Not Supported)')


def view_value(option, value):
    """An API value in the module's terms."""
    if option == 'elastic_ip':
        return value == CREATE_NEW
    if option == 'private_ip':
        if isinstance(value, list):
            return value[0] if len(value) == 1 else ', '.join(str(v) for v in value)
        return special(value) or value
    if option == 'volumes':
        out = {}
        for name, entry in (value or {}).items():
            entry = entry or {}
            ssd = entry.get('ssd')
            out[name] = dict(ssd=ssd == 'true' if ssd in ('true', 'false') else ssd, iops=entry.get('IOps'),
                             replicate=entry.get('replicate'))
        return out
    return value


def config_view(config):
    """A ReplicaProperties object in option names, with ``editable`` per option."""
    out = dict((option, view_value(option, value_of(config, option))) for option in OPTIONS if COMPONENT[option] in config)
    out['editable'] = dict((option, editable(config.get(COMPONENT[option]))) for option in OPTIONS
                           if COMPONENT[option] in config)
    return out
