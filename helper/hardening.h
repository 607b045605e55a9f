/*
 * hardening.h - process hardening of smsotp-helper (DESIGN.md section 2).
 */
#ifndef SMSOTP_HARDENING_H
#define SMSOTP_HARDENING_H

/*
 * Call first thing in main(). Refuses (returns -1, having done nothing
 * else) when any of fds 0-2 is closed. Otherwise: no core dumps
 * (RLIMIT_CORE 0, PR_SET_DUMPABLE 0), empty environment, every fd above 2
 * closed, umask 077, SIGPIPE ignored, other signals at their defaults, and
 * an overall deadline of deadline_s seconds (SIGALRM ends the process).
 */
int smsotp_harden(unsigned deadline_s);

#endif
