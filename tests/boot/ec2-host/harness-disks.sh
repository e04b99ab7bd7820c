#!/bin/sh
# What a VM's boot does for an attached volume and a container's does not: udev's
# /dev/disk/by-uuid/<uuid> links, and the mounts of fstab's device entries (systemd-fstab-generator
# says "Running in a container, ignoring fstab device entry" and generates none).
mkdir -p /dev/disk/by-uuid
for device in /dev/disk/by-id/*; do
    [ -b "$device" ] || continue
    uuid=$(blkid -s UUID -o value "$device") || continue
    [ -n "$uuid" ] && ln -sf "$device" "/dev/disk/by-uuid/$uuid"
done
# Each device entry with nofail, as fstab says: a missing device is not this unit's failure.
grep -E '^(UUID=|/dev/)' /etc/fstab | while read -r what where _; do
    mountpoint -q "$where" || mount "$where" || echo "harness-disks: could not mount $what on $where" >&2
done
exit 0
