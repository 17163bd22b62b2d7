// The shell that runs a job's tar inside the gluster container: a backup (tar --create into a
// partial archive, renamed on success) or a restore (tar --extract into the gluster
// filesystem). It is passed to `sh -c` with every value as a positional parameter and tar's
// argv after them, so no path or name is ever parsed by a shell. It lives on the node, not in
// the client: closing VS Code or losing SSH does not stop it.
//
// Files beside the archive (all on the node's host, in the backups directory), by job id:
//   <stem>.tar[.gz].partial  backup: what tar writes; renamed to the archive only on exit 0 or 1
//   <stem>.tar.gz.partial.members  a compressed backup's member list as tar writes it (tar
//                            --index-file), renamed to <stem>.tar.gz.members once the archive
//                            is published; removed otherwise. Never written under the final
//                            name: that name may be another archive's (see KEPT_EXIT)
//   <id>.log                 tar's stderr
//   <id>.status              "running <sh pid> <tar pid> <time>", then "exit <code> <time>"
//                            (times in epoch seconds with nanoseconds: the file's mtime,
//                            as SFTP gives it, has whole seconds only); the time ends in
//                            STATUS_UNFLUSHED when the published archive could not be flushed
//   <id>.cancel              written by the client to ask for a cancel (a backup's script then
//                            removes the partial archive; a job of either kind runs no tar
//                            when it is there first, exit CANCELLED_EXIT)
//   <stem>.tar[.gz].sha256   backup: the archive's SHA-256 as `sha256sum -c` reads it, written
//                            (temporary name, then rename) only once the archive is final
//   <id>.status.tmp-<pid>.*  tar's pid and exit, a copy of its messages, the follower's digest:
//                            only while a job runs, and only when the container's /tmp cannot
//                            take them (they live in /tmp/gluster-backup-job-<pid>.* otherwise)
//
// The archive holds every file of the platform: a backup's partial archive (from before tar
// writes a byte), its log and its checksum file get the archiveMode setting's mode (0600 unless
// it says otherwise) and the owner of the job file, the SSH user who reads them over SFTP.
//
// The checksum is taken while tar writes: a follower reads the partial archive as it grows (and
// stops once tar's pid is gone, after a last read) from the page cache and hashes it, on the
// container's other core: python3's hashlib when the image has it, else tail -f into openssl
// or sha256sum. tar itself still writes the file: its messages (a full disk), the
// process a cancel checks (`tar --create --file=<partial>`) and the size a follower samples
// stay as they were. Hashing the finished archive afterwards would read it all a second time.
//
// GNU tar exit codes: 0 success, 1 some files differ (create: changed while read), 2 fatal.
// A tar killed by a signal gives 128+N.
import type { ArchiveMode } from '../config';
import { partialOf, type BackupPaths, type JobPaths } from './jobFile';
import { JOB_LINE_PREFIX } from './tarWarnings';

/**
 * SHA-256 of standard input, printed first on its line. openssl uses the CPU's SHA extensions
 * (several times the speed of coreutils' sha256sum here, which is slower than tar writes);
 * sha256sum where the image has no openssl.
 */
export const SHA256_SH = 'if command -v openssl >/dev/null 2>&1; then openssl dgst -sha256 -r; else sha256sum; fi';

/**
 * Follows a file another process (argv[2], its pid) is writing and prints its SHA-256 and the
 * bytes hashed once that process is gone and the file read to its end: 1 MiB reads into hashlib
 * (OpenSSL, the CPU's SHA instructions), no pipe. Used when the image has python3 (GlusterFS's
 * own tools need it).
 */
export const FOLLOW_HASH_PY = String.raw`
import hashlib, os, sys, time
h = hashlib.sha256()
n = 0
pid = int(sys.argv[2])
with open(sys.argv[1], "rb", buffering=0) as f:
    gone = False
    while True:
        b = f.read(1 << 20)
        if b:
            h.update(b)
            n += len(b)
        elif gone:
            break
        else:
            try:
                os.kill(pid, 0)
                time.sleep(0.01)
            except ProcessLookupError:
                gone = True
print(h.hexdigest(), n)
`;

import { KEPT_PARTIAL } from './keptPartial';

/**
 * The job's exit code when it kept a finished archive as its partial (tar never exits 3). It
 * reaches the client through the status file or, when the backups directory is too full for
 * that, through docker as the shell's own exit; the log line saying so may not have been
 * written then, and without the code the client would take the partial for a failed one and
 * remove the only copy.
 */
export const KEPT_EXIT = 3;

