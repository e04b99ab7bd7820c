#!/bin/bash
# First boot of an EC2 host of pg-ha-stack, run once by cloud-init after it wrote the files:
# masks the units of Debian's packages that the stack replaces, installs the packages (retried:
# the host may boot before its route to the mirror works), fetches the host's secrets from the
# secret store (never in user data; nothing starts until they are there), mounts the data volume,
# installs the SSM agent, then starts the stack's units. Any failure stops it: cloud-init reports
# it (`cloud-init status`), and no service starts half-made. Values from boot.env beside it.
set -euo pipefail
umask 077
# shellcheck source=boot.env
. "${BASH_SOURCE[0]%/*}/boot.env"
log() { echo "pg-ha boot: $*" >&2; }

id -u "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --user-group --home-dir /var/lib/postgresql "$SERVICE_USER"
if [ ${#MASKED_UNITS[@]} -gt 0 ]; then
    # Before the install, so that the packages never start them (they would take our ports or fail).
    systemctl mask "${MASKED_UNITS[@]}"
fi
env INSTALL_ATTEMPTS="$INSTALL_ATTEMPTS" "$INSTALL_SCRIPT" "${PACKAGES[@]}"

# SECRETS: "parameter|config folder" each; the parameter holds that service's secret files and the
# public ones too large for user data (JSON: name -> mode and gzipped bytes in base64, see
# bootFilesBundle).
for entry in "${SECRETS[@]}"; do
    IFS='|' read -r name folder <<<"$entry"
    waited=0
    until bundle=$(aws ssm get-parameter --region "$REGION" --name "$name" --with-decryption --query Parameter.Value --output text 2>&1); do
        if [ "$waited" -ge "$SECRET_WAIT_SECONDS" ]; then
            log "the secret store did not answer for $name within $SECRET_WAIT_SECONDS s (${bundle##*$'\n'}): nothing started"
            exit 1
        fi
        log "the secret store does not answer for $name yet (${bundle##*$'\n'}); retrying in 10 s, nothing starts until it does"
        sleep 10
        waited=$((waited + 10))
    done
    python3 -c '
import base64, gzip, json, os, sys
folder = sys.argv[1]
for name, file in json.loads(sys.stdin.read()).items():
    path = os.path.join(folder, name)
    with open(path + ".new", "wb") as out:
        out.write(gzip.decompress(base64.b64decode(file["gzipBase64"])))
    os.chmod(path + ".new", int(file["mode"], 8))
    os.replace(path + ".new", path)
    print(path)
' "$folder" <<<"$bundle" | while read -r written; do log "fetched $written"; done
done

if [ -n "$DATA_DEVICE" ]; then
    "$MOUNT_DATA_SCRIPT" "$DATA_DEVICE" "$DATA_MOUNT" "$SERVICE_USER" "$VOLUME_WAIT_SECONDS"
fi

# Session Manager is the way onto the hosts (no key pair, no port 22); Debian's AMIs lack its
# agent. A failure here leaves the database alone: it is logged, the cluster still starts.
if [ -n "$SSM_AGENT_URL" ] && ! systemctl is-active --quiet amazon-ssm-agent; then
    if curl -fsS --retry 5 --retry-delay 5 -o /tmp/amazon-ssm-agent.deb "$SSM_AGENT_URL" && dpkg -i /tmp/amazon-ssm-agent.deb >/dev/null; then
        systemctl enable --now amazon-ssm-agent
        log "SSM agent installed"
    else
        log "could not install the SSM agent from $SSM_AGENT_URL: Session Manager cannot reach this host (the cluster still starts)"
    fi
    rm -f /tmp/amazon-ssm-agent.deb
fi

systemctl daemon-reload
systemctl enable --now "${UNITS[@]}"
log "started ${UNITS[*]}"
