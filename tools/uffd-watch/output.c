// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the verbs write: the trace records of faults and events, as text or
 * JSON lines, and the --stats block with its latency percentiles.
 */
#include <errno.h>
#include <string.h>

#include "diag.h"
#include "json.h"
#include "uffd-watch.h"

const char *const uw_kind_names[UW_K_NR] = {"read", "write", "wp", "minor"};
const char *const uw_ev_names[UW_E_NR] = {"fork", "remap", "remove", "unmap"};

static unsigned int hist_index(uint64_t v)
{
	unsigned int m;

	if (v < 64)
		return (unsigned int)v;
	m = 63u - (unsigned int)__builtin_clzll(v);
	return 64 + (m - 6) * 32 + (unsigned int)((v >> (m - 5)) - 32);
}

/* The middle of a bucket, so percentiles are not biased low. */
static uint64_t hist_value(unsigned int i)
{
	unsigned int m;
	uint64_t lo;

	if (i < 64)
		return i;
	m = (i - 64) / 32 + 6;
	lo = (uint64_t)(32 + (i - 64) % 32) << (m - 5);
	return lo + ((1ull << (m - 5)) >> 1);
}

void uw_hist_add(struct uw_hist *h, uint64_t v)
{
	h->b[hist_index(v)]++;
	h->count++;
	h->sum += v;
	if (v > h->max)
		h->max = v;
}

static uint64_t uw_hist_pct(const struct uw_hist *h, double pct)
{
	uint64_t want, seen = 0;

	if (!h->count)
		return 0;
	want = (uint64_t)((double)h->count * pct / 100.0 + 0.5);
	if (want < 1)
		want = 1;
	for (unsigned int i = 0; i < UW_HIST_BUCKETS; i++) {
		seen += h->b[i];
		if (seen >= want)
			return hist_value(i) > h->max ? h->max : hist_value(i);
	}
	return h->max;
}

static double rel_s(const struct uw_ctx *x, uint64_t t_ns)
{
	return (double)(t_ns - x->t0_ns) / 1e9;
}

void uw_trace_fault(struct uw_ctx *x, uint64_t t_ns, int pid, uint32_t tid, enum uw_kind k,
		    uint64_t addr, uint64_t map, uint64_t off)
{
	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_double(&j, "time", rel_s(x, t_ns));
		hv_json_str(&j, "event", "fault");
		hv_json_i64(&j, "pid", pid);
		hv_json_u64(&j, "tid", tid);
		hv_json_str(&j, "kind", uw_kind_names[k]);
		hv_json_hex(&j, "address", addr);
		if (map) {
			hv_json_hex(&j, "mapping", map);
			hv_json_u64(&j, "offset", off);
		} else {
			hv_json_null(&j, "mapping");
			hv_json_null(&j, "offset");
		}
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	if (map)
		fprintf(x->out, "%.6f %d %u %s 0x%llx 0x%llx+0x%llx\n", rel_s(x, t_ns), pid, tid,
			uw_kind_names[k], (unsigned long long)addr, (unsigned long long)map,
			(unsigned long long)off);
	else
		fprintf(x->out, "%.6f %d %u %s 0x%llx -\n", rel_s(x, t_ns), pid, tid,
			uw_kind_names[k], (unsigned long long)addr);
}

void uw_trace_event(struct uw_ctx *x, uint64_t t_ns, int pid, const char *ev, const char *ka,
		    uint64_t a, const char *kb, uint64_t b, const char *kc, uint64_t c)
{
	const char *keys[3] = {ka, kb, kc};
	uint64_t vals[3] = {a, b, c};

	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_double(&j, "time", rel_s(x, t_ns));
		hv_json_str(&j, "event", ev);
		hv_json_i64(&j, "pid", pid);
		for (int i = 0; i < 3; i++) {
			if (!keys[i])
				continue;
			/* lengths and pids are numbers, addresses hex strings */
			if (!strcmp(keys[i], "length") || !strcmp(keys[i], "parent"))
				hv_json_u64(&j, keys[i], vals[i]);
			else
				hv_json_hex(&j, keys[i], vals[i]);
		}
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	fprintf(x->out, "%.6f %d - %s", rel_s(x, t_ns), pid, ev);
	for (int i = 0; i < 3; i++) {
		if (!keys[i])
			continue;
		if (!strcmp(keys[i], "length") || !strcmp(keys[i], "parent"))
			fprintf(x->out, " %s=%llu", keys[i], (unsigned long long)vals[i]);
		else
			fprintf(x->out, " %s=0x%llx", keys[i], (unsigned long long)vals[i]);
	}
	fputc('\n', x->out);
}

