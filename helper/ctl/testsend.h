/*
 * helper/ctl/testsend.h - `smsotpctl test-send NUMBER [--gateway NAME]`.
 */
#ifndef SMSOTP_CTL_TESTSEND_H
#define SMSOTP_CTL_TESTSEND_H

/*
 * Send a fixed test text ("pam_smsotp test message from HOST") to the
 * number in argv (NUMBER [--gateway NAME]) through its route (with the
 * circuit breaker) or through gateway NAME alone, printing one line per
 * attempt (gateway, outcome, milliseconds, detail). Returns the exit
 * status: 0 sent, 1 not sent or error, 2 usage.
 */
int smsotp_ctl_test_send(const char *conf_path, int argc, char **argv);

#endif
