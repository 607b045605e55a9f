/*
 * ctl.h - smsotpctl verbs that live outside helper/ctl/main.c: status, reset,
 * locked (helper/ctl/status.c), set-phone, remove-phone (helper/ctl/phone.c),
 * backup-codes (helper/ctl/backup.c), index (helper/ctl/index.c). Each returns the process exit status:
 * 0 done, 1 failed (message on stderr), 2 usage error.
 */
#ifndef SMSOTP_CTL_H
#define SMSOTP_CTL_H

#include "store/state.h"

#define SMSOTP_CTL_LOCK_WAIT_MS 5000

/* Set by --json (before or after the verb): status and locked print JSON. */
extern int smsotp_ctl_json;

/*
 * Run verb cmd with its arguments (argv[0..argc), options included). The
 * exit status, or -1 when cmd is not one of these verbs or its arguments
 * are wrong (the caller prints the usage).
 */
int smsotp_ctl_dispatch(const char *conf_path, const char *cmd, int argc,
    char **argv);

/*
 * Validate user, open the state directory and lock and read user's state.
 * 0 (the caller ends txn and closes store) with *corrupt set when the file
 * did not parse (st is then fresh, why says why), or -1 with a message on
 * stderr.
 */
int smsotp_ctl_open_user(const char *user, struct smsotp_store *store,
    struct smsotp_txn *txn, struct smsotp_state *st, int *corrupt,
    char *why, size_t whysz);

int smsotp_ctl_set_phone(const char *conf_path, const char *user,
    const char *number);
int smsotp_ctl_remove_phone(const char *conf_path, const char *user);
int smsotp_ctl_backup_codes(const char *user);

/* index: build the users file index (helper/phones/index.h). */
int smsotp_ctl_index(const char *conf_path);
/*
 * Rebuild the index of the users file at users_path; unless always, only
 * when an index file exists already (after set-phone / remove-phone).
 * Prints what it did. 0, or 1 with a message on stderr.
 */
int smsotp_ctl_index_refresh(const char *users_path, int always);
/* "global [reset] [--json]" (helper/ctl/global.c); -1 on bad arguments */
int smsotp_ctl_global(const char *conf_path, int argc, char **argv);

#endif
