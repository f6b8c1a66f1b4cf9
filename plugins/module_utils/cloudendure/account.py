# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The account settings (UserDetails, L19-31) as module options, and the read-merge-write of setUserDetails.

setUserDetails overwrites the whole object (L150): the module reads it, changes only what the user gave, and
writes everything back.  Compared are only the given options: the locations, the given features (by name), the
given clouds' credentials (by member).  ``firstName``, ``lastName`` and ``company`` ("Not used") are written back
as they were.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import copy

from ansible.module_utils.parsing.convert_bool import boolean

from ansible_collections.backupdr.cloud.plugins.module_utils.cloudendure.common import CLOUD_SECRETS, is_mask
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import MASK
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_name

#: option -> (API cloud key, {option member: API member}, secret option member)
CLOUDS = {
    'aws': ('AWS', (('access_key_id', 'accessKeyId'), ('secret_access_key', 'secretAccessKey')), 'secret_access_key'),
    'azure': ('Azure', (('account_id', 'accountID'), ('certificate_file', 'certificateFile')), 'certificate_file'),
    'google': ('Google', (('account_id', 'accountID'), ('private_key_json', 'privateKeyJson')), 'private_key_json'),
}
CHANGED_SECRET = MASK + ' (new value)'


def feature_dict(features):
    """UserDetails.features (an array of one-key objects, L31, or an object) as ``{name: bool}``."""
    out = {}
    if isinstance(features, dict):
        for name, value in features.items():
            out[str(name)] = bool(value)
    elif isinstance(features, list):
        for item in features:
            if isinstance(item, dict):
                for name, value in item.items():
                    out[str(name)] = bool(value)
    return out


def features_like(current, wanted):
    """``wanted`` ({name: bool}) in the shape the service used (the seed's array of one-key objects by default),
    in the service's order, new names last."""
    if isinstance(current, dict):
        return dict(wanted)
    order = list(feature_dict(current))
    order += [name for name in wanted if name not in order]
    return [{name: wanted[name]} for name in order if name in wanted]


def check_options(params):
    """Validate the account options (no request yet); returns the normalised wanted values."""
    wanted = {}
    for option in ('primary_location', 'secondary_location'):
        if params.get(option) is not None:
            wanted[option] = check_name(params[option], option, 'location')
    if wanted.get('primary_location') and wanted.get('primary_location') == wanted.get('secondary_location'):
        raise ValidationError('secondary_location', 'must differ from primary_location (%r)' % wanted['primary_location'])
    if params.get('features') is not None:
        features = {}
        for name, value in params['features'].items():
            check_name(name, 'features', 'feature name')
            try:
                features[name] = boolean(value, strict=True)
            except TypeError:
                raise ValidationError('features', 'feature %r must be true or false, got %r' % (name, value))
        wanted['features'] = features
    credentials = params.get('cloud_credentials') or {}
    clouds = {}
    for option, (dummy, members, secret) in CLOUDS.items():
        given = credentials.get(option)
        if given is None:
            continue
        for member, dummy in members:
            value = given.get(member)
            if value is None or not str(value).strip():
                raise ValidationError('cloud_credentials.%s.%s' % (option, member),
                                      'must not be empty (the service refuses empty credentials)')
            if member != secret:
                check_name(value, 'cloud_credentials.%s.%s' % (option, member), 'value')
            elif is_mask(value):
                raise ValidationError('cloud_credentials.%s.%s' % (option, member),
                                      'is a mask, not a secret: give the real value (the value is not shown)')
        clouds[option] = dict((member, str(given[member])) for member, dummy in members)
    if clouds:
        wanted['cloud_credentials'] = clouds
    return wanted


def check_locations(wanted, known):
    """The given locations must be ones getAllLocations returns (a read)."""
    for option in ('primary_location', 'secondary_location'):
        value = wanted.get(option)
        if value is not None and value not in known:
            raise ValidationError(option, '%r is not a CloudEndure location; the locations are: %s' % (
                value, ', '.join(known)))


def cloud_view(entry, option, secret_state=None):
    """One cloud's credentials in option names, the secret masked (``secret_state``: CHANGED_SECRET when it changes)."""
    if not isinstance(entry, dict):
        return None
    dummy, members, secret = CLOUDS[option]
    out = {}
    for member, api in members:
        if member == secret:
            out[member] = secret_state or (MASK if entry.get(api) is not None else None)
        else:
            out[member] = entry.get(api)
    return out


