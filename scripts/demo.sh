#!/usr/bin/env bash
# Berth's main job on the article's first example: start the engines, build the demo images,
# plan and apply examples/01-tomcat-mysql, plan again ("No changes."), and show how to reach it.
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/engines.sh start
bash scripts/images.sh
[ -f dist/berth.mjs ] || node scripts/build.mjs

berth() { node bin/berth.mjs "$@"; }
template=examples/01-tomcat-mysql/docker-compose.yml

echo "== berth plan"
berth plan -f "$template" -p demo --no-tui
echo "== berth apply"
berth apply -f "$template" -p demo --auto-approve --no-tui
echo "== berth plan (again)"
berth plan -f "$template" -p demo --no-tui --detailed-exitcode
echo "== what runs"
berth show -f "$template" -p demo

# The router keeps the address it was first given (an earlier --router-listen may have moved it):
# ask it instead of assuming 127.0.0.1:8480.
berth status
listen="$(berth status --json | node -e 'let s="";process.stdin.on("data",(d)=>s+=d).on("end",()=>process.stdout.write(JSON.parse(s).router.listen??""))')"
echo
echo "Reach a tomcat replica through the router (each request may land on another replica):"
echo "  curl -s -H 'Host: tomcat-sample.localhost' http://${listen}/"
curl -s --max-time 5 -H 'Host: tomcat-sample.localhost' "http://${listen}/" || true
echo
echo "Tear it down with: node bin/berth.mjs destroy -f $template -p demo --auto-approve   (it keeps the volume demo_db_logs_1; add --volumes to delete it too)"
