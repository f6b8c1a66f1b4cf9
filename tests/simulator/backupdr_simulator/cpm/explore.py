# -*- coding: utf-8 -*-
# Copyright: contributors to the backupdr.cloud collection
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
"""Explore sessions (Ch.11): file-level browsing of a backup's snapshots with a small deterministic file tree per
snapshot, directory listings, zip downloads of chosen paths, keep-alive and expiry (D34-D37)."""

import hashlib
import io
import random
import time
import zipfile
from urllib.parse import quote

from ..core import AdminError, Response
from .api import ApiError, F, Family, Route, apply_list, exact, forbidden, invalid, iso, not_found, page_response, \
    precondition, validate
from .directory import REGION_BY_ID
from .recoveries import RECOVERABLE, digest, register_knobs

KNOBS = {
    'explore_mount_seconds': 0.5,
    'explore_timeout': 600.0,
    'explore_expire_seconds': 0.5,
    'explore_activity_resets_timeout': False,
    'explore_listing': 'entries',
    'explore_large_file_mb': 0.0,
    'explore_max_sessions': 0,
}
KNOB_CHOICES = {'explore_listing': ('entries', 'target')}
CREATE_SPEC = {
    'backup_record': F('pk', required=True),
    'aws_instance_id': F('str', nullable=True, default=None),
    'aws_volume_ids': F('strs', default=[]),
    'from_account': F('pk', nullable=True, default=None, model='account'),
    'region': F('pk', nullable=True, default=None, model='region'),
}
DOWNLOAD_SPEC = {'paths': F('strs', required=True)}
VOLUME_FAMILIES = ('volumes', 'dr_volumes')
EXPLORABLE = ('volumes', 'dr_volumes', 'rds_databases', 'dr_rds_databases', 'redshift_clusters')
NATIVE = ('volumes', 'rds_databases', 'redshift_clusters')
OPEN = ('U', 'N')
STORED_FROM = 1024 * 1024   # files of this size and more are stored, smaller ones deflated
# mount kind -> [(relative path, text line count or -binary size)]
LAYOUT = {
    'root_linux': [('etc/hostname', 1), ('etc/hosts', 3), ('etc/os-release', 6), ('home/ec2-user/notes.txt', 12),
                   ('var/log/messages', 60), ('var/www/html/index.html', 8)],
    'root_windows': [('Windows/System32/drivers/etc/hosts', 3), ('Users/Administrator/Documents/report.txt', 20),
                     ('Users/Administrator/Desktop/readme.txt', 4), ('inetpub/wwwroot/index.html', 8)],
    'data': [('README.txt', 4), ('data/records-0001.csv', 40), ('data/records-0002.csv', 25), ('data/blob.bin', -16384),
             ('logs/app.log', 30)],
    'db': [('schema.sql', 12), ('export/customers.csv', 30), ('export/orders.csv', 45)],
}


