# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Policy targets (Ch.13): instances (with volume selection), volumes, RDS databases and clusters, Redshift
clusters, DynamoDB tables, EFS and S3 sync, plus the generic target list and tag scanning."""

import time

from ..core import AdminError
from .api import ApiError, F, Family, Route, forbidden, invalid, iso, not_found, page_response, validate
from .directory import REGION_BY_NAME

KINDS = ('instances', 'volumes', 'rds_databases', 'rds_clusters', 'redshift_clusters', 'dynamodb_tables', 'efs',
         's3syncs')
APP_SPEC = {
    'agent_script_timeout': F('int', min_value=1, default=100),
    'collect_script_output': F('bool', default=False),
    'enable_agent_scripts': F('bool', default=False),
    'enable_agent_vss': F('bool', default=False),
    'use_remote_agent': F('bool', default=False),
    'vss_volumes': F('str', default=''),
}
WHERE = {'aws_region': F('str', required=True, blank=False), 'aws_resource_id': F('str', required=True, blank=False)}
INSTANCE_UPDATE = {
    'ami_backup_option': F('choice', choices=('N', 'S', 'O'), default='N'),
    'ami_reboot_option': F('bool', default=False),
    'application_consistent_backup': F('obj', spec=APP_SPEC),
    'aws_root_device': F('str', nullable=True, default=None),
    'force_full_s3_copy': F('bool', default=False),
    'which_volumes': F('choice', choices=('A', 'I', 'X'), default='A'),
}
EFS_UPDATE = {
    'backup_iam_role_arn': F('str', nullable=True, default=None),
    'backup_vault_name': F('str', nullable=True, default='Default'),
    'expire_option': F('choice', choices=('P', 'N', 'D', 'W', 'M', 'Y'), default='P'),
    'expire_option_value': F('int', nullable=True, min_value=1, default=None),
    'move_to_cold_storage_option': F('choice', choices=('N', 'D', 'W', 'M', 'Y'), default='N'),
    'move_to_cold_storage_option_value': F('int', nullable=True, min_value=1, default=None),
}
S3SYNC_SPEC = {
    'name': F('str', required=True, blank=False),
    'destination_bucket_name': F('str', required=True, blank=False),
    'destination_account': F('pk', nullable=True, default=None, model='backup_account'),
    'source_prefix': F('str', default=''),
    'destination_prefix': F('str', default=''),
    'keep_source_prefix': F('bool', default=False),
    'delete_extra': F('bool', default=False),
    'storage_class': F('choice', choices=('S', 'R', 'I'), default='S'),
}
CREATE_SPECS = {
    'instances': dict(WHERE, **INSTANCE_UPDATE),
    'volumes': dict(WHERE),
    'rds_databases': dict(WHERE),
    'rds_clusters': dict(WHERE),
    'redshift_clusters': dict(WHERE),
    'dynamodb_tables': {'aws_region': F('str', required=True, blank=False),
                        'aws_resource_name': F('str', required=True, blank=False)},
    'efs': dict(WHERE, **EFS_UPDATE),
    's3syncs': S3SYNC_SPEC,
}
UPDATE_SPECS = {'instances': INSTANCE_UPDATE, 'efs': EFS_UPDATE, 's3syncs': S3SYNC_SPEC}
INVENTORY_KIND = {'instances': 'instances', 'volumes': 'volumes', 'rds_databases': 'rds_databases',
                  'rds_clusters': 'rds_clusters', 'redshift_clusters': 'redshift_clusters',
                  'dynamodb_tables': 'dynamodb_tables', 'efs': 'efs', 's3syncs': 's3_buckets'}
# (POST, list, get, PUT or None, DELETE) seed lines and the Initial Release of list/get and of POST
LINES = {
    'dynamodb_tables': ((26439, 26573, 26691, None, 26800), '1.1.0', '1.1.0'),
    'efs': ((26847, 27080, 27249, 27410, 27640), '1.3.0', '1.3.0'),
    'instances': ((27687, 28048, 28284, 28511, 28874), '1.0.0', '1.2.0'),
    'rds_clusters': ((29367, 29491, 29599, None, 29698), '1.1.0', '1.1.0'),
    'rds_databases': ((29745, 29902, 30044, None, 30177), '1.0.0', '1.0.0'),
    'redshift_clusters': ((30224, 30371, 30502, None, 30624), '1.1.0', '1.1.0'),
    's3syncs': ((30671, 30862, 30998, 31126, 31325), '1.5.0', '1.5.0'),
    'volumes': ((31371, 31515, 31643, None, 31762), '1.0.0', '1.0.0'),
}


class TargetsFamily(Family):
    """``/api/policies/{policy_id}/targets/...``"""

    name = 'targets'

    def reset(self):
        self.targets = {}      # id -> target
        self.by_policy = {}    # policy id -> {id: target} (creation order)
        self.seq = 0

    def routes(self):
        routes = [Route('GET', 'policies/{policy_id}/targets/', self.list_all, '1.1.0', None, 26204)]
        for kind in ('dynamodb_tables', 'efs', 'instances', 'rds_clusters', 'rds_databases', 'redshift_clusters',
                     's3syncs', 'volumes'):
            (post, lst, get, put, delete), since, post_since = LINES[kind]
            base = 'policies/{policy_id}/targets/%s/' % kind
            routes += [
                Route('POST', base, self._bind(self.create, kind), post_since, 'backup', post),
                Route('GET', base, self._bind(self.list_kind, kind), since, None, lst),
                Route('GET', base + '{id}/', self._bind(self.get, kind), since, None, get),
                Route('DELETE', base + '{id}/', self._bind(self.delete, kind), since, 'backup', delete),
            ]
            if put:
                routes.append(Route('PUT', base + '{id}/', self._bind(self.update, kind), post_since, 'backup', put))
        base = 'policies/{policy_id}/targets/instances/{instance_id}/volumes/'
        routes += [
            Route('POST', base, self.volume_add, '1.0.0', 'backup', 28921),
            Route('GET', base, self.volume_list, '1.0.0', None, 29062),
            Route('GET', base + '{id}/', self.volume_get, '1.0.0', None, 29189),
            Route('DELETE', base + '{id}/', self.volume_delete, '1.0.0', 'backup', 29314),
        ]
        return routes

    @staticmethod
    def _bind(method, kind):
        def handler(call):
            return method(call, kind)
        handler.__doc__ = method.__doc__
        return handler

    # -- model ---------------------------------------------------------------------
    def of_policy(self, policy_id, kind=None):
        """Targets of a policy in creation order (optionally of one kind)."""
        targets = self.by_policy.get(policy_id, {}).values()
        return [t for t in targets if kind is None or t['kind'] == kind]

    def count(self, policy_id):
        """Number of targets of a policy."""
        return len(self.by_policy.get(policy_id, ()))

    def drop_policy(self, policy_id):
        """Forget the targets of a deleted policy."""
        for target_id in self.by_policy.pop(policy_id, {}):
            self.targets.pop(target_id, None)

    def add(self, policy, kind, resource, settings, tagged=False, now=0.0):
        """Store a target of a policy for an inventory resource."""
        self.seq += 1
        target = {'id': self.seq, 'kind': kind, 'policy': policy['id'], 'account': policy['account'],
                  'region': resource.get('region'), 'aws_id': resource['aws_id'], 'res': resource, 'tagged': tagged,
                  'created': now, 'volumes': [], 'settings': settings}
        self.targets[target['id']] = target
        self.by_policy.setdefault(policy['id'], {})[target['id']] = target
        return target

    def backed_up_volumes(self, target):
        """Inventory volumes of an instance target that a backup takes (which_volumes A/I/X, D19)."""
        inventory = self.svc.inventory
        resource = target['res']
        volumes = [inventory.find(target['account'], target['region'], 'volumes', vid) for vid in resource.get('volumes', ())]
        volumes = [v for v in volumes if v is not None]
        selected = set(v['aws_id'] for v in target['volumes'])
        mode = target['settings'].get('which_volumes', 'A')
        if mode == 'I':
            return [v for v in volumes if v['aws_id'] in selected]
        if mode == 'X':
            return [v for v in volumes if v['aws_id'] not in selected]
        return volumes

    # -- rendering -----------------------------------------------------------------
    def render(self, target):
        """A target as its kind's endpoints show it."""
        kind, res, settings = target['kind'], target['res'], target['settings']
        base = {'aws_region': target['region'], 'aws_resource_id': res['aws_id'], 'id': target['id']}
        status = res.get('status', res.get('state'))
        if kind == 'instances':
            out = dict(base, ami_backup_option=settings['ami_backup_option'],
                       ami_reboot_option=settings['ami_reboot_option'],
                       application_consistent_backup=dict(settings['application_consistent_backup']),
                       aws_resource_type=res['instance_type'],
                       aws_root_device=settings['aws_root_device'] or res['root_device'],
                       force_full_s3_copy=settings['force_full_s3_copy'], has_product_code=res['has_product_code'],
                       image_id=res['image_id'], name=res['name'], platform=res['platform'],
                       resource_type='instances', root_device_type=res['root_device_type'], state=res['state'],
                       tagged=target['tagged'], which_volumes=settings['which_volumes'])
        elif kind == 'volumes':
            out = dict(base, aws_resource_type=res['type'], capacity=res['size'], created=iso(res['created']),
                       encrypted=res['encrypted'], iops=res['iops'], name=res['name'], resource_type='volumes',
                       status=res['state'], tagged=target['tagged'], zone=res['zone'])
        elif kind == 'rds_databases':
            out = dict(base, aws_resource_class=res['db_class'], engine=res['engine'], iops=res['iops'],
                       multi_az=res['multi_az'], publicly_accessible=res['publicly_accessible'],
                       resource_type='rds_databases', status=status, storage=res['storage'],
                       storage_type=res['storage_type'], tagged=target['tagged'], zone=res['zone'])
        elif kind == 'rds_clusters':
            out = dict(base, engine=res['engine'], resource_type='rds_clusters', status=status, storage=res['storage'],
                       tagged=target['tagged'], zone=res['zone'])
        elif kind == 'redshift_clusters':
            out = dict(base, aws_resource_type='redshift-cluster', encrypted=res['encrypted'],
                       node_storage=res['node_storage'], node_type=res['node_type'], nodes=res['nodes'],
                       publicly_accessible=res['publicly_accessible'], resource_type='redshift_clusters',
                       status=status, tagged=target['tagged'], zone=res['zone'])
        elif kind == 'dynamodb_tables':
            out = dict(base, aws_resource_name=res['name'], partition_key=res['partition_key'],
                       resource_type='dynamodb_tables', sort_key=res['sort_key'], status=status,
                       storage=res['storage'], table_arn=res['arn'], tagged=target['tagged'])
        elif kind == 'efs':
            out = dict(base, encrypted=res['encrypted'], name=res['name'], num_mount_targets=res['num_mount_targets'],
                       resource_type='efs', size_in_bytes=res['size_in_bytes'], status=status,
                       tagged=target['tagged'], **settings)
        else:  # s3syncs: no region, no resource type (D20)
            out = {'creation_date': iso(res['created']), 'id': target['id'], 'is_encrypted': res['encrypted'],
                   'status': status}
            out.update(settings)
        return dict(sorted(out.items()))

    @staticmethod
    def render_volume(selection):
        """A selected volume of an instance target."""
        res = selection['res']
        return {'aws_resource_id': res['aws_id'], 'aws_resource_type': res['type'], 'capacity': res['size'],
                'created': iso(res['created']), 'device': res['device'], 'encrypted': res['encrypted'],
                'id': selection['id'], 'iops': res['iops'], 'name': res['name'], 'resource_type': 'volumes',
                'status': res['state'], 'zone': res['zone']}

    # -- lookups ---------------------------------------------------------------------
    def _policy(self, call):
        return self.svc.policies.visible(call, call.param_id('policy_id'))

    def _target(self, call, kind, name='id'):
        policy = self._policy(call)
        target = self.by_policy.get(policy['id'], {}).get(call.param_id(name))
        if target is None or target['kind'] != kind:
            raise not_found()
        return policy, target

    def _resource(self, policy, kind, values):
        """The inventory resource a create body names (400 when unknown and strict_inventory)."""
        inventory = self.svc.inventory
        account_id = policy['account']
        if kind == 's3syncs':
            region, key, field = None, values['name'], 'name'
            resource = inventory.find(account_id, None, 's3_buckets', key)
        else:
            region = values['aws_region']
            if region not in REGION_BY_NAME:
                raise invalid('aws_region', '"%s" is not a valid choice.' % region, 'invalid_choice')
            if kind == 'dynamodb_tables':
                key, field = values['aws_resource_name'], 'aws_resource_name'
                resource = inventory.find_table(account_id, region, key)
            else:
                key, field = values['aws_resource_id'], 'aws_resource_id'
                resource = inventory.find(account_id, region, INVENTORY_KIND[kind], key)
        if resource is None:
            if self.svc.config['strict_inventory']:
                raise invalid(field, 'Resource %s was not found in %s.' % (key, region or 'the account'))
            resource = self._invent(account_id, region or 'us-east-1', kind, key)
        return resource

    def _invent(self, account_id, region, kind, key):
        inventory = self.svc.inventory
        if kind == 'instances':
            return inventory.add_instance(account_id, region, key, aws_id=key)
        if kind == 'volumes':
            return inventory.add_volume(account_id, region, key, aws_id=key)
        if kind == 'dynamodb_tables':
            return inventory.add_simple(account_id, region, 'dynamodb_tables', key)
        return inventory.add_simple(account_id, region, INVENTORY_KIND[kind], key, aws_id=key)

    # -- handlers ------------------------------------------------------------------
    def list_all(self, call):
        """GET /api/policies/{policy_id}/targets/ (every kind, each in its own shape, D20)"""
        policy = self._policy(call)
        return page_response(call, self.of_policy(policy['id']), self.render)

    def list_kind(self, call, kind):
        """GET /api/policies/{policy_id}/targets/<kind>/"""
        policy = self._policy(call)
        return page_response(call, self.of_policy(policy['id'], kind), self.render)

    def get(self, call, kind):
        """GET /api/policies/{policy_id}/targets/<kind>/{id}/"""
        return self.svc.respond(call, 200, self.render(self._target(call, kind)[1]))

    def create(self, call, kind):
        """POST /api/policies/{policy_id}/targets/<kind>/ -> 201"""
        policy = self._policy(call)
        values = validate(CREATE_SPECS[kind], call.body_dict(), self.svc.lookup(call))
        self._check_settings(kind, values, policy)
        resource = self._resource(policy, kind, values)
        if kind != 's3syncs':
            for other in self.of_policy(policy['id'], kind):
                if other['aws_id'] == resource['aws_id'] and other['region'] == resource['region']:
                    field = 'aws_resource_name' if kind == 'dynamodb_tables' else 'aws_resource_id'
                    raise invalid(field, 'This resource is already a target of the policy.', 'unique')
        limit = self.svc.config['license_max_instances']
        if kind == 'instances' and limit and sum(1 for t in self.targets.values() if t['kind'] == 'instances') >= limit:
            raise forbidden('The number of instances allowed by the license (%d) has been reached.' % limit)
        settings = dict((name, values[name]) for name in UPDATE_SPECS.get(kind, {}))
        target = self.add(policy, kind, resource, settings, now=call.now)
        policy['last_modified'] = call.now
        return self.svc.respond(call, 201, self.render(target))

    def _check_settings(self, kind, values, policy):
        errors = {}
        if kind == 'efs':
            if values.get('expire_option') in ('D', 'W', 'M', 'Y') and not values.get('expire_option_value'):
                errors['expire_option_value'] = [('This field is required.', 'required')]
            if values.get('move_to_cold_storage_option') in ('D', 'W', 'M', 'Y') and \
                    not values.get('move_to_cold_storage_option_value'):
                errors['move_to_cold_storage_option_value'] = [('This field is required.', 'required')]
        if kind == 's3syncs' and values.get('destination_account') is not None:
            account = self.svc.accounts.accounts[values['destination_account']]
            if account['user'] != policy['user']:
                errors['destination_account'] = [('Invalid pk "%s" - object does not exist.' % account['id'],
                                                  'does_not_exist')]
        if errors:
            raise ApiError(400, errors)

    def update(self, call, kind):
        """PUT /api/policies/{policy_id}/targets/{instances|efs|s3syncs}/{id}/"""
        policy, target = self._target(call, kind)
        mode = 'merge' if self.svc.config['put_semantics'] == 'merge' else 'replace'
        values = validate(UPDATE_SPECS[kind], call.body_dict(), self.svc.lookup(call), current=target['settings'],
                          mode=mode)
        self._check_settings(kind, values, policy)
        if kind == 's3syncs' and values['name'] != target['settings']['name']:
            target['res'] = self._resource(policy, kind, values)
            target['aws_id'] = target['res']['aws_id']
        target['settings'] = values
        policy['last_modified'] = call.now
        return self.svc.respond(call, 200, self.render(target))

    def delete(self, call, kind):
        """DELETE /api/policies/{policy_id}/targets/<kind>/{id}/ -> 204"""
        policy, target = self._target(call, kind)
        self._forget(target)
        policy['last_modified'] = call.now
        return self.svc.respond(call, 204, None)

    def _forget(self, target):
        self.targets.pop(target['id'], None)
        self.by_policy.get(target['policy'], {}).pop(target['id'], None)

    # -- selected volumes of an instance target ------------------------------------------
    def _instance(self, call):
        return self._target(call, 'instances', 'instance_id')

    def volume_add(self, call):
        """POST /api/policies/{policy_id}/targets/instances/{instance_id}/volumes/ -> 201"""
        _policy, target = self._instance(call)
        values = validate({'aws_resource_id': F('str', required=True, blank=False)}, call.body_dict())
        volume_id = values['aws_resource_id']
        if volume_id not in target['res'].get('volumes', ()):
            raise invalid('aws_resource_id', 'Volume %s is not attached to instance %s.' % (volume_id, target['aws_id']))
        if any(v['aws_id'] == volume_id for v in target['volumes']):
            raise invalid('aws_resource_id', 'This volume is already selected.', 'unique')
        resource = self.svc.inventory.find(target['account'], target['region'], 'volumes', volume_id)
        self.seq += 1
        selection = {'id': self.seq, 'aws_id': volume_id, 'res': resource}
        target['volumes'].append(selection)
        return self.svc.respond(call, 201, self.render_volume(selection))

    def volume_list(self, call):
        """GET /api/policies/{policy_id}/targets/instances/{instance_id}/volumes/"""
        _policy, target = self._instance(call)
        return page_response(call, list(target['volumes']), self.render_volume)

    def _selection(self, call):
        _policy, target = self._instance(call)
        wanted = call.param_id()
        for selection in target['volumes']:
            if selection['id'] == wanted:
                return target, selection
        raise not_found()

    def volume_get(self, call):
        """GET /api/policies/{policy_id}/targets/instances/{instance_id}/volumes/{id}/"""
        return self.svc.respond(call, 200, self.render_volume(self._selection(call)[1]))

    def volume_delete(self, call):
        """DELETE /api/policies/{policy_id}/targets/instances/{instance_id}/volumes/{id}/ -> 204"""
        target, selection = self._selection(call)
        target['volumes'] = [v for v in target['volumes'] if v['id'] != selection['id']]
        return self.svc.respond(call, 204, None)

    # -- server-side changes (D21) -------------------------------------------------------
    def resource_gone(self, account_id, region, resource, now):
        """A resource vanished from AWS: auto_remove_resource Y/A policies drop the target, N keeps it (deleted)."""
        removed = 0
        for target in list(self.targets.values()):
            if target['account'] != account_id or target['aws_id'] != resource['aws_id']:
                continue
            policy = self.svc.policies.policies.get(target['policy'])
            if policy is not None and policy['auto_remove_resource'] in ('Y', 'A'):
                self._forget(target)
                policy['last_modified'] = now
                removed += 1
        if 'state' in resource:
            resource['state'] = 'terminated' if resource['kind'] == 'instances' else 'deleted'
        if 'status' in resource:
            resource['status'] = 'deleted'
        return removed

    def admin(self, action, method, params):
        if action == 'tag-scan' and method == 'POST':
            return self._tag_scan(params)
        return NotImplemented

    def _tag_scan(self, params):
        """Simulate CPM's tag scan adding a target (``tagged: true``), creating the policy when needed."""
        now = time.time()
        try:
            account_id = int(params.get('account'))
        except (TypeError, ValueError) as exc:
            raise AdminError(400, '"account" (an id) is required') from exc
        account = self.svc.accounts.accounts.get(account_id)
        if account is None or account['kind'] != 'backup':
            raise AdminError(404, 'backup account %s not found' % account_id)
        kind = params.get('kind', 'instances')
        if kind not in KINDS or kind == 's3syncs':
            raise AdminError(400, 'kind must be one of %s' % ', '.join(k for k in KINDS if k != 's3syncs'))
        region = params.get('region') or 'us-east-1'
        inventory = self.svc.inventory
        if kind == 'dynamodb_tables':
            resource = inventory.find_table(account_id, region, params.get('aws_resource_name'))
        else:
            resource = inventory.find(account_id, region, INVENTORY_KIND[kind], params.get('aws_resource_id'))
        if resource is None:
            raise AdminError(404, 'no such %s in account %d %s' % (kind, account_id, region))
        wanted = params.get('policy')
        policies = self.svc.policies
        policy = None
        created = False
        if isinstance(wanted, int) or (isinstance(wanted, str) and wanted.isdigit()):
            policy = policies.policies.get(int(wanted))
            if policy is None:
                raise AdminError(404, 'policy %s not found' % wanted)
        elif isinstance(wanted, str) and wanted:
            for candidate in policies.policies.values():
                if candidate['name'] == wanted and candidate['account'] == account_id:
                    policy = candidate
                    break
            if policy is None:
                policy = policies.add({'name': wanted, 'account': account_id}, account['user'], now, created_by_tag=True)
                created = True
        else:
            raise AdminError(400, '"policy" (an id or a policy name) is required')
        for target in self.of_policy(policy['id'], kind):
            if target['aws_id'] == resource['aws_id']:
                target['tagged'] = True
                return {'ok': True, 'policy': policy['id'], 'policy_created': False, 'target': self.render(target)}
        settings = dict((name, field.default_value()) for name, field in UPDATE_SPECS.get(kind, {}).items())
        target = self.add(policy, kind, resource, settings, tagged=True, now=now)
        policy['last_modified'] = now
        return {'ok': True, 'policy': policy['id'], 'policy_created': created, 'target': self.render(target)}
