/* SPDX-License-Identifier: BSD-3-Clause */
/* test_state_common.h - fixtures shared by the state unit tests. */
#ifndef SMSOTP_TEST_STATE_COMMON_H
#define SMSOTP_TEST_STATE_COMMON_H

#include <stddef.h>

#include "store/state.h"
#define ID1 "0123456789abcdef0123456789abcdef"
#define ID2 "fedcba9876543210fedcba9876543210"
#define H1  "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define B1  "ffeeddccbbaa99887766554433221100"
#define CH1 "challenge " ID1 " " H1 " 1700000000 1700000300 1700000030 1\n"
#define CH2 "challenge " ID2 " " H1 " 1700000000 1700000300 1700000030 0\n"
#define DEC1 "decision 1700000000 sent - service=sshd\n"
#define HEAD "smsotp-state 1\nuser alice\n"
#define NUMS "failures 2\nlockouts 1\nlocked_until 1700000000\n"
#define SENDS "sends 1700000000 1700000030\n"
#define VALID HEAD NUMS SENDS CH1

/* body followed by its correct "end" line (computed independently here). */
char *seal_n(const char *body, size_t n, size_t *outlen);
char *seal(const char *body, size_t *outlen);
void full_state(struct smsotp_state *st);
void assert_state_equal(const struct smsotp_state *a, const struct smsotp_state *b);

#endif
