# shellcheck shell=bash
# What a PostgreSQL node does to find its place in the cluster: find the primary among its peers,
# clone from it, or rejoin it (pg_rewind, or a fresh clone when the history cannot be rewound).
# Sourced by start-postgres.sh and rejoin.sh, as the service user. Installed by pg-ha-stack.
# shellcheck source=cluster-lib.sh
. "${BASH_SOURCE[0]%/*}/cluster-lib.sh"

readonly SELF=${NODE_NAMES[$NODE_ID]}

# wait_for_primary: prints the primary's id once one answers, within PRIMARY_WAIT_SECONDS.
wait_for_primary() {
    local attempt id
    for attempt in $(seq 1 "$PRIMARY_WAIT_SECONDS"); do
        if id=$(find_primary "$NODE_ID"); then
            echo "$id"
            return 0
        fi
        [ "$attempt" = 1 ] && log "no primary answers yet; waiting up to $PRIMARY_WAIT_SECONDS s for one"
        sleep 1
    done
    log "no primary answered within $PRIMARY_WAIT_SECONDS s"
    return 1
}

# clone_from PRIMARY_ID: a new data directory, cloned from the primary through this node's slot.
clone_from() {
    local primary_id=$1 staging="$DATA_DIR.bootstrap" create_slot=(--create-slot)
    log "cloning $SELF from ${NODE_NAMES[$primary_id]} through slot ${NODE_SLOTS[$NODE_ID]}"
    rm -rf "$staging"
    if [ "$(sql "$primary_id" "SELECT count(*) FROM pg_replication_slots WHERE slot_name = '${NODE_SLOTS[$NODE_ID]}'")" = 1 ]; then create_slot=(); fi
    # --no-sync: the clone's control file is not "shut down", so PostgreSQL fsyncs the whole
    # data directory before it starts recovery; syncing here as well only doubles the wait.
    "$BIN_DIR/pg_basebackup" -w -d "host=${NODE_HOSTS[$primary_id]} port=${NODE_PORTS[$primary_id]} dbname=replication $CLONE_CONNINFO" -D "$staging" \
        -X stream -S "${NODE_SLOTS[$NODE_ID]}" "${create_slot[@]}" --checkpoint=fast --no-sync >&2
    follow "$staging" "$primary_id"
    mv "$staging" "$DATA_DIR"
    log "$SELF cloned"
}

# follow DATA PRIMARY_ID: the data directory streams from the primary through this node's slot.
follow() {
    local auto="$1/postgresql.auto.conf"
    # Keep all but the upstream and quorum settings (a clone or a rewind copies the primary's).
    grep -vE '^(primary_conninfo|primary_slot_name|synchronous_standby_names) ' "$auto" > "$auto.new" 2>/dev/null || true
    printf "primary_conninfo = '%s'\nprimary_slot_name = '%s'\n" "${UPSTREAM_CONNINFO[$NODE_ID:$2]}" "${NODE_SLOTS[$NODE_ID]}" >> "$auto.new"
    mv "$auto.new" "$auto"
    touch "$1/standby.signal"
}

# remove_stale_lock: drops the postmaster.pid of a server that was killed. Its PID may belong to
# another process now (in a restarted container it is 1, this script), and single-user postgres
# would then take it for a running server. Fails when a postgres does run under that PID.
remove_stale_lock() {
    local lock="$DATA_DIR/postmaster.pid" pid
    [ -f "$lock" ] || return 0
    pid=$(head -n 1 "$lock")
    if [ -n "$pid" ] && [ "$pid" != $$ ] && [ "$(cat "/proc/$pid/comm" 2>/dev/null)" = postgres ]; then
        log "a postgres (pid $pid) still runs on $DATA_DIR: stop it before $SELF rejoins"
        return 1
    fi
    rm -f "$lock"
}

