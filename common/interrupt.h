/* SIGINT and SIGTERM as a flag that every wait of the library checks, so
 * that a program interrupted mid-transfer cleans up (aborts an upload,
 * removes a partial file) instead of dying with the work half done. */
#ifndef DRKIT_INTERRUPT_H
#define DRKIT_INTERRUPT_H

#include <signal.h>

/* The signal seen (SIGINT or SIGTERM), 0 while none was. */
extern volatile sig_atomic_t interrupt_signal;

/* Installs handlers that only set interrupt_signal. SIGPIPE keeps its
 * default: a closed reader ends the program quietly. */
void interrupt_install(void);

static inline int
interrupt_requested(void)
{
	return interrupt_signal != 0;
}

#endif
