/* The unit-test harness itself: a CHECK whose condition has a side effect
 * (as a parse or a read does) sees it once. */
#include "tap.h"

static int calls;

static int
count_call(void)
{
	return ++calls;
}

int
main(void)
{
	CHECK(count_call() == 1, "a condition runs once when it holds");
	CHECK(calls == 1, "... and only once (%d calls)", calls);
	return TAP_END();
}