class Plan:
    """What the module would write: ``wanted`` (the whole UserDetails object), ``before``/``after`` (the changed
    options, in option names, secrets masked), ``location_change``, ``blocked`` (why a write is impossible) and
    ``notes`` (warnings)."""

    def __init__(self, current, wanted, username):
        self.current = current
        self.before = {}
        self.after = {}
        self.notes = []
        self.blocked = None
        base = copy.deepcopy(current) if current else {}
        new = {
            'username': base.get('username') or username,
            'originalLocation': base.get('originalLocation'),
            'mirrorLocation': base.get('mirrorLocation'),
            'credentials': copy.deepcopy(base.get('credentials') or {}),
            'features': copy.deepcopy(base.get('features') if base.get('features') is not None else []),
        }
        for key in ('firstName', 'lastName', 'company'):
            if key in base:
                new[key] = base[key]
        self._locations(base, new, wanted)
        self._features(base, new, wanted)
        self._credentials(base, new, wanted)
        self.wanted = new
        self.changed = bool(self.after)
        self.location_change = bool(current) and ('primary_location' in self.after or 'secondary_location' in self.after)
        if self.changed:
            self._check_writable(wanted)

    def _locations(self, base, new, wanted):
        for option, key in (('primary_location', 'originalLocation'), ('secondary_location', 'mirrorLocation')):
            if option in wanted and base.get(key) != wanted[option]:
                self.before[option] = base.get(key)
                self.after[option] = wanted[option]
                new[key] = wanted[option]

    def _features(self, base, new, wanted):
        if 'features' not in wanted:
            return
        have = feature_dict(base.get('features'))
        merged = dict(have)
        before, after = {}, {}
        for name, value in wanted['features'].items():
            if have.get(name) is not value and not (name not in have and value is False and base):
                before[name] = have.get(name)
                after[name] = value
            merged[name] = value
        if after:
            self.before['features'] = before
            self.after['features'] = after
            new['features'] = features_like(base.get('features'), merged)

    def _credentials(self, base, new, wanted):
        given = wanted.get('cloud_credentials') or {}
        have = base.get('credentials') or {}
        before, after = {}, {}
        for option, values in given.items():
            cloud, members, secret = CLOUDS[option]
            entry = have.get(cloud) if isinstance(have.get(cloud), dict) else {}
            differs = False
            secret_changes = False
            for member, api in members:
                current = entry.get(api)
                if member == secret:
                    if is_mask(current):
                        # The service does not show the stored secret: it cannot be compared.
                        continue
                    if current != values[member]:
                        differs = secret_changes = True
                elif current != values[member]:
                    differs = True
            masked_secret = is_mask(entry.get(dict(members)[secret]))
            if masked_secret and not differs:
                self.notes.append('the service does not show the stored %s secret, so cloud_credentials.%s.%s cannot '
                                  'be compared; it is taken as unchanged because the other members are' % (
                                      cloud, option, secret))
            if differs:
                before[option] = cloud_view(entry, option) if entry else None
                after[option] = cloud_view(dict((api, values[m]) for m, api in members), option,
                                           CHANGED_SECRET if (secret_changes or masked_secret or not entry) else None)
            # What is written: the given values (the real secret, never the mask).
            new['credentials'][cloud] = dict((api, values[m]) for m, api in members)
        if after:
            self.before['cloud_credentials'] = before
            self.after['cloud_credentials'] = after

    def _check_writable(self, wanted):
        if not self.current:
            missing = [o for o in ('primary_location', 'secondary_location') if o not in wanted]
            if missing:
                self.blocked = ValidationError(missing[0], 'the account settings were never set (Details Not Set), '
                                                           'so primary_location and secondary_location are required')
            return
        given = set((wanted.get('cloud_credentials') or {}).keys())
        for option, (cloud, members, secret) in CLOUDS.items():
            entry = (self.current.get('credentials') or {}).get(cloud)
            if isinstance(entry, dict) and is_mask(entry.get(dict(members)[secret])) and option not in given:
                self.blocked = ValidationError(
                    'cloud_credentials', 'the service shows the stored %s secret masked, and setUserDetails overwrites '
                                         'every value, so it cannot be written back: give cloud_credentials.%s too'
                                         % (cloud, option))
                return


def secrets_of(details):
    """The cloud secrets of a UserDetails object (to hide them from every output)."""
    out = []
    for cloud, field in CLOUD_SECRETS.items():
        entry = ((details or {}).get('credentials') or {}).get(cloud)
        if isinstance(entry, dict) and isinstance(entry.get(field), str):
            out.append(entry[field])
    return out