/**
 * A job's exit when it saw its cancel request before tar ran (a restore then wrote nothing into
 * its target), or a backup's that found it after tar ended 0 or 1 on its own and published
 * nothing (a tar the cancel killed ends 128+N, which says it alone).
 * Without it such a job ended 0 or 1 like a published one, and a client that then found an
 * archive under the job's name, made meanwhile by another writer, credited that archive to
 * the cancelled job. tar never exits 4. A version 2 client that predates it reads it as tar's
 * exit 4: cancelled when it sees the request, failed with the script's line otherwise; it
 * removes only the job's own partial (gone already) and never counts the archive the job's.
 */
export const CANCELLED_EXIT = 4;

/** The script's line for a job, either kind, whose cancel request was there before tar was started. */
export const CANCELLED_BEFORE_TAR = 'cancelled before tar started: tar was not run, and nothing was written';

/** The end of its line (`tar exit N, but ...`) for one whose request it found once tar had ended 0 or 1. */
export const CANCELLED_UNPUBLISHED = 'the job was cancelled before its archive was published: the partial archive was removed';

/**
 * The start of the script's line for an archive it published whose name or checksum file sync
 * then reported it could not write to disk (`... published as <archive>, but ...`): the job
 * stands as tar ended, its reason this line. The archive is not taken back: it is whole in
 * the page cache and the data's own flush succeeded before it was named, and removing it
 * could lose the only copy.
 */
export const PUBLISHED_UNSYNCED = 'the archive is published as ';

/**
 * The end of the script's line (`tar exit N: ...<archive>`) said as soon as the archive has its
 * final name, before its checksum file, the flush and the final status. A shell killed in
 * between (its container stopped or restarted) leaves no status: without this line the
 * client could not tell the job's own archive from a file another writer made under that name,
 * and recorded a whole archive as a failed or cancelled job (jobEnd.ts). tar's exit is in the
 * line because the status that would have carried it is never written then. When the archive
 * is published by a hard link, the line comes before the partial's name is removed: a partial
 * still there beside a believed line is the archive's second name.
 */
export const PUBLISHED_AS = 'published the archive as ';

/**
 * The end of the exit status's time token when that line was said (`exit 0 <time>,unflushed`):
 * on a full backups directory the log cannot take the line, and the job looked clean. The status
 * file's block is the job's from the "running" line on, so the mark needs no new block (see
 * end() in the script). A client that does not know it takes the token for no time (parseStatus
 * has always dropped a time it cannot read) and the exit as it is: the same end as before, its
 * endedAt from the status file's mtime instead.
 */
export const STATUS_UNFLUSHED = ',unflushed';

/**
 * The exit line padded to this width when it is written over the "running" line in place: it
 * covers that line (at most ~52 bytes) so nothing of it is left after the exit's newline.
 */
const STATUS_IN_PLACE_WIDTH = 63;

/**
 * The script's looks (0.05 s apart) for tar's pid to be tar before it says "running": a fork
 * becomes tar in milliseconds, and a job is never held more than ~3 s by one that does not.
 */
const TAR_EXEC_WAIT_STEPS = 60;

/** besidePartial's list as the script's operands, of its $partial. */
const BESIDE_PARTIAL_SH = besidePartial('$partial')
  .map((f) => `"${f}"`)
  .join(' ');

