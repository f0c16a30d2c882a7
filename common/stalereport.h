/* stalecheck's answer in the three shapes monitoring systems read: one
 * Nagios/Icinga plugin line with perfdata, one JSON object, or the
 * Prometheus text exposition format for node_exporter's textfile collector. */
#ifndef DRKIT_STALEREPORT_H
#define DRKIT_STALEREPORT_H

#include <stdio.h>

#include "staleness.h"

enum stalereport_format {
	STALEREPORT_NAGIOS,
	STALEREPORT_JSON,
	STALEREPORT_PROMETHEUS,
};

/* "nagios", "json", "prometheus"; 0 when name is none of them. */
int stalereport_parse_format(const char *name, enum stalereport_format *f);

/* Writes r in format f. prefix names what was listed (the Prometheus
 * label, a JSON field). Returns 0, or -1 when f could not be written. */
int stalereport_write(FILE *out, enum stalereport_format f, const struct staleness_result *r,
    const struct staleness_policy *p, const char *prefix);

#endif