# archived_successor: prints the history file of the timeline after this node's when the backup
# repository holds it, which means another node was promoted after this one was last primary (a
# promotion archives its timeline's history file at once). Fails when the repository holds none,
# and, saying so, when there is no repository or it does not answer (the caller cannot tell).
archived_successor() {
    local timeline history output status=0
    if [ -z "$PGBACKREST_CONF" ]; then
        log "no backup repository: $SELF cannot tell from the archive whether another node was promoted after it"
        return 1
    fi
    timeline=$("$BIN_DIR/pg_controldata" -D "$DATA_DIR" | sed -n "s/^Latest checkpoint's TimeLineID: *//p")
    if ! [[ $timeline =~ ^[0-9]+$ ]]; then
        log "cannot read the timeline of $DATA_DIR: $SELF cannot tell whether another node was promoted after it"
        return 1
    fi
    # A node promoted and killed before its first checkpoint on the new timeline still has the
    # old one in its control file; the history files in its own pg_wal name its real timeline.
    while [ -f "$DATA_DIR/pg_wal/$(printf '%08X.history' $((timeline + 1)))" ]; do timeline=$((timeline + 1)); done
    history=$(printf '%08X.history' $((timeline + 1)))
    install -d -m 700 "$RUN_DIR/pgbackrest" || return 1
    output=$(timeout "$ARCHIVE_CALL_TIMEOUT_SECONDS" pgbackrest --config="$PGBACKREST_CONF" --stanza="$STANZA" archive-get "$history" "$RUN_DIR/$history" 2>&1) || status=$?
    rm -f "$RUN_DIR/$history"
    case $status in
        0) echo "$history" ;;
        1) return 1 ;;
        *) log "the backup repository did not answer (pgbackrest archive-get exit $status: ${output##*$'\n'}): $SELF cannot tell whether another node was promoted after it"; return 1 ;;
    esac
}

# was_standby: the data directory was last a standby's (running or stopped in recovery).
was_standby() {
    local state
    state=$("$BIN_DIR/pg_controldata" -D "$DATA_DIR" | sed -n 's/^Database cluster state: *//p')
    [ "$state" = "in archive recovery" ] || [ "$state" = "shut down in recovery" ]
}

