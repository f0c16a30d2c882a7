#include <string.h>

#include "interrupt.h"

volatile sig_atomic_t interrupt_signal;

static void
on_signal(int signo)
{
	interrupt_signal = signo;
}

void
interrupt_install(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read returns EINTR and sees the flag. */
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}