void uw_print_stats(struct uw_ctx *x, const struct uw_stats *s,
		    void (*extra)(struct uw_ctx *, struct hv_json *, void *), void *arg)
{
	uint64_t total = 0;
	double secs, rate;
	static const double pcts[] = {50, 90, 99, 99.9};
	static const char *const pnames[] = {"p50", "p90", "p99", "p99.9"};

	for (int k = 0; k < UW_K_NR; k++)
		total += s->faults[k];
	secs = total && s->last_ns > s->first_ns ? (double)(s->last_ns - s->first_ns) / 1e9 : 0;
	rate = secs > 0 ? (double)(total > 1 ? total - 1 : total) / secs : 0;
	if (x->c.json) {
		struct hv_json j;

		hv_json_init(&j, x->out, true);
		hv_json_object_open(&j, NULL);
		hv_json_str(&j, "event", "stats");
		hv_json_object_open(&j, "faults");
		hv_json_u64(&j, "total", total);
		for (int k = 0; k < UW_K_NR; k++)
			hv_json_u64(&j, uw_kind_names[k], s->faults[k]);
		hv_json_u64(&j, "retried", s->retries);
		hv_json_object_close(&j);
		hv_json_object_open(&j, "events");
		for (int e = 0; e < UW_E_NR; e++)
			hv_json_u64(&j, uw_ev_names[e], s->events[e]);
		hv_json_object_close(&j);
		hv_json_double(&j, "seconds", secs);
		hv_json_double(&j, "faults_per_second", rate);
		hv_json_object_open(&j, "latency_us");
		for (int i = 0; i < 4; i++)
			hv_json_double(&j, pnames[i], (double)uw_hist_pct(&s->lat, pcts[i]) / 1e3);
		hv_json_double(&j, "max", (double)s->lat.max / 1e3);
		hv_json_double(&j, "mean",
			       s->lat.count ? (double)s->lat.sum / (double)s->lat.count / 1e3 : 0);
		hv_json_object_close(&j);
		if (extra)
			extra(x, &j, arg);
		hv_json_object_close(&j);
		hv_json_end(&j);
		return;
	}
	fprintf(x->out, "faults:      %llu (", (unsigned long long)total);
	for (int k = 0; k < UW_K_NR; k++)
		fprintf(x->out, "%s%s %llu", k ? ", " : "", uw_kind_names[k],
			(unsigned long long)s->faults[k]);
	fprintf(x->out, "; retried %llu)\n", (unsigned long long)s->retries);
	fprintf(x->out, "events:      ");
	for (int e = 0; e < UW_E_NR; e++)
		fprintf(x->out, "%s%s %llu", e ? ", " : "", uw_ev_names[e],
			(unsigned long long)s->events[e]);
	fprintf(x->out, "\nrate:        %.0f faults/s over %.6f s\n", rate, secs);
	fprintf(x->out, "latency:     ");
	for (int i = 0; i < 4; i++)
		fprintf(x->out, "%s %.1f us, ", pnames[i],
			(double)uw_hist_pct(&s->lat, pcts[i]) / 1e3);
	fprintf(x->out, "max %.1f us (message read to page installed)\n", (double)s->lat.max / 1e3);
	if (extra)
		extra(x, NULL, arg);
}

int uw_output_open(struct uw_ctx *x)
{
	if (!x->output || !strcmp(x->output, "-")) {
		x->out = stdout;
	} else {
		x->out = fopen(x->output, "we");
		if (!x->out) {
			int err = -errno;

			x->out = stdout;
			return hv_fail(err, NULL, "cannot open output %s", x->output);
		}
	}
	/* A text trace says what its columns are; JSON records name theirs. */
	if (x->trace && !x->c.json)
		fprintf(x->out, "# TIME PID TID KIND ADDRESS MAPPING+OFFSET  (events: TIME PID - "
				"EVENT KEY=VALUE...)\n");
	return 0;
}

void uw_output_close(struct uw_ctx *x)
{
	if (x->out && x->out != stdout)
		fclose(x->out);
	else
		fflush(stdout);
	x->out = NULL;
}
