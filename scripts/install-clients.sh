#!/usr/bin/env bash
# The real client tools labs use (Submit4DN with dcicutils, and awscli), in their own virtualenv.
set -euo pipefail
PYTHON=${PYTHON:-python3}
CLIENTS=${CLIENTS:-.venv-clients}
"$PYTHON" -m venv "$CLIENTS"
"$CLIENTS/bin/pip" install -q --upgrade pip
"$CLIENTS/bin/pip" install -q 'submit4dn>=5.0,<6' 'dcicutils>=8.19' 'awscli>=1.29'
