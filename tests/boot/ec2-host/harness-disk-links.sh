#!/bin/sh
# /dev/disk/by-uuid/<uuid> for each block device under /dev/disk/by-id that has a filesystem.
mkdir -p /dev/disk/by-uuid
for device in /dev/disk/by-id/*; do
    [ -b "$device" ] || continue
    uuid=$(blkid -s UUID -o value "$device") || continue
    [ -n "$uuid" ] && ln -sf "$device" "/dev/disk/by-uuid/$uuid"
done
exit 0