def file_bytes(spec):
    """The deterministic content of a file (D35): text lines or a repeated pseudo-random block."""
    seed, rel, amount = spec
    if amount < 0:
        size = -amount
        block = random.Random(digest(seed, rel, length=40)).getrandbits(8 * min(size, 65536)).to_bytes(
            min(size, 65536), 'little')
        repeats = -(-size // len(block)) if block else 0
        return (block * repeats)[:size]
    if rel.endswith('hostname'):
        return ('%s\n' % seed.split(':')[-1]).encode('ascii')
    header = '# %s of snapshot %s\n' % (rel, seed.split(':')[0])
    if rel.endswith('.csv'):
        header = 'id,name,value,checksum\n'
        rows = ['%d,item-%04d,%d,%s\n' % (i + 1, i + 1, int(digest(seed, rel, i, length=4), 16), digest(seed, rel, i))
                for i in range(amount)]
    else:
        rows = ['line %04d %s\n' % (i + 1, digest(seed, rel, i, length=40)) for i in range(amount)]
    return (header + ''.join(rows)).encode('ascii')


def file_size(spec):
    """Size without building big contents."""
    if spec[2] < 0:
        return -spec[2]
    return len(file_bytes(spec))


class ExploreFamily(Family):
    """``/api/explore_sessions/`` and below."""

    name = 'explore'

    def __init__(self, service):
        super().__init__(service)
        register_knobs(service, KNOBS, KNOB_CHOICES)

    def reset(self):
        self.sessions = {}
        self.seq = 0
        self.fail_next = 0

    def routes(self):
        base = 'explore_sessions/'
        return [
            Route('POST', base, self.create, '1.3.0', 'recovery', 22156),
            Route('GET', base, self.list, '1.3.0', None, 22303),
            Route('POST', base + '{explore_session_id}/download/', self.download, '1.3.0', 'recovery', 22437,
                  csv='download'),
            Route('GET', base + '{explore_session_id}/file_system_entries/', self.entries, '1.3.0', 'recovery', 22499),
            Route('POST', base + '{explore_session_id}/keep_alive/', self.keep_alive, '1.3.0', 'recovery', 22705),
            Route('GET', base + '{id}/', self.get, '1.3.0', None, 22745),
            Route('DELETE', base + '{id}/', self.delete, '1.3.0', 'recovery', 22856),
        ]

    # -- time (D36) -----------------------------------------------------------------------
    def advance(self, now):
        config = self.svc.config
        for session in self.sessions.values():
            self._step(session, now, config)

    @staticmethod
    def _step(session, now, config):
        if session['status'] == 'U':
            ready = session['begin'] + float(config['explore_mount_seconds'])
            if now < ready:
                return
            session['status'] = session['outcome']
            session['alive'] = ready
            if session['status'] == 'F':
                session['ended'] = ready
                return
        if session['status'] == 'N':
            deadline = session['alive'] + float(config['explore_timeout'])
            if now < deadline:
                return
            session['status'] = 'P'
            session['expiring'] = deadline
        if session['status'] == 'P':
            done = session['expiring'] + float(config['explore_expire_seconds'])
            if now >= done:
                session['status'] = 'S'
                session['ended'] = done

    # -- rendering -----------------------------------------------------------------------
    @staticmethod
    def render(session):
        """A session."""
        return {'attached_volume_ids': session['attached'], 'backup_record': session['backup'],
                'explore_type': session['type'], 'id': session['id'], 'name': session['name'],
                'session_path': session['path'], 'start_time': iso(session['begin']), 'status': session['status']}

    def visible(self, call, session_id):
        """A session visible to the caller, or 404."""
        session = self.sessions.get(session_id)
        if session is None or not call.can_see(session['user']):
            raise not_found()
        return session

    @staticmethod
    def _allowed(call):
        """The owner's profile must allow file-level recovery (D34)."""
        if call.owner is not None and not call.owner['profile'].get('allow_file_level_recovery', True):
            raise forbidden('File level recovery is not allowed for this user.')

    def _open(self, call, name='explore_session_id'):
        session = self.visible(call, call.param_id(name))
        if session['status'] != 'N':
            raise ApiError(400, {'non_field_errors': [('The explore session is not open (status %s).' % session['status'],
                                                       'invalid')]})
        if self.svc.config['explore_activity_resets_timeout']:
            session['alive'] = call.now
        return session

    # -- handlers ------------------------------------------------------------------------
    def create(self, call):
        """POST /api/explore_sessions/ -> 202 session (U, then N); 412 when the backup cannot be explored"""
        self._allowed(call)
        values = validate(CREATE_SPEC, call.body_dict(), self.svc.lookup(call))
        backup = self.svc.backups.backups.get(values['backup_record'])
        if backup is None or not call.can_see(backup['user']) or backup['begin'] > call.now:
            raise invalid('backup_record', 'Invalid pk "%s" - object does not exist.' % values['backup_record'],
                          'does_not_exist')
        if backup['status'] not in RECOVERABLE:
            raise precondition('Only a successful backup that was not deleted can be explored.')
        limit = self.svc.config['explore_max_sessions']
        if limit and sum(1 for s in self.sessions.values() if s['user'] == backup['user'] and s['status'] in OPEN) >= limit:
            raise precondition('The maximum number of open explore sessions (%d) has been reached.' % limit)
        kind, records = self._select(backup, values)
        self.seq += 1
        outcome = 'N'
        if self.fail_next:
            self.fail_next -= 1
            outcome = 'F'
        session = {'id': self.seq, 'user': backup['user'], 'backup': backup['id'], 'type': kind,
                   'records': [r['id'] for r in records], 'begin': call.now, 'alive': call.now, 'status': 'U',
                   'outcome': outcome, 'expiring': None, 'ended': None,
                   'path': '/cpm/explore/%d' % self.seq}
        first = records[0]
        resource = first.get('instance_id') if kind == 'I' else first['backed_up_resource_id']
        session['name'] = 'explore-%d-%s' % (backup['id'], resource)
        session['attached'] = ','.join('vol-' + digest('explore', session['id'], r['id'])
                                       for r in records if r['family'] in VOLUME_FAMILIES)
        self.sessions[session['id']] = session
        self._step(session, call.now, self.svc.config)
        return self.svc.respond(call, 202, self.render(session))

    def _select(self, backup, values):
        """(explore type, snapshot records) of a new session (D34)."""
        snapshots = self.svc.backups.snapshots
        region = REGION_BY_ID.get(values['region']) if values['region'] is not None else None
        account = values['from_account'] if values['from_account'] is not None else backup['account']
        pool = []
        for record_id in backup['snapshots']:
            record = snapshots[record_id]
            if record['family'] not in EXPLORABLE or not record['succeeded'] or record['deletion_time'] is not None:
                continue
            if region is not None and record['region'] != region:
                continue
            if region is None and record['family'] not in NATIVE:
                continue
            if record.get('snapshot_account', backup['account']) != account:
                continue
            pool.append(record)
        volumes = [r for r in pool if r['family'] in VOLUME_FAMILIES]
        instance, wanted = values['aws_instance_id'], values['aws_volume_ids']
        if instance:
            chosen = [r for r in volumes if r.get('instance_id') == instance]
            if not chosen:
                raise invalid('aws_instance_id', 'Instance %s has no volume snapshot in backup %d%s.' % (
                    instance, backup['id'], ' in %s' % region if region else ''), 'does_not_exist')
            if wanted:
                unknown = [v for v in wanted if v not in [r['backed_up_resource_id'] for r in chosen]]
                if unknown:
                    raise invalid('aws_volume_ids', 'Volume %s is not a volume of instance %s in backup %d.' % (
                        unknown[0], instance, backup['id']), 'does_not_exist')
                chosen = [r for r in chosen if r['backed_up_resource_id'] in wanted]
            return 'I', chosen
        if wanted:
            by_id = dict((r['backed_up_resource_id'], r) for r in volumes)
            unknown = [v for v in wanted if v not in by_id]
            if unknown:
                raise invalid('aws_volume_ids', 'Volume %s has no snapshot in backup %d.' % (unknown[0], backup['id']),
                              'does_not_exist')
            chosen = [by_id[v] for v in wanted]
            return ('V' if all(not r.get('instance_id') for r in chosen) else 'I'), chosen
        attached = [r for r in volumes if r.get('instance_id')]
        if attached:
            first = attached[0]['instance_id']
            return 'I', [r for r in attached if r['instance_id'] == first]
        independent = [r for r in volumes if not r.get('instance_id')]
        if independent:
            return 'V', independent
        for family, letter in (('rds_databases', 'D'), ('dr_rds_databases', 'D'), ('redshift_clusters', 'R')):
            found = [r for r in pool if r['family'] == family]
            if found:
                return letter, found[:1]
        raise precondition('This backup has no snapshot that can be explored.')

    def list(self, call):
        """GET /api/explore_sessions/ (filters backup_record, status)"""
        items = [s for s in self.sessions.values() if call.can_see(s['user'])]
        items = apply_list(call, items, filters={'backup_record': exact(lambda s: s['backup'], 'int'),
                                                 'status': exact(lambda s: s['status'])})
        return page_response(call, items, self.render)

    def get(self, call):
        """GET /api/explore_sessions/{id}/"""
        return self.svc.respond(call, 200, self.render(self.visible(call, call.param_id())))

    def delete(self, call):
        """DELETE /api/explore_sessions/{id}/ -> 204 (expires it: P, then S; an ended session: no change)"""
        session = self.visible(call, call.param_id())
        if session['status'] in OPEN:
            session['status'] = 'P'
            session['expiring'] = call.now
            self._step(session, call.now, self.svc.config)
        return self.svc.respond(call, 204, None)

    def keep_alive(self, call):
        """POST /api/explore_sessions/{explore_session_id}/keep_alive/ -> 200, no body"""
        session = self._open(call)
        session['alive'] = call.now
        return Response(200, b'', 'application/json')

    # -- the file tree (D35) ----------------------------------------------------------------
    def mounts(self, session):
        """[(mount name, layout kind, content seed, modified time base)] of a session."""
        snapshots, backups = self.svc.backups.snapshots, self.svc.backups.backups
        backup = backups.get(session['backup'])
        base = backup['start_time'] if backup else session['begin']
        out = []
        for record_id in session['records']:
            record = snapshots.get(record_id)
            if record is None:
                continue
            source = record.get('original_snap') or record.get('original_snapshot_id') or record.get('snapshot_id') \
                or record['backed_up_resource_id']
            if record['family'] in VOLUME_FAMILIES:
                device = record.get('device')
                name = device.rsplit('/', 1)[-1] if device else record['backed_up_resource_id']
                instance = self._instance_record(backup, record) if record.get('instance_id') else None
                root = instance is not None and device == instance.get('aws_root_device')
                kind = ('root_windows' if instance.get('platform') == 'windows' else 'root_linux') if root else 'data'
                label = record.get('instance_name') or record['backed_up_resource_id']
            else:
                name, kind, label = record['backed_up_resource_id'], 'db', record['backed_up_resource_id']
            out.append((name, kind, '%s:%s' % (source, label), base))
        return out

    def _instance_record(self, backup, volume):
        snapshots = self.svc.backups.snapshots
        for record_id in backup['snapshots'] if backup else ():
            record = snapshots[record_id]
            if record['family'] == 'instances' and record['backed_up_resource_id'] == volume['instance_id']:
                return record
        return {'aws_root_device': '/dev/xvda', 'platform': 'linux'}

    def tree(self, session):
        """{path: node}: directories ``{'type': 'D', 'children': [...]}``, files ``{'type': 'F', 'spec', 'size'}``."""
        nodes = {'/': {'type': 'D', 'children': [], 'mtime': None}}
        large = float(self.svc.config['explore_large_file_mb'])
        for index, (mount, kind, seed, base) in enumerate(self.mounts(session)):
            layout = list(LAYOUT[kind])
            if index == 0 and large > 0:
                layout.append(('large.bin', -int(large * 1024 * 1024)))
            nodes['/'].update(mtime=base)
            for rel, amount in layout:
                path = '/%s/%s' % (mount, rel)
                spec = (seed, rel, amount)
                mtime = base - int(digest(seed, rel, length=6), 16) % (30 * 86400)
                nodes[path] = {'type': 'F', 'spec': spec, 'size': file_size(spec), 'mtime': mtime, 'children': []}
                child = path
                parent = child.rsplit('/', 1)[0] or '/'
                while True:
                    node = nodes.setdefault(parent, {'type': 'D', 'children': [], 'mtime': base})
                    if child not in node['children']:
                        node['children'].append(child)
                    if parent == '/':
                        break
                    child, parent = parent, parent.rsplit('/', 1)[0] or '/'
        for node in nodes.values():
            node['children'].sort()
        return nodes

    @staticmethod
    def normalise(path):
        """``''`` -> ``/``; a leading slash; no trailing slash."""
        path = (path or '').strip()
        if not path.startswith('/'):
            path = '/' + path
        while len(path) > 1 and path.endswith('/'):
            path = path[:-1]
        return path

    def _entry(self, nodes, path, levels):
        node = nodes[path]
        name = path.rsplit('/', 1)[-1] if path != '/' else ''
        children = [self._entry(nodes, child, levels - 1) for child in node['children']] if levels > 1 else []
        return {'children': children, 'depth': 0 if path == '/' else path.count('/'),
                'modified_time': iso(node['mtime']), 'name': name,
                'parent': None if path == '/' else (path.rsplit('/', 1)[0] or '/'), 'path': path,
                'size': node['size'] if node['type'] == 'F' else 0, 'type': node['type'],
                'url_friendly_path': quote(path)}

    def entries(self, call):
        """GET /api/explore_sessions/{explore_session_id}/file_system_entries/ (path, depth, search; D35)"""
        session = self._open(call)
        nodes = self.tree(session)
        path = self.normalise(call.q('path'))
        if path not in nodes:
            raise invalid('path', 'Path %s does not exist.' % path)
        raw_depth = call.q('depth')
        try:
            depth = int(raw_depth) if raw_depth not in (None, '') else 1
        except ValueError as exc:
            raise invalid('depth', 'A valid integer is required.') from exc
        depth = max(1, depth)
        term = (call.q('search') or '').strip().lower()
        node = nodes[path]
        if term:
            found = [p for p in sorted(nodes) if p != path and (path == '/' or p.startswith(path + '/'))
                     and term in p.rsplit('/', 1)[-1].lower()]
            items = [self._entry(nodes, p, 1) for p in found]
        elif self.svc.config['explore_listing'] == 'target':
            items = [self._entry(nodes, path, depth + 1)]
        elif node['type'] == 'F':
            items = [self._entry(nodes, path, 1)]
        else:
            items = [self._entry(nodes, child, depth) for child in node['children']]
        return page_response(call, items, lambda item: item)

    def _files(self, nodes, paths):
        selected = []
        for raw in paths:
            path = self.normalise(raw)
            if path not in nodes:
                raise invalid('paths', 'Path %s does not exist.' % path)
            stack = [path]
            while stack:
                current = stack.pop()
                if nodes[current]['type'] == 'F':
                    selected.append(current)
                else:
                    stack.extend(nodes[current]['children'])
        return sorted(set(selected))

    def download(self, call):
        """POST /api/explore_sessions/{explore_session_id}/download/ {paths} -> 201 application/zip (D35)"""
        session = self._open(call)
        values = validate(DOWNLOAD_SPEC, call.body_dict())
        if not values['paths']:
            raise ApiError(400, {'paths': [('This list may not be empty.', 'empty')]})
        nodes = self.tree(session)
        files = self._files(nodes, values['paths'])
        body = build_zip([(path.lstrip('/'), nodes[path]) for path in files])
        return Response(201, body, 'application/zip',
                        [('Content-Disposition', 'attachment; filename="explore_session_%d.zip"' % session['id'])])

    # -- admin (D37) -----------------------------------------------------------------------
    def admin(self, action, method, params):
        if action == 'fail-next-explore' and method == 'POST':
            self.fail_next += max(1, int(params.get('count', 1)))
            return {'ok': True, 'failing': self.fail_next}
        if action == 'expire-explore-sessions' and method == 'POST':
            now = time.time()
            expired = []
            for session in self.sessions.values():
                if params.get('session') not in (None, session['id']) or session['status'] not in OPEN:
                    continue
                session['status'] = 'P'
                session['expiring'] = now
                expired.append(session['id'])
            return {'ok': True, 'expiring': expired}
        if action == 'explore-files' and method == 'GET':
            try:
                session = self.sessions[int(params.get('session'))]
            except (TypeError, ValueError, KeyError) as exc:
                raise AdminError(404, 'explore session %s not found' % params.get('session')) from exc
            nodes = self.tree(session)
            files = []
            for path in sorted(p for p, node in nodes.items() if node['type'] == 'F'):
                data = file_bytes(nodes[path]['spec'])
                files.append({'path': path, 'size': len(data), 'sha256': hashlib.sha256(data).hexdigest(),
                              'modified_time': iso(nodes[path]['mtime'])})
            return {'session': session['id'], 'status': session['status'], 'files': files}
        return NotImplemented


def build_zip(entries):
    """Deterministic zip bytes of ``[(arcname, file node)]`` (fixed times and attributes)."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, 'w', allowZip64=True) as archive:
        for arcname, node in entries:
            data = file_bytes(node['spec'])
            stamp = time.gmtime(max(node['mtime'], 315532800))[:6]
            info = zipfile.ZipInfo(arcname, date_time=stamp)
            info.create_system = 3
            info.external_attr = 0o100644 << 16
            info.compress_type = zipfile.ZIP_STORED if len(data) >= STORED_FROM else zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return out.getvalue()
