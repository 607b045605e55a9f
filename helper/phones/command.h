/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * helper/phones/command.h - the command phone source (kind "command",
 * source.h): a program the administrator names answers with the user's
 * number on its standard output.
 *
 * SECURITY: argv without a shell, the user name only as a whole argument
 * ("%u"), an empty environment, stdin /dev/null, stderr discarded, its own
 * process group killed at the timeout; the program must be owned by the
 * configuration's owner and writable by nobody else (base/run.h).
 */
#ifndef SMSOTP_PHONE_COMMAND_H
#define SMSOTP_PHONE_COMMAND_H

#include <stddef.h>
#include <sys/types.h>

#include "base/util.h"
#include "phones/e164.h"
#include "phones/source.h"

#define SMSOTP_PHONE_CMD_MAX_ARGS 32
#define SMSOTP_PHONE_CMD_ARG_MAX  1024
/* The most output a program may give: one number line. */
#define SMSOTP_PHONE_CMD_OUT_MAX  64

/* The settings of a "command" source (struct smsotp_phone_source ctx). */
struct smsotp_phone_command {
	int argc;
	char *argv[SMSOTP_PHONE_CMD_MAX_ARGS + 1];	/* "%u": the user */
	int timeout;		/* seconds */
	uid_t owner;		/* the program's required owner */
};

/*
 * The ops table. Its lookup runs the program and answers:
 *   FOUND  exit 0 and one line that is a number (normalised like the
 *          users file's);
 *   NONE   exit 0 and no output (or one empty line);
 *   ERROR  any other exit, a signal, still running at the timeout (its
 *          group killed), more than SMSOTP_PHONE_CMD_OUT_MAX bytes, more
 *          than one line, not a number, the program unsafe or missing.
 */
extern const struct smsotp_phone_source_ops smsotp_phone_source_command;

/*
 * The answer of a program that exited 0 with output out (len bytes, len
 * at most SMSOTP_PHONE_CMD_OUT_MAX): FOUND with e164, NONE, or ERROR
 * with why (never the output itself). cc: default_country.
 */
enum smsotp_phone_result smsotp_phone_command_output(const char *out,
    size_t len, const char *cc, char e164[SMSOTP_E164_SIZE], char *why,
    size_t whysz) SMSOTP_WUR;

/* The settings freed (NULL: nothing). */
void smsotp_phone_command_free(struct smsotp_phone_command *c);

#endif
