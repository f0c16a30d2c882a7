/* clock: the one monotonic clock, in seconds, that timeouts, rates and the
 * ramp read. */
#ifndef CLOCK_H
#define CLOCK_H

double clock_now(void);

#endif