# gone_redo_segment PRIMARY_ID: prints the segment this stopped node's recovery starts from (the
# REDO segment of its last checkpoint or restart point) when the primary no longer holds it,
# whatever its timeline (the primary's oldest segment is later); fails when it does.
gone_redo_segment() {
    local redo oldest
    redo=$("$BIN_DIR/pg_controldata" -D "$DATA_DIR" | sed -n "s/^Latest checkpoint's REDO WAL file: *//p")
    [ ${#redo} = 24 ] || return 1
    oldest=$(sql "$1" "SELECT min(substr(name, 9, 16)) FROM pg_ls_waldir() WHERE name ~ '^[0-9A-F]{24}\$'") || return 1
    [ -n "$oldest" ] && [[ "${redo:8:16}" < "$oldest" ]] && echo "$redo"
}

# past_fork PRIMARY_ID TIMELINE LSN: prints where the primary's history left TIMELINE when LSN on
# it lies past that point (this node replayed WAL the primary never had), or that its history
# does not hold TIMELINE at all; prints nothing when LSN is part of the primary's history. Fails
# when the primary does not answer or holds no history file of its own timeline.
past_fork() {
    local answer
    answer=$(sql "$1" "WITH file AS (
            SELECT ('x' || $TIMELINE_HEX_SQL)::bit(32)::int AS timeline, pg_read_file('pg_wal/' || $TIMELINE_HEX_SQL || '.history', 0, 10485760, true) AS text),
        history AS (
            SELECT split_part(line, E'\t', 1)::int AS timeline, split_part(line, E'\t', 2)::pg_lsn AS switchpoint
            FROM file, regexp_split_to_table(file.text, E'\n') AS line WHERE line ~ '^[0-9]+\t')
        SELECT CASE WHEN timeline = $2 THEN ''
            WHEN text IS NULL THEN 'unknown'
            ELSE coalesce((SELECT CASE WHEN '$3'::pg_lsn > switchpoint THEN 'timeline $2 ends at ' || switchpoint ELSE '' END FROM history WHERE history.timeline = $2),
                'its history does not hold timeline $2') END
        FROM file") || return 1
    [ "$answer" != unknown ] && echo "$answer"
}

# diverged_from PRIMARY_ID: prints why this stopped standby cannot follow the primary's timeline:
# it replayed WAL past the point where that timeline forked from its own (a primary's shutdown
# checkpoint it received while the standby then promoted was down, say); PostgreSQL would refuse
# to start it ("requested timeline is not a child of this server's history"), again and again.
diverged_from() {
    local control checkpoint timeline minimum minimum_timeline reason
    control=$("$BIN_DIR/pg_controldata" -D "$DATA_DIR")
    checkpoint=$(sed -n "s/^Latest checkpoint location: *//p" <<<"$control")
    timeline=$(sed -n "s/^Latest checkpoint's TimeLineID: *//p" <<<"$control")
    minimum=$(sed -n "s/^Minimum recovery ending location: *//p" <<<"$control")
    minimum_timeline=$(sed -n "s/^Min recovery ending loc's timeline: *//p" <<<"$control")
    if ! reason=$(past_fork "$1" "$timeline" "$checkpoint") \
        || { [ -z "$reason" ] && [ "${minimum_timeline:-0}" != 0 ] && ! reason=$(past_fork "$1" "$minimum_timeline" "$minimum"); }; then
        log "cannot tell from ${NODE_NAMES[$1]} whether $SELF's history is part of its timeline: $SELF follows it as it is"
        return 1
    fi
    [ -n "$reason" ] && echo "checkpoint $checkpoint on timeline $timeline, replayed up to $minimum on timeline $minimum_timeline; on ${NODE_NAMES[$1]}, $reason"
}

# rejoin_onto PRIMARY_ID: this node (stopped) becomes a standby of the primary: pg_rewind onto its
# timeline (a no-op when this node's history is already part of it), or, when it cannot be
# rewound, a fresh clone (the old data directory kept beside it until the next one).
rejoin_onto() {
    local primary_id=$1
    ensure_slot "$primary_id" "$NODE_ID"
    # A new primary's end-of-recovery checkpoint is spread out; until it ends, its control file
    # still names the old timeline and pg_rewind would answer "no rewind required".
    SQL_TIMEOUT_SECONDS=900 sql "$primary_id" "CHECKPOINT" >/dev/null
    if [ -f "$DATA_DIR/backup_label" ]; then
        # Rewound or cloned and not started since: recovery starts from the label; only the
        # upstream may need to change.
        follow "$DATA_DIR" "$primary_id"
        log "$SELF follows ${NODE_NAMES[$primary_id]}"
        return 0
    fi
    local diverged=""
    if was_standby && ! diverged=$(diverged_from "$primary_id"); then
        local segment
        if segment=$(gone_redo_segment "$primary_id"); then
            # Away longer than the primary keeps WAL for it (its slot was invalidated past
            # max_slot_wal_keep_size): streaming cannot bring it back. It holds nothing the
            # primary lacks, so a fresh clone loses nothing.
            log "$SELF was a standby, but ${NODE_NAMES[$primary_id]} no longer holds the WAL it needs (from segment $segment): cloning it afresh"
            rm -rf "$DATA_DIR"
            clone_from "$primary_id"
            return
        fi
        # A standby holds no WAL the primary lacks: failover.sh promotes the standby that has
        # received the most, so the others are at or behind its fork and follow its new timeline
        # by themselves. pg_rewind would do harm here: its single-user crash recovery ends a
        # killed standby's WAL with a checkpoint the primary never wrote, and streaming then
        # stops for good at "record with incorrect prev-link".
        follow "$DATA_DIR" "$primary_id"
        log "$SELF was a standby: it follows ${NODE_NAMES[$primary_id]} without a rewind"
        return 0
    fi
    if [ -n "$diverged" ]; then
        # It holds WAL the primary never had (at most what a failover without it lost): only a
        # rewind onto the primary's timeline lets it follow.
        log "$SELF was a standby, but its history left ${NODE_NAMES[$primary_id]}'s timeline ($diverged)"
    fi
    # pg_rewind runs crash recovery first on a server that was killed, in single-user mode,
    # which refuses standby mode, and refuses a lock file naming a live process.
    rm -f "$DATA_DIR/standby.signal"
    remove_stale_lock || return 1
    log "rewinding $SELF onto ${NODE_NAMES[$primary_id]}'s timeline"
    if "$BIN_DIR/pg_rewind" -D "$DATA_DIR" --source-server="host=${NODE_HOSTS[$primary_id]} port=${NODE_PORTS[$primary_id]} $REWIND_CONNINFO" >&2; then
        # Slots this node kept as primary would hold WAL here for standbys that no longer use them.
        find "$DATA_DIR/pg_replslot" -mindepth 1 -maxdepth 1 -exec rm -rf {} +
        follow "$DATA_DIR" "$primary_id"
        log "$SELF follows ${NODE_NAMES[$primary_id]}"
        return 0
    fi
    log "$SELF cannot be rewound onto ${NODE_NAMES[$primary_id]} (see above); cloning it afresh, its old data kept in $DATA_DIR.diverged"
    rm -rf "$DATA_DIR.diverged"
    mv "$DATA_DIR" "$DATA_DIR.diverged"
    clone_from "$primary_id"
}
