#!/usr/bin/env bash
# Create a REST API key from the command line; prints "Key: <secret>" once.
#   scripts/create_api_key.sh NAME [LOGIN] [SCOPES]     (LOGIN defaults to admin, SCOPES to "*")
# Environment: FA_DB (database, default face_attendance).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"
[ $# -ge 1 ] || die "usage: scripts/create_api_key.sh NAME [LOGIN] [SCOPES]"
require_odoo_src
ensure_venv
export FA_KEY_NAME="$1" FA_KEY_LOGIN="${2:-admin}" FA_KEY_SCOPES="${3:-*}"
odoo_cmd shell -d "${FA_DB:-face_attendance}" --no-http --log-level=error <<'PY' | grep -E '^(Key|Error):'
import os
user = env['res.users'].search([('login', '=', os.environ['FA_KEY_LOGIN'])], limit=1)
if not user:
    print('Error: no user with login %s' % os.environ['FA_KEY_LOGIN'])
else:
    key, secret = env['face.api.key']._generate(os.environ['FA_KEY_NAME'], user, os.environ['FA_KEY_SCOPES'])
    env['face.system.log']._log('API key %s created from the command line' % key.name, category='api', action='key.create')
    env.cr.commit()
    print('Key: %s' % secret)
PY
