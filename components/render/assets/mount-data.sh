#!/bin/bash
# mount-data.sh DEVICE MOUNT_POINT OWNER WAIT_SECONDS: mount the PostgreSQL data volume,
# formatting it only when it has no filesystem (a volume kept from a replaced instance keeps its
# data). Installed by pg-ha-stack's cloud-init; waits for the attachment, mounts by UUID.
set -euo pipefail
device=$1
mount_point=$2
owner=$3
wait_seconds=$4
[ -e "$device" ] || echo "pg-ha boot: waiting up to $wait_seconds s for the data volume $device to be attached; PostgreSQL does not start without it" >&2
for _ in $(seq 1 "$wait_seconds"); do
    [ -e "$device" ] && break
    sleep 1
done
[ -e "$device" ] || { echo "pg-ha boot: data volume $device was not attached within $wait_seconds s" >&2; exit 1; }
if ! blkid "$device" >/dev/null 2>&1; then
    echo "formatting the new, empty data volume $device" >&2
    mkfs.ext4 -q -L pgdata "$device"
fi
uuid=$(blkid -s UUID -o value "$device")
mkdir -p "$mount_point"
grep -q " $mount_point " /etc/fstab || echo "UUID=$uuid $mount_point ext4 defaults,nofail,noatime 0 2" >> /etc/fstab
mountpoint -q "$mount_point" || mount "$mount_point"
chown "$owner:$owner" "$mount_point"
