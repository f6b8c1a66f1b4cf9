#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright (c) backupdr.cloud contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type

# api: GET captured_vpcs/{id}/cloudformation_template/ dest (to_account, to_region, to_vpc, bucket_name)

DOCUMENTATION = r"""
module: cpm_captured_vpc_template
short_description: Save the CloudFormation template of a VPC N2WS Backup & Recovery (CPM) captured
version_added: 0.2.0
description:
  - Downloads the CloudFormation template that rebuilds a captured VPC
    (C(GET /api/captured_vpcs/{id}/cloudformation_template/), API 1.4.0), for a destination account, region, new VPC
    name and S3 bucket, and writes it to the file O(dest) on the host that runs the module.
  - The file is written only when its content differs (V(changed=false) otherwise); check mode writes nothing and
    C(--diff) shows the change.
author:
  - backupdr.cloud contributors (@backupdr)
extends_documentation_fragment:
  - backupdr.cloud.cpm
  - backupdr.cloud.api
  - backupdr.cloud.attributes
options:
  vpc:
    description:
      - The captured VPC, by the id of its capture record, or by its AWS id (V(vpc-...)) or name (then its latest
        capture, in O(account) and O(region)).
    type: str
    required: true
  account:
    description:
      - The backup account (name or id) the VPC was captured in, to find it by AWS id or name.
    type: str
  region:
    description:
      - The AWS region of the VPC, to find it by AWS id or name.
    type: str
  to_account:
    description:
      - The account (name or id) the template is for.
    type: str
  to_region:
    description:
      - The AWS region the template builds the VPC in.
    type: str
  to_vpc:
    description:
      - The name of the new VPC.
    type: str
  bucket_name:
    description:
      - An S3 bucket of the destination region, recorded in the template.
    type: str
  dest:
    description:
      - The file to write the template to (its directory must exist).
    type: path
    required: true
  mode:
    description:
      - The permissions of the file, such as V('0644').
    type: raw
    default: '0644'
seealso:
  - module: backupdr.cloud.cpm_captured_vpc_info
  - module: backupdr.cloud.cpm_vpc_clone
"""

EXAMPLES = r"""
- name: Capture the VPCs of account main
  backupdr.cloud.cpm_account:
    name: main
    capture_vpcs: true

- name: The template that rebuilds main's VPC in us-west-2
  backupdr.cloud.cpm_captured_vpc_template:
    account: main
    region: us-east-1
    vpc: main-vpc-us-east-1
    to_region: us-west-2
    to_vpc: web-dr
    dest: /srv/restore/web-dr-vpc.json
"""

RETURN = r"""
dest:
  description: The file written.
  returned: always
  type: str
  sample: /srv/restore/web-dr-vpc.json
vpc:
  description: The captured VPC record the template is of.
  returned: always
  type: dict
  sample: {id: 1, account: 1, name: main-vpc-us-east-1, region: us-east-1, vpc_aws_id: vpc-20555688691b79152}
size:
  description: The size of the template in bytes.
  returned: always
  type: int
  sample: 2456
sha256:
  description: The SHA-256 of the template.
  returned: always
  type: str
  sample: 9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08
diff:
  description: With C(--diff), the file's content before and after.
  returned: when changed and in diff mode
  type: dict
"""

import hashlib
import os
import tempfile

from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.client import CPMClient, as_id, cpm_argument_spec
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.recoveries import account_id
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.refs import Refs, check_aws_region
from ansible_collections.backupdr.cloud.plugins.module_utils.cpm.vpcs import find_vpc, vpc_view
from ansible_collections.backupdr.cloud.plugins.module_utils.engine import run_module
from ansible_collections.backupdr.cloud.plugins.module_utils.validate import ValidationError, check_single_line

DIFF_LIMIT = 256 * 1024


def argument_spec():
    return cpm_argument_spec(
        vpc=dict(type='str', required=True),
        account=dict(type='str'),
        region=dict(type='str'),
        to_account=dict(type='str'),
        to_region=dict(type='str'),
        to_vpc=dict(type='str'),
        bucket_name=dict(type='str'),
        dest=dict(type='path', required=True),
        mode=dict(type='raw', default='0644'),
    )


def run(module):
    params = module.params
    for option in ('region', 'to_region'):
        if params.get(option):
            check_aws_region(params[option], option)
    for option in ('vpc', 'to_vpc', 'bucket_name'):
        if params.get(option):
            check_single_line(params[option], option)
    dest = params['dest']
    if not os.path.isabs(dest):
        raise ValidationError('dest', '%s must be an absolute path' % dest)
    if os.path.isdir(dest):
        raise ValidationError('dest', '%s is a directory; give the file to write' % dest)
    if not os.path.isdir(os.path.dirname(dest)):
        raise ValidationError('dest', 'the directory of %s does not exist' % dest)
    client = CPMClient(params, warn=module.warn)
    client.require('captured_vpcs', 'vpc')
    refs = Refs(client, module)
    account = refs.account_id(params['account'], 'account') if params.get('account') else None
    region = refs.region_ids([params['region']], 'region')[0] if params.get('region') else None
    vpc = find_vpc(client, params['vpc'], account, region)
    query = {'to_region': params.get('to_region'), 'to_vpc': params.get('to_vpc'),
             'bucket_name': params.get('bucket_name')}
    if params.get('to_account'):
        query['to_account'] = account_id(refs, params['to_account'], 'to_account')
    query = dict((k, v) for k, v in query.items() if v not in (None, ''))
    response = client.http.request('GET', 'captured_vpcs/%d/cloudformation_template/' % as_id(vpc['id']),
                                   params=query)
    content = response.content
    before = None
    if os.path.isfile(dest):
        with open(dest, 'rb') as handle:
            before = handle.read()
    changed = before != content
    mode = params['mode']
    if isinstance(mode, int):
        mode = '%o' % mode
    try:
        mode_bits = int(str(mode), 8)
    except ValueError:
        raise ValidationError('mode', '%r is not an octal mode such as 0644' % (mode,))
    if changed and not module.check_mode:
        handle, temp = tempfile.mkstemp(prefix='.cpm_template.', dir=os.path.dirname(dest))
        with os.fdopen(handle, 'wb') as out:
            out.write(content)
        os.chmod(temp, mode_bits)
        os.replace(temp, dest)
    elif not changed and not module.check_mode and (os.stat(dest).st_mode & 0o7777) != mode_bits:
        os.chmod(dest, mode_bits)
        changed = True
    client.finish(module)
    result = dict(changed=changed, dest=dest, vpc=vpc_view(vpc), size=len(content),
                  sha256=hashlib.sha256(content).hexdigest())
    if changed and module._diff and len(content) <= DIFF_LIMIT and (before is None or len(before) <= DIFF_LIMIT):
        result['diff'] = dict(before=before.decode('utf-8', 'replace') if before is not None else '',
                              after=content.decode('utf-8', 'replace'), before_header=dest, after_header=dest)
    module.exit_json(**result)


def main():
    run_module(argument_spec(), run)


if __name__ == '__main__':
    main()
