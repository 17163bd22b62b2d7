// The shell that runs a backup inside the gluster container. It is passed to `sh -c` with
// every value as a positional parameter, so no path or name is ever parsed by a shell.
// It lives on the node, not in the client: closing VS Code or losing SSH does not stop it.
//
// Files beside the archive (all on the node's host, in the backups directory):
//   <stem>.tar[.gz].partial  what tar writes; renamed to the archive only on tar exit 0 or 1
//   <stem>.log               tar's stderr
//   <stem>.status            "running <sh pid> <tar pid> <time>", then "exit <code> <time>"
//                            (times in epoch seconds with nanoseconds: the file's mtime,
//                            as SFTP gives it, has whole seconds only)
//   <stem>.cancel            written by the client to ask for a cancel (the script removes
//                            the partial archive and reports the exit as cancelled)
//
// GNU tar exit codes: 0 exact copy, 1 some files changed while read (archive usable),
// 2 fatal. A tar killed by a signal gives 128+N.
import type { JobPaths } from './jobFile';

export const JOB_SCRIPT = String.raw`
set -u
partial=$1 final=$2 log=$3 status=$4 cancel=$5 src=$6 comp=$7
# tar's stderr also goes to a copy in the container's own /tmp: when the backups directory
# fills up, the log there cannot take tar's last words, and they are restored from the copy.
tmp=/tmp/gluster-backup-job-$$
(
  if [ -n "$comp" ]; then
    tar --create --file="$partial" --directory="$src" --numeric-owner --use-compress-program="$comp" . 2>&1 >/dev/null &
  else
    tar --create --file="$partial" --directory="$src" --numeric-owner . 2>&1 >/dev/null &
  fi
  echo $! > "$tmp.pid"
  wait $!
  echo $? > "$tmp.rc"
) | tee "$tmp.err" > "$log" &
while [ ! -s "$tmp.pid" ]; do sleep 0.05; done
printf 'running %s %s %s
' "$$" "$(cat "$tmp.pid")" "$(date +%s.%N)" > "$status.tmp" && mv -f "$status.tmp" "$status"
wait
rc=$(cat "$tmp.rc" 2>/dev/null || echo 2)
if [ -e "$cancel" ]; then
  rm -f "$partial"
elif [ "$rc" -le 1 ]; then
  # ln refuses an existing target: an archive already there is never overwritten.
  if ln "$partial" "$final" 2>>"$tmp.err"; then rm -f "$partial"; else rc=2; rm -f "$partial"; fi
else
  rm -f "$partial"
fi
if ! cmp -s "$tmp.err" "$log"; then cat "$tmp.err" > "$log"; fi
rm -f "$tmp.pid" "$tmp.rc" "$tmp.err"
printf 'exit %s %s
' "$rc" "$(date +%s.%N)" > "$status.tmp" && mv -f "$status.tmp" "$status"
`;

export function jobArgv(p: JobPaths, source: string, compressor: string | undefined): string[] {
  return ['sh', '-c', JOB_SCRIPT, 'gluster-backup-job', p.partial, p.archive, p.log, p.status, p.cancel, source, compressor ?? ''];
}

/** `at`: when the script wrote it, in ms since the epoch (absent from files of older versions). */
export type ScriptStatus = { phase: 'running'; shPid: number; tarPid: number; at?: number } | { phase: 'exit'; code: number; at?: number } | { phase: 'none' };

export function parseStatus(text: string | undefined): ScriptStatus {
  const m = /^(running) (\d+) (\d+)(?: (\d+\.\d+))?|^(exit) (\d+)(?: (\d+\.\d+))?/.exec((text ?? '').trim());
  if (!m) return { phase: 'none' };
  const at = (t: string | undefined) => (t ? { at: Math.round(Number(t) * 1000) } : {});
  if (m[1]) return { phase: 'running', shPid: Number(m[2]), tarPid: Number(m[3]), ...at(m[4]) };
  return { phase: 'exit', code: Number(m[6]), ...at(m[7]) };
}

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
  n=$((n + 1)); if [ "$n" -ge 20 ]; then n=0; echo .; fi
  sleep 0.25
done
`;

/**
 * Signals a job's tar, but only if the process with that pid is that tar: the pid comes from the
 * status file on the node, which anything may have rewritten, and pids are reused once a
 * process ends. The command line must begin exactly as JOB_SCRIPT starts tar, with this job's
 * partial archive. Exit 3: not this job's tar, nothing was signalled.
 */
export const SIGNAL_TAR_SCRIPT = String.raw`
pid=$1 partial=$2
case $pid in ''|*[!0-9]*) exit 3;; esac
seen=/tmp/gluster-backup-signal-$$
head -c "$(printf 'tar\0--create\0--file=%s\0' "$partial" | wc -c)" "/proc/$pid/cmdline" > "$seen" 2>/dev/null || { rm -f "$seen"; exit 3; }
if printf 'tar\0--create\0--file=%s\0' "$partial" | cmp -s - "$seen"; then
  rm -f "$seen"
  kill -TERM "$pid"
else
  rm -f "$seen"
  exit 3
fi
`;

export function signalTarArgv(tarPid: number, partial: string): string[] {
  return ['sh', '-c', SIGNAL_TAR_SCRIPT, 'gluster-backup-signal', String(tarPid), partial];
}
