// The CLI's exit codes. 0, 1 and 2 are results (each command's help says what they mean for
// it); a mistake on the command line has a code of its own, so a script can tell "the backup
// failed" from "the backup was never asked for properly".

/** Success: every node answered, the job completed, nothing missing. */
export const EXIT_OK = 0;
/** Done, but not cleanly: warnings, a node that failed, files missing. */
export const EXIT_PARTIAL = 1;
/** Failed, refused, cancelled or impossible. */
export const EXIT_FAILED = 2;
/** The command line is wrong (sysexits.h's EX_USAGE): nothing was done. */
export const EXIT_USAGE = 64;
/**
 * Another run holds what this one needs (sysexits.h's EX_TEMPFAIL: try again later): the
 * read-data lock of validate-backup --read-data-subset. Nothing was done.
 */
export const EXIT_LOCKED = 75;
/** Ctrl-C while following a job (128 + SIGINT, as shells report it): the job goes on on the node. */
export const EXIT_INTERRUPTED = 130;

export const EXIT_CODES_TEXT = `exit status:
  0    success (every node answered, the job completed and verified, nothing missing)
  1    done, but not cleanly: warnings, a node that failed, files missing or differing
  2    failed, refused, cancelled, or impossible (each command's help says which)
  64   usage error: unknown command or option, an option the command does not take, a bad
       value; nothing was done
  75   another run holds the archive (validate-backup --read-data-subset's lock): nothing
       was done; run again later
  130  interrupted (Ctrl-C) while following a job: the job goes on on the node
`;