export const JOB_SCRIPT = String.raw`
set -u
sha256() { ${SHA256_SH}; }
# "<sha256> <bytes hashed>" of the file $1 that process $2 writes, once that process is gone and
# the file read to its end; nothing when the follower failed (no checksum file is written then).
follow_hash() {
  if command -v python3 >/dev/null 2>&1; then
    python3 -c '${FOLLOW_HASH_PY}' "$1" "$2"
  else
    # The hasher prints a digest of whatever it was given: busybox's tail (no --pid) exits at
    # once and a killed tail stops early, and that digest (of nothing, of a cut archive) beside
    # a good archive made every validation call it damaged. tail's own exit says whether it
    # followed to the end, and dd's count what went through (GNU dd prints it; without dd, or
    # with one that does not, the exit alone decides).
    h=$({ tail -c +1 -s 0.1 --pid="$2" -f -- "$1" 2>/dev/null; echo $? > "$tmp.tailrc"; } | { if command -v dd >/dev/null 2>&1; then dd bs=1048576 2> "$tmp.dd"; else cat; fi; } | sha256) || return 1
    [ "$(cat "$tmp.tailrc" 2>/dev/null)" = 0 ] || return 1
    n=$(sed -n 's/^\([0-9][0-9]*\) bytes.*/\1/p' "$tmp.dd" 2>/dev/null)
    printf '%s %s\n' "${"${h%% *}"}" "${"${n:-?}"}"
  fi
}
partial=$1 final=$2 log=$3 status=$4 cancel=$5 mk=$6 fresh=$7 dirs=$8 mode=$9
shift 9
job=$1 redo=$2
shift 2
# A backup's own files: the job file's owner (where chown may), and the archive mode.
own() {
  chown --reference="$job" -- "$@" 2>/dev/null || :
  chmod "$mode" -- "$@"
}
# What the job writes beside its partial (besidePartial's list), and the partial with it: the
# job's own until the archive is published.
drop_beside() { rm -f ${BESIDE_PARTIAL_SH}; }
drop_partial() { rm -f "$partial" ${BESIDE_PARTIAL_SH}; }
# The job's end, as the client reads it, with the mark of a published archive sync could not
# flush ($unflushed: its line may not have reached the log). A directory that filled up after
# the rename cannot take the temporary file: the "running" line is then overwritten in place,
# opened without truncating (1<>) and padded over its whole length, so the write needs no block
# the file does not hold already (a truncated block is not always free again at once). When
# neither write works the shell ends with tar's code, which the client reads from docker when it
# finds no status (jobs.ts): a whole archive is not taken for a failed job.
unflushed=
end() {
  endline="exit $1 $(date +%s.%N)${"${unflushed:-}"}"
  if { printf '%s\n' "$endline" > "$status.tmp" && mv -f "$status.tmp" "$status"; } 2>/dev/null; then exit 0; fi
  rm -f "$status.tmp" 2>/dev/null
  if { printf '%-${STATUS_IN_PLACE_WIDTH}s\n' "$endline" 1<> "$status"; } 2>/dev/null; then exit 0; fi
  exit "$1"
}
# A line of the job's own in the log, beside tar's ("gluster-backup: ...", never "tar: ..."):
# the client takes the reason of a failure that is not tar's from it. Into tee's copy too,
# once there is one (see below).
# One line, whatever a message quoted (ln's or sync's words may span lines): the client finds
# the script's lines by their prefix, and a kept archive's name at the end of one.
say() {
  msg=$*
  nl='
'
  while :; do case $msg in *"$nl"*) msg=${'${msg%%"$nl"*}'}' '${'${msg#*"$nl"}'} ;; *) break ;; esac; done
  { printf '${JOB_LINE_PREFIX}%s\n' "$msg" >> "$log"; } 2>/dev/null
  if [ -n "${"${tmp:-}"}" ] && [ -f "$tmp.err" ]; then { printf '${JOB_LINE_PREFIX}%s\n' "$msg" >> "$tmp.err"; } 2>/dev/null; fi
}
# A job whose cancel came while it was being started (no tar pid yet for the client to signal)
# does nothing: a restore would write the whole archive into the live volume, a backup make a
# whole archive for nothing. First of all, so a restore neither makes its target nor removes
# what a resume would rewrite. Its end must not read as tar's (CANCELLED_EXIT). A backup's log
# is private from its first line, as below.
if [ -e "$cancel" ]; then
  if [ -n "$partial" ]; then : > "$log"; own "$log"; fi
  say "${CANCELLED_BEFORE_TAR}"
  end ${CANCELLED_EXIT}
fi
# A restore's target directory is made here, on the node, like everything else it writes.
if [ -n "$mk" ] && ! mkdir -p -- "$mk" 2> "$log"; then end 2; fi
# A resumed restore: the file the interrupted one was writing goes, so tar (skipping what
# exists) writes it whole. Only a regular file, and only where it resolves inside the target.
# Its name comes as a printf format (any bytes through argv); the x keeps trailing newlines.
if [ -n "$fresh" ]; then fresh=$(printf "$fresh"; echo x); fresh=${"${fresh%x}"}; fi
if [ -n "$fresh" ] && [ -f "$fresh" ] && [ ! -L "$fresh" ]; then
  case "$(readlink -m -- "$fresh")" in
    "$(readlink -m -- "$mk")"/*) rm -f -- "$fresh" ;;
  esac
fi
# A resumed restore: what the interrupted ones left unfinished, which tar skipping what exists
# would keep (files whose write failed, symlinks' placeholders; the plan names them), goes too.
# The list holds paths under the target, NUL-separated (any bytes): the same guard as above.
# Said once tar has ended: the log is started afresh with tar.
unredone=
if [ -n "$redo" ] && [ -s "$redo" ]; then
  xargs -0 sh -c 'top=$(readlink -m -- "$1"); shift; for k; do f=$top/$k; if [ -f "$f" ] && [ ! -L "$f" ]; then case "$(readlink -m -- "$f")" in "$top"/*) rm -f -- "$f" ;; esac; fi; done' redo "$mk" < "$redo" || unredone=1
fi
# The file tail follows must exist before tar opens it; it and the log are private before
# anything is written to them.
if [ -n "$partial" ]; then
  : > "$partial"
  : > "$log"
  own "$partial" "$log"
  # A compressed backup's member list names every file of the platform: private from its
  # first line too (tar truncates the file and keeps its mode). Beside the partial, whose name
  # is the job's: the final name's list may be another archive's until this one is published.
  for a in "$@"; do
    if [ "$a" = "--index-file=$partial.members" ]; then : > "$partial.members"; own "$partial.members"; fi
  done
fi
# tar's stderr also goes to a copy in the container's own /tmp ($TMPDIR when set): when the
# backups directory fills up, the log there cannot take tar's last words, and they are restored
# from the copy. tar's pid and exit code and the follower's digest pass through files there
# too. A /tmp that was full or read-only hung the job: tar's pid never came, and it waited for
# it forever. /tmp is tried with a write first; failing that, the files go beside the job's
# status file; failing that too, the job ends before tar, saying why.
takes() { { echo "$$" > "$1.pid" && [ -s "$1.pid" ]; } 2>/dev/null; }
# A job killed with its container left its files under its shell's pid, which this shell may
# have now: its tar pid or exit code taken for this job's would end the hash or the job wrongly.
fresh_tmp() { rm -f "$1.pid" "$1.rc" "$1.err" "$1.sum" "$1.tailrc" "$1.dd" 2>/dev/null; }
tmp=${"${TMPDIR:-/tmp}"}/gluster-backup-job-$$
fresh_tmp "$tmp"
if ! takes "$tmp"; then
  fresh_tmp "$tmp"
  tmp=$status.tmp-$$
  fresh_tmp "$tmp"
  if ! takes "$tmp"; then
    fresh_tmp "$tmp"
    say "tar was not started: neither ${"${TMPDIR:-/tmp}"} nor ${"${status%/*}"} takes the job's temporary files (full, or read-only)"
    if [ -n "$partial" ]; then drop_partial; fi
    end 2
  fi
fi
rm -f "$tmp.pid"
(
  tar "$@" 2>&1 >/dev/null &
  t=$!
  # With its pid unrecorded tar could be neither followed nor cancelled: it is stopped at once.
  { echo "$t" > "$tmp.pid"; } 2>/dev/null || kill "$t" 2>/dev/null
  wait "$t"
  echo $? > "$tmp.rc"
) | tee "$tmp.err" > "$log" &
# tee's pid: it ends with the subshell, so this wait ends with tar even when no pid came.
piped=$!
while [ ! -s "$tmp.pid" ] && kill -0 "$piped" 2>/dev/null; do sleep 0.05; done
tarpid=$(cat "$tmp.pid" 2>/dev/null)
case $tarpid in ''|*[!0-9]*) tarpid= ;; esac
if [ -n "$tarpid" ]; then
  # $! is the forked child's pid, which is tar only once that child has exec'd it: a cancel
  # that read "running" before then found a shell's command line and was refused as not this
  # job's tar. "running" waits until the pid is tar, has ended (a zombie's or a reaped pid's
  # command line reads empty) or the cancel request is there (stopped below without a check),
  # for ~3 s at most: a tar that never shows as tar (an applet run without exec) goes on as before.
  n=0
  while [ "$n" -lt ${TAR_EXEC_WAIT_STEPS} ] && [ ! -e "$cancel" ]; do
    case $(head -c 4 "/proc/$tarpid/cmdline" 2>/dev/null | tr '\0' ' ') in 'tar '|'') break ;; esac
    n=$((n + 1))
    sleep 0.05
  done
  printf 'running %s %s %s\n' "$$" "$tarpid" "$(date +%s.%N)" > "$status.tmp" && mv -f "$status.tmp" "$status"
  # A cancel that came after the look above and read no "running" yet signalled nothing: the
  # marker is there by now, and this stops tar as the client's signal would have.
  if [ -e "$cancel" ]; then kill -TERM "$tarpid" 2>/dev/null; fi
  if [ -n "$partial" ]; then
    follow_hash "$partial" "$tarpid" > "$tmp.sum" 2>/dev/null &
  fi
fi
wait
rc=$(cat "$tmp.rc" 2>/dev/null)
if [ -z "$tarpid" ]; then
  rc=2
  say "tar was stopped: its pid could not be written to $tmp.pid"
else
  case $rc in ''|*[!0-9]*)
    rc=2
    say "tar's exit status could not be read from $tmp.rc: the job counts as failed" ;;
  esac
fi
if [ -n "$unredone" ]; then say "not every entry of $redo could be removed before tar: those left were kept, as skip keeps what exists"; fi
# A resumed restore: tar skipping what exists leaves the directories an interrupted one made
# with its temporary modes; the same archive, directories only, sets them as archived.
# tar's first three arguments are --extract, --file= and --directory= (restoreArgv).
# Never with an empty list: tar given no names takes every member, and would overwrite them all.
if [ -n "$dirs" ] && [ -s "$dirs" ] && [ "$rc" -le 1 ] && [ ! -e "$cancel" ]; then
  tar "$1" "$2" "$3" --numeric-owner --same-owner --preserve-permissions --no-recursion --null --verbatim-files-from --files-from="$dirs" 2>>"$tmp.err" >/dev/null || rc=2
fi
# A finished archive that could not be published stays as the partial, the only copy: nothing
# removes it now (the client neither: jobs.ts). The job fails with KEPT_EXIT, its line saying
# why ($1) and where the whole archive is. What lay beside the partial goes: the operator is
# told to rename the archive alone, and a list left under the partial's name would be no one's
# once it is renamed.
keep_partial() {
  say "tar exit $rc, but $1: ${KEPT_PARTIAL}$partial"
  rc=${KEPT_EXIT}
  drop_beside
}
if [ -z "$partial" ]; then
  :
elif [ -e "$cancel" ]; then
  drop_partial
  # Nothing published: said by the exit, so that an archive another writer made under the
  # job's name is never taken for this job's (CANCELLED_EXIT). A killed tar's code says it.
  if [ "$rc" -le 1 ]; then
    say "tar exit $rc, but ${CANCELLED_UNPUBLISHED}"
    rc=${CANCELLED_EXIT}
  fi
elif [ "$rc" -le 1 ]; then
  # On disk before it is called an archive: a host that goes down after "completed" must not
  # come back with an archive whose last blocks were never written. sync with a file (GNU
  # coreutils 8.24, busybox 1.30) flushes that file; an older one takes none and flushes all.
  # A plain sync after any failure hid the file form's own error (an I/O error writing the
  # archive back): sync(2) reports none. Those errors name the file; an older sync's refusal of
  # the operand does not.
  published= taken= unsynced=
  if ! why=$(sync -- "$partial" 2>&1); then
    case $why in
      *"$partial"*) unsynced=1 ;;
      *) sync ;;
    esac
  fi
  # ln refuses an existing target: an archive already there is never overwritten.
  if [ -n "$unsynced" ]; then
    :
  elif why=$(ln -- "$partial" "$final" 2>&1); then
    # Said before the partial's name goes: a shell killed between the link and the line left a
    # whole archive recorded as a failed job. With the line first, a partial still there beside
    # it is the archive's second name, which the observer removes (jobEnd.ts).
    say "tar exit $rc: ${PUBLISHED_AS}$final"
    rm -f "$partial"
    published=linked
  elif [ -e "$final" ] || [ -L "$final" ]; then
    taken=1
  else
    # A directory that holds no hard link (exFAT, vfat, some FUSE filesystems): ln fails, and
    # removing the partial then threw the finished archive away. A rename that replaces nothing
    # instead: the job file claims the name, so no other job makes it, and although mv -n is not
    # atomic against a file made in between (busybox looks, then renames), the data is always
    # under one of the two names. Its exit status differs between versions: the files decide.
    mv -n -- "$partial" "$final" 2>/dev/null
    if [ ! -e "$partial" ] && [ -f "$final" ]; then published=1; fi
  fi
  if [ -n "$published" ]; then
    # First of all: from here on a shell that dies leaves a whole archive (PUBLISHED_AS). The
    # link above said it already.
    if [ "$published" != linked ]; then say "tar exit $rc: ${PUBLISHED_AS}$final"; fi
    # A compressed archive's member list goes beside it now that the name is this archive's
    # (a list already under that name had no archive). One that cannot be moved goes: a
    # restore then lists the archive itself. Never into a directory of that name (mv would).
    if [ -f "$partial.members" ]; then
      if [ -d "$final.members" ] || ! mv -f -- "$partial.members" "$final.members" 2>/dev/null; then rm -f "$partial.members"; fi
    fi
    # Only a whole digest of every byte of the archive goes beside it; without one the archive
    # has no checksum (validation then says so, rather than that the archive is damaged).
    sum= n=
    { read -r sum n < "$tmp.sum"; } 2>/dev/null
    size=$(stat -c %s -- "$final" 2>/dev/null || wc -c < "$final")
    case $sum in
      *[!0-9a-f]*) ;;
      ????????????????????????????????????????????????????????????????)
        case $n in "$size"|'?')
          printf '%s  %s\n' "$sum" "$(basename -- "$final")" > "$final.sha256.tmp" && own "$final.sha256.tmp" && mv -f "$final.sha256.tmp" "$final.sha256" || rm -f "$final.sha256.tmp" ;;
        esac ;;
    esac
    # The names (the archive's, its checksum's, the partial's gone) are the directory's data:
    # flushed too, with the checksum file, before the status says "completed". As for the
    # partial above, only an older sync's refusal of operands (its words name none of them) is
    # answered by a plain sync; an error naming the directory or the checksum file is said.
    dir=${"${final%/*}"}
    if [ -f "$final.sha256" ]; then
      flushed="its name and its checksum file"
      why=$(sync -- "$final.sha256" "$dir/" 2>&1)
    else
      flushed="its name"
      why=$(sync -- "$dir/" 2>&1)
    fi
    if [ $? -ne 0 ]; then
      case $why in
        *"$dir/"*)
          say "${PUBLISHED_UNSYNCED}$final, but sync could not flush $flushed to disk ($why): the host going down before its own flush could lose them; validate the archive before relying on it"
          unflushed=${STATUS_UNFLUSHED} ;;
        *) sync ;;
      esac
    fi
  elif [ -n "$unsynced" ]; then
    # Kept, not removed: the data may still be whole.
    keep_partial "the archive could not be flushed to disk, so it was not published as $final ($why; check the disk before using it)"
  elif [ -n "$taken" ]; then
    # The archive is whole: only its name is not free. It stays, named by the job; the final
    # name's member list, if any, is the other archive's and is not touched.
    keep_partial "$final already exists and is never overwritten ($why)"
  else
    keep_partial "the archive could not be published as $final ($why; mv -n left it in place)"
  fi
else
  drop_partial
fi
# tee's copy is what tar said when the log could not take it all: it goes over the log when it
# holds more (never a copy cut short by a /tmp that filled up over a whole log).
if [ -s "$tmp.err" ] && [ "$(wc -c < "$tmp.err")" -gt "$(wc -c < "$log" 2>/dev/null || echo 0)" ]; then cat "$tmp.err" > "$log"; fi
fresh_tmp "$tmp"
end "$rc"
`;

