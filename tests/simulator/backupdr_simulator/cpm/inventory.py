# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""A small catalogue of "AWS resources" per CPM account and region, so that policy targets refer to something.

Not part of the CPM API: it stands for what CPM sees in AWS.  Every backup
account gets a deterministic default estate the first time it is looked at
(D20); admin actions list, add and remove resources.
"""

import hashlib
import time

from ..core import AdminError
from .api import Family
from .directory import REGION_BY_NAME

KINDS = ('instances', 'volumes', 'rds_databases', 'rds_clusters', 'redshift_clusters', 'dynamodb_tables', 'efs',
         's3_buckets')
CREATED = 1546300800.0  # 2019-01-01T00:00:00Z


def aws_hex(*parts, length=17):
    """Deterministic hex suffix of an AWS id."""
    return hashlib.sha1(':'.join(str(part) for part in parts).encode('utf-8')).hexdigest()[:length]


def slug(name):
    """An account name made fit for AWS resource names."""
    return name.lower().replace('_', '-')


class InventoryFamily(Family):
    """AWS resources by (account id, region, kind, AWS id)."""

    name = 'inventory'

    def reset(self):
        self.estates = {}     # account id -> {region: {kind: {aws_id: resource}}}
        self.generated = set()

    # -- access ------------------------------------------------------------------
    def region(self, account_id, region):
        """``{kind: {aws_id: resource}}`` of one account and region (default estate made on first use)."""
        self.ensure(account_id)
        estate = self.estates.setdefault(account_id, {})
        if region not in estate:
            estate[region] = dict((kind, {}) for kind in KINDS)
        return estate[region]

    def find(self, account_id, region, kind, aws_id):
        """A resource or None (S3 buckets are global: any region of the account)."""
        if kind == 's3_buckets':
            self.ensure(account_id)
            for regional in self.estates.get(account_id, {}).values():
                if aws_id in regional['s3_buckets']:
                    return regional['s3_buckets'][aws_id]
            return None
        return self.region(account_id, region)[kind].get(aws_id)

    def find_table(self, account_id, region, table_name):
        """A DynamoDB table by name, or None."""
        for table in self.region(account_id, region)['dynamodb_tables'].values():
            if table['name'] == table_name:
                return table
        return None

    def ensure(self, account_id):
        """Create the default estate of a backup account once (D20)."""
        if account_id in self.generated:
            return
        self.generated.add(account_id)
        account = self.svc.accounts.accounts.get(account_id)
        if account is None or account['kind'] != 'backup':
            return
        base = slug(account['name'])
        self.add_instance(account_id, 'us-east-1', base + '-web-1', volumes=2)
        self.add_instance(account_id, 'us-east-1', base + '-web-2', volumes=3)
        self.add_instance(account_id, 'us-east-1', base + '-app-win-1', volumes=2, platform='windows')
        self.add_volume(account_id, 'us-east-1', base + '-data-1')
        self.add_volume(account_id, 'us-east-1', base + '-data-2', size=500, volume_type='st1')
        self.add_simple(account_id, 'us-east-1', 'rds_databases', base + '-mysql-1')
        self.add_simple(account_id, 'us-east-1', 'rds_clusters', base + '-aurora-1')
        self.add_simple(account_id, 'us-east-1', 'redshift_clusters', base + '-redshift-1')
        self.add_simple(account_id, 'us-east-1', 'dynamodb_tables', base + '-orders')
        self.add_simple(account_id, 'us-east-1', 'efs', base + '-shared')
        self.add_simple(account_id, 'us-east-1', 's3_buckets', base + '-assets')
        self.add_simple(account_id, 'us-east-1', 's3_buckets', base + '-backup-copies')
        self.add_instance(account_id, 'us-west-2', base + '-web-west-1', volumes=1)
        self.add_volume(account_id, 'us-west-2', base + '-data-west-1')

    # -- building ------------------------------------------------------------------
    def _store(self, account_id, region, kind, resource):
        if account_id not in self.generated:
            self.generated.add(account_id)  # explicit resources replace the default estate
        estate = self.estates.setdefault(account_id, {})
        if region not in estate:
            estate[region] = dict((k, {}) for k in KINDS)
        estate[region][kind][resource['aws_id']] = resource
        return resource

    def add_instance(self, account_id, region, name, volumes=2, platform='linux', state='running', aws_id=None,
                     tags=None, instance_type='t3.medium'):
        """An EC2 instance with ``volumes`` attached EBS volumes (the first is the root device)."""
        aws_id = aws_id or 'i-' + aws_hex(account_id, region, 'instance', name)
        zone = region + 'a'
        instance = {
            'kind': 'instances', 'aws_id': aws_id, 'name': name, 'region': region, 'zone': zone, 'state': state,
            'platform': platform, 'image_id': 'ami-' + aws_hex('image', platform, region),
            'instance_type': instance_type, 'architecture': 'x86_64', 'virtualization_type': 'hvm',
            'root_device': '/dev/sda1' if platform == 'windows' else '/dev/xvda', 'root_device_type': 'ebs',
            'has_product_code': False, 'key_name': 'sim-key', 'ip_address': '10.0.%d.%d' % (
                int(aws_hex(aws_id, length=2), 16) % 250, int(aws_hex(aws_id, 'ip', length=2), 16) % 250 + 2),
            'subnet_id': 'subnet-' + aws_hex(account_id, region, 'subnet'),
            'vpc_id': 'vpc-' + aws_hex(account_id, region, 'vpc'),
            'security_groups': ['sg-' + aws_hex(account_id, region, 'sg')], 'ebs_optimized': True,
            'ena_support': True, 'tenancy': 'default', 'tags': dict(tags or {}, Name=name), 'volumes': [],
            'created': CREATED,
        }
        self._store(account_id, region, 'instances', instance)
        for index in range(volumes):
            device = instance['root_device'] if index == 0 else '/dev/xvd%s' % 'bcdefghijklmnop'[(index - 1) % 15]
            volume = self.add_volume(account_id, region, '%s-vol-%d' % (name, index), size=8 if index == 0 else 100,
                                     attached_to=aws_id, device=device, zone=zone)
            instance['volumes'].append(volume['aws_id'])
        return instance

    def add_volume(self, account_id, region, name, size=100, volume_type='gp3', attached_to=None, device=None,
                   zone=None, aws_id=None, tags=None):
        """An EBS volume (independent when ``attached_to`` is None)."""
        aws_id = aws_id or 'vol-' + aws_hex(account_id, region, 'volume', name)
        volume = {'kind': 'volumes', 'aws_id': aws_id, 'name': name, 'region': region, 'zone': zone or region + 'a',
                  'size': size, 'iops': 3000 if volume_type in ('gp3', 'io1', 'io2') else 0, 'type': volume_type,
                  'encrypted': False, 'attached_to': attached_to, 'device': device,
                  'state': 'in-use' if attached_to else 'available', 'created': CREATED,
                  'tags': dict(tags or {}, Name=name)}
        return self._store(account_id, region, 'volumes', volume)

    def add_simple(self, account_id, region, kind, name, aws_id=None, tags=None):
        """One resource of the other kinds, with plausible attributes."""
        zone = region + 'a'
        base = {'kind': kind, 'name': name, 'region': region, 'zone': zone, 'created': CREATED,
                'tags': dict(tags or {}, Name=name)}
        if kind == 'rds_databases':
            base.update(aws_id=aws_id or name, db_class='db.t3.medium', engine='mysql', iops=0, multi_az=False,
                        publicly_accessible=False, storage=20, storage_type='gp2', status='available', port=3306,
                        subnet_group='default')
        elif kind == 'rds_clusters':
            base.update(aws_id=aws_id or name, db_class='db.r5.large', engine='aurora-mysql', storage=1,
                        status='available', port=3306, subnet_group='default', publicly_accessible=False)
        elif kind == 'redshift_clusters':
            base.update(aws_id=aws_id or name, node_type='dc2.large', nodes=2, node_storage=160, encrypted=True,
                        publicly_accessible=False, status='available', port=5439, subnet_group='default')
        elif kind == 'dynamodb_tables':
            table_id = aws_id or '-'.join((aws_hex(account_id, region, name, length=8), aws_hex(name, 1, length=4),
                                           aws_hex(name, 2, length=4), aws_hex(name, 3, length=4),
                                           aws_hex(name, 4, length=12)))
            number = self.svc.accounts.accounts[account_id]['account_number'] if account_id in self.svc.accounts.accounts \
                else '000000000000'
            base.update(aws_id=table_id, partition_key='id', sort_key=None, storage=1, status='ACTIVE',
                        arn='arn:aws:dynamodb:%s:%s:table/%s' % (region, number, name))
        elif kind == 'efs':
            base.update(aws_id=aws_id or 'fs-' + aws_hex(account_id, region, 'efs', name, length=8), encrypted=True,
                        num_mount_targets=2, size_in_bytes=6144, status='available', performance_mode='generalPurpose')
        elif kind == 's3_buckets':
            base.update(aws_id=aws_id or name, encrypted=True, status='Active')
        else:
            raise ValueError(kind)
        return self._store(account_id, region, kind, base)

    def add_recovered(self, account_id, region, kind, aws_id, name=None, tags=None, **attrs):
        """A resource created by a recovery (D27): ``aws_id`` is the new id (the new name for DynamoDB tables).

        Instances take ``platform``, ``instance_type``, ``ip_address``, ``key_name`` and ``volumes`` (a list of
        ``{aws_id, device, size, type}``); volumes take ``size``, ``volume_type``, ``zone``, ``attached_to`` and
        ``device``; the other kinds get the attributes of a new resource of their kind.
        """
        self.ensure(account_id)  # the default estate first: explicit resources would replace it
        tags = dict(tags or {})
        if kind == 'instances':
            volumes = attrs.pop('volumes', None) or []
            instance = self.add_instance(account_id, region, name or aws_id, volumes=0, aws_id=aws_id, tags=tags,
                                         platform=attrs.get('platform') or 'linux',
                                         instance_type=attrs.get('instance_type') or 't3.medium')
            if attrs.get('ip_address'):
                instance['ip_address'] = attrs['ip_address']
            if attrs.get('key_name'):
                instance['key_name'] = attrs['key_name']
            for volume in volumes:
                self.add_volume(account_id, region, '%s-%s' % (name or aws_id, volume['aws_id']), size=volume['size'] or 8,
                                volume_type=volume['type'] or 'gp3', attached_to=aws_id,
                                device=volume['device'], zone=instance['zone'], aws_id=volume['aws_id'])
                instance['volumes'].append(volume['aws_id'])
            if volumes and volumes[0]['device']:
                instance['root_device'] = volumes[0]['device']
            instance['recovered'] = True
            return instance
        if kind == 'volumes':
            volume = self.add_volume(account_id, region, name or aws_id, size=attrs.get('size') or 100,
                                     volume_type=attrs.get('volume_type') or 'gp3', attached_to=attrs.get('attached_to'),
                                     device=attrs.get('device'), zone=attrs.get('zone'), aws_id=aws_id, tags=tags)
            if volume['attached_to']:
                instance = self.find(account_id, region, 'instances', volume['attached_to'])
                if instance is not None and aws_id not in instance['volumes']:
                    instance['volumes'].append(aws_id)
            volume['recovered'] = True
            return volume
        if kind == 'dynamodb_tables':
            resource = self.add_simple(account_id, region, kind, aws_id, tags=tags)
        else:
            resource = self.add_simple(account_id, region, kind, name or aws_id, aws_id=aws_id, tags=tags)
        resource['recovered'] = True
        return resource

    def remove(self, account_id, region, aws_id):
        """Forget a resource (and the volumes of an instance); return it or None."""
        self.ensure(account_id)
        regional = self.estates.get(account_id, {}).get(region)
        if not regional:
            return None
        for kind in KINDS:
            resource = regional[kind].pop(aws_id, None)
            if resource is not None:
                for volume_id in resource.get('volumes', ()):
                    regional['volumes'].pop(volume_id, None)
                return resource
        return None

    # -- admin -------------------------------------------------------------------
    def admin(self, action, method, params):
        if action != 'inventory':
            return NotImplemented
        account_id = _int(params.get('account'), 'account')
        if account_id not in self.svc.accounts.accounts:
            raise AdminError(404, 'account %s not found' % params.get('account'))
        if method == 'GET':
            self.ensure(account_id)
            region_filter = params.get('region')
            kind_filter = params.get('kind')
            out = []
            for region, regional in sorted(self.estates.get(account_id, {}).items()):
                if region_filter and region != region_filter:
                    continue
                for kind in KINDS:
                    if kind_filter and kind != kind_filter:
                        continue
                    out.extend(dict(resource) for resource in regional[kind].values())
            return {'account': account_id, 'resources': out}
        region = params.get('region') or 'us-east-1'
        if region not in REGION_BY_NAME:
            raise AdminError(400, 'unknown region %r' % region)
        if method == 'POST':
            return {'ok': True, 'resource': self._admin_add(account_id, region, params)}
        if method == 'DELETE':
            aws_id = params.get('aws_resource_id')
            resource = self.remove(account_id, region, aws_id)
            if resource is None:
                raise AdminError(404, 'resource %s not found in account %d %s' % (aws_id, account_id, region))
            removed = self.svc.targets.resource_gone(account_id, region, resource, time.time())
            return {'ok': True, 'removed': resource['aws_id'], 'targets_removed': removed}
        raise AdminError(405, 'use GET, POST or DELETE for inventory')

    def _admin_add(self, account_id, region, params):
        kind = params.get('kind', 'instances')
        name = params.get('name')
        if kind not in KINDS:
            raise AdminError(400, 'kind must be one of %s' % ', '.join(KINDS))
        if not isinstance(name, str) or not name:
            raise AdminError(400, '"name" is required')
        aws_id = params.get('aws_resource_id') or None
        tags = params.get('tags') or {}
        if not isinstance(tags, dict):
            raise AdminError(400, 'tags must be an object')
        self.ensure(account_id)
        if kind == 'instances':
            resource = self.add_instance(account_id, region, name, volumes=_int(params.get('volumes', 2), 'volumes'),
                                         platform=params.get('platform', 'linux'), state=params.get('state', 'running'),
                                         aws_id=aws_id, tags=tags)
        elif kind == 'volumes':
            resource = self.add_volume(account_id, region, name, size=_int(params.get('size', 100), 'size'),
                                       aws_id=aws_id, tags=tags)
        else:
            resource = self.add_simple(account_id, region, kind, name, aws_id=aws_id, tags=tags)
        return dict(resource)


def _int(value, name):
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise AdminError(400, '%s must be an integer' % name) from exc
