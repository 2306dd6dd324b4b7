#!/usr/bin/env bash
# The project's rules as a test: drivers stay pure, documented, registered.
cd "$(dirname "$0")/../.."
exec scripts/lint.sh