/** tar's first arguments for a backup: what a cancel checks the process against. */
export function backupTarHead(partial: string): string[] {
  return ['--create', `--file=${partial}`];
}

/** tar's first arguments for a restore. */
export function restoreTarHead(archive: string): string[] {
  return ['--extract', `--file=${archive}`];
}

/**
 * A compressed archive's member list, written by tar while it creates the archive: what a
 * restore's dry run reads instead of decompressing the whole archive (a `.tar` has its header
 * walk). The same form as `tar --list` prints (tarListing.ts), with the times to the nanosecond.
 */
export function memberListOf(archive: string): string {
  return `${archive}.members`;
}

/**
 * What a backup job writes beside its partial archive, under the partial's name: a compressed
 * archive's member list (tar --index-file), which the script moves beside the archive once it
 * publishes it. The job's own, never under the archive's final name (that name may be another
 * archive's: KEPT_EXIT). The one list of them: the script's cleanups (drop_beside, drop_partial),
 * the observer's (jobs.ts) and prune's (partialFilesOf) take these.
 */
export function besidePartial(partial: string): string[] {
  return [memberListOf(partial)];
}

/**
 * A backup's partial archive and what lies beside it, by the archive's name: the archive's files
 * that are its job's until the job is final (the catalog's partial files, which prune takes only
 * then, and never from a temporary name).
 */
export function partialFilesOf(archive: string): string[] {
  const partial = partialOf(archive);
  return [partial, ...besidePartial(partial)];
}

/** The environment of a backup job: tar's member list in the C quoting of every byte, times in UTC. */
export const BACKUP_JOB_ENV = ['LC_ALL=C', 'TZ=UTC'];

/** `mode`: the archive's, its partial's, log's and checksum file's (the archiveMode setting). */
export function jobArgv(p: BackupPaths, source: string, compressor: string | undefined, mode: ArchiveMode): string[] {
  // Beside the partial, moved beside the archive when the script publishes it (JOB_SCRIPT).
  const list = compressor ? ['--verbose', '--verbose', '--block-number', '--full-time', '--quoting-style=c', `--index-file=${memberListOf(p.partial)}`] : [];
  const tar = [...backupTarHead(p.partial), `--directory=${source}`, '--numeric-owner', ...(compressor ? [`--use-compress-program=${compressor}`] : []), ...list, '.'];
  return ['sh', '-c', JOB_SCRIPT, 'gluster-backup-job', p.partial, p.archive, p.log, p.status, p.cancel, '', '', '', mode, p.job, '', ...tar];
}

/** tar's option for entries that exist, by the restore's policy (see the restore's plan). */
const EXISTING_OPTION = {
  // Preflight found none in the way: one that appears meanwhile is an error, never replaced.
  refuse: ['--keep-old-files'],
  skip: ['--skip-old-files'],
  // GNU tar's default replaces an existing file (and merges into an existing directory).
  overwrite: [],
} as const;

/**
 * A restore: extracts the archive into `target` (created if missing) as root, with numeric
 * owners, modes, mtimes, links and sparse files as stored; `members` limits it to those names
 * (as stored in the archive), each with everything under it.
 */
export function restoreArgv(
  p: JobPaths & { members: string; dirs: string; redo: string },
  target: string,
  policy: keyof typeof EXISTING_OPTION,
  members: readonly string[],
  resume?: { rewrite?: string; dirs: boolean; redo?: boolean },
): string[] {
  const tar = [
    ...restoreTarHead(p.archive),
    `--directory=${target}`,
    '--numeric-owner',
    '--same-owner',
    '--preserve-permissions',
    ...EXISTING_OPTION[policy],
    // Each member's name as tar starts on it: the last line is where an interruption struck.
    // --verbose also makes --skip-old-files name every file it skips, in the log: not wanted.
    '--verbose',
    `--index-file=${p.members}`,
    '--warning=no-existing-file',
    '--',
    ...members,
  ];
  const fresh = resume?.rewrite ? printfFormatOf(Buffer.concat([Buffer.from(`${target.replace(/\/+$/, '')}/`), Buffer.from(resume.rewrite, 'latin1')])) : '';
  return ['sh', '-c', JOB_SCRIPT, 'gluster-restore-job', '', '', p.log, p.status, p.cancel, target, fresh, resume?.dirs ? p.dirs : '', '', '', resume?.redo ? p.redo : '', ...tar];
}

/**
 * A printf format that prints exactly these bytes: a name in an archive may be any bytes, but
 * argv (docker exec's JSON, a spawn's strings) carries only UTF-8. Letters, digits and `/._-`
 * stay as they are; every other byte is a three-digit octal escape, so the format holds no `%`
 * or `\` of its own.
 */
export function printfFormatOf(bytes: Buffer): string {
  let out = '';
  for (const b of bytes) {
    const c = String.fromCharCode(b);
    out += /[A-Za-z0-9/._-]/.test(c) ? c : `\\${b.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/**
 * `at`: when the script wrote it, in ms since the epoch (absent from files of older versions).
 * `unflushed`: the archive was published and sync could not flush it (STATUS_UNFLUSHED).
 */
export type ScriptStatus = { phase: 'running'; shPid: number; tarPid: number; at?: number } | { phase: 'exit'; code: number; at?: number; unflushed?: true } | { phase: 'none' };

export function parseStatus(text: string | undefined): ScriptStatus {
  // The file comes from the node: pids as the kernel makes them, an exit code as sh reports
  // it, the time as date +%s.%N prints it (a date without %N prints it literally: the time is
  // then left out and the status stands); anything else is no status.
  const m = /^(?:(running) (\d{1,10}) (\d{1,10})|(exit) (\d{1,3}))(?: (\S{1,40}))?$/.exec((text ?? '').trim());
  if (!m || (m[4] && Number(m[5]) > 255)) return { phase: 'none' };
  const unflushed = m[4] !== undefined && m[6] !== undefined && m[6].endsWith(STATUS_UNFLUSHED);
  const time = unflushed ? m[6].slice(0, -STATUS_UNFLUSHED.length) : m[6];
  const at = time !== undefined && /^\d{1,12}\.\d{1,9}$/.test(time) ? { at: Math.round(Number(time) * 1000) } : {};
  if (m[1]) return { phase: 'running', shPid: Number(m[2]), tarPid: Number(m[3]), ...at };
  return { phase: 'exit', code: Number(m[5]), ...at, ...(unflushed ? { unflushed: true as const } : {}) };
}

/**
 * Prints the read position in the archive of the job's tar, or of a child of it (gzip reads a
 * .tar.gz for tar). Only those processes' descriptors are looked at: walking every process of
 * a container throttled to a fraction of a CPU took longer than the restore.
 */
export const READ_POS_SCRIPT = String.raw`
a=$1 pid=$2
for p in $pid $(cat /proc/$pid/task/*/children 2>/dev/null); do
  for fd in /proc/$p/fd/*; do
    [ "$(readlink "$fd" 2>/dev/null)" = "$a" ] || continue
    sed -n 's/^pos:[[:space:]]*//p' "/proc/$p/fdinfo/$(basename "$fd")" 2>/dev/null && exit 0
  done
done
exit 1
`;

/**
 * Runs in the container until the job's status says it ended (or the file is gone: another
 * client finalised it), so a follower learns of the end at once instead of at its next look.
 * Polls with the shell's own `read` (no process per look); a dot every ~5 s shows it is alive.
 */
export const EXIT_WAIT_SCRIPT = String.raw`
s=$1 n=0
while :; do
  line=
  read -r line 2>/dev/null < "$s" || [ -e "$s" ] || exit 0
  case $line in exit*) exit 0;; esac
  n=$((n + 1)); if [ "$n" -ge 50 ]; then n=0; echo .; fi
  sleep 0.1
done
`;

/**
 * A restore's wait: as EXIT_WAIT_SCRIPT, and about once a second `pos N`, how far the job's tar
 * (or the gzip reading for it) has read the archive, from its descriptor's fdinfo. One exec for
 * the whole job: a docker exec per sample costs dockerd a runc start, which on a small node slowed
 * the restore it was measuring.
 */
export const RESTORE_WAIT_SCRIPT = String.raw`
s=$1 a=$2 n=0
while :; do
  line=
  read -r line 2>/dev/null < "$s" || [ -e "$s" ] || exit 0
  case $line in exit*) exit 0;; esac
  n=$((n + 1))
  if [ "$n" -ge 10 ]; then
    n=0
    # The status file is the node's word: split without globbing, and only a status line's length.
    [ "${'$'}{#line}" -le 80 ] || line=
    set -f
    set -- $line
    set +f
    pid=$3
    case $pid in ''|*[!0-9]*) echo . ;; *)
      found=
      for p in $pid $(cat /proc/$pid/task/*/children 2>/dev/null); do
        for fd in /proc/$p/fd/*; do
          [ "$(readlink "$fd" 2>/dev/null)" = "$a" ] || continue
          pos=$(sed -n 's/^pos:[[:space:]]*//p' "/proc/$p/fdinfo/$(basename "$fd")" 2>/dev/null)
          [ -n "$pos" ] && { echo "pos $pos"; found=1; break 2; }
        done
      done
      [ -n "$found" ] || echo . ;;
    esac
    set -- "$s" "$a"
  fi
  sleep 0.1
done
`;

/** The read positions a restore's wait printed, in order; anything else on a line is ignored. */
export function restoreWaitPositions(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(/^pos (\d{1,15})$/gm)) out.push(Number(m[1]));
  return out;
}

/**
 * Signals a job's tar, but only if the process with that pid is that tar: the pid comes from the
 * status file on the node, which anything may have rewritten, and pids are reused once a
 * process ends. Its command line must begin exactly with `tar` and `head` (the job's first tar
 * arguments, naming its own archive). Exit 3: not this job's tar, nothing was signalled.
 */
export const SIGNAL_TAR_SCRIPT = String.raw`
pid=$1
shift
case $pid in ''|*[!0-9]*) exit 3;; esac
want() { printf 'tar\0'; for a in "$@"; do printf '%s\0' "$a"; done; }
# Compared as hex in the shell's own variables (a variable holds no NUL): a copy in /tmp made a
# cancel with a full or read-only /tmp say the job's own tar was not its tar.
hex() { od -An -v -tx1 | tr -d ' \n'; }
[ -r "/proc/$pid/cmdline" ] || exit 3
w=$(want "$@" | hex)
# Without od or tr nothing can be compared: a failure of its own (the shell named the tool), not exit 3.
[ -n "$w" ] || exit 4
seen=$(head -c "$(want "$@" | wc -c)" "/proc/$pid/cmdline" 2>/dev/null | hex)
if [ "$seen" = "$w" ]; then
  kill -TERM "$pid"
else
  exit 3
fi
`;

export function signalTarArgv(tarPid: number, head: readonly string[]): string[] {
  return ['sh', '-c', SIGNAL_TAR_SCRIPT, 'gluster-backup-signal', String(tarPid), ...head];
}
