// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * plot: a JSON trace as a picture of the working set. One band per mapping
 * (pid and start address), page offset up, time right, each fault a mark
 * coloured by its kind. Marks go on a grid of cells, one rectangle per run
 * of equal cells, so a trace of millions of faults still makes an SVG of a
 * few megabytes at most that any viewer opens. The SVG is self-contained:
 * no scripts, fonts, styles or images from elsewhere.
 */
#include <errno.h>
#include <json-c/json.h>
#include <math.h> /* isfinite, fabs: no libm */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fileio.h"
#include "opts.h"
#include "parse.h"
#include "tracefile.h"
#include "uffd-watch.h"

#define PLOT_MAX_FAULTS	  (4u << 20) /* held in memory: 24 bytes each */
#define PLOT_MAX_MAPPINGS 4096	     /* distinct (pid, mapping) pairs */
#define PLOT_MAX_BANDS	  24	     /* drawn: the mappings with the most faults */
#define PLOT_HASH	  8192	     /* twice PLOT_MAX_MAPPINGS, a power of two */

/* Layout, in SVG user units (pixels). */
#define W_LEFT	  200 /* band labels */
#define W_PLOT	  780
#define W_RIGHT	  30
#define H_TOP	  78 /* title, subtitle, legend */
#define H_BANDS	  440
#define H_GAP	  10
#define H_BOTTOM  52 /* time axis */
#define CELL_W	  3
#define CELL_H	  2 /* least height of a page row */
#define BAND_HMIN 28
#define BAND_HMAX 160

static const char *const kind_colour[UW_K_NR] = {"#1f77b4", "#d62728", "#ff7f0e", "#2ca02c"};
/* Drawn last on top: a write over a read of the same cell shows the write. */
static const enum uw_kind draw_order[UW_K_NR] = {UW_K_READ, UW_K_MINOR, UW_K_WP, UW_K_WRITE};

struct band {
	int pid;
	uint64_t mapping;
	uint64_t length; /* from the map record; 0 when the trace has none */
	uint64_t max_page;
	uint64_t faults;
	/* Set for the bands drawn: */
	uint64_t pages; /* the height in pages */
	unsigned rows;
	double top, h;
	uint8_t *cells; /* [kind][row][col] */
};

struct fault {
	double t;
	uint64_t page;
	uint32_t band;
	uint8_t kind;
};

struct plot {
	const char *trace;
	struct band *bands;
	size_t nbands;
	uint32_t hash[PLOT_HASH]; /* band index + 1; 0 is empty */
	struct fault *f;
	size_t nf, capf;
	uint64_t kinds[UW_K_NR];
	uint64_t outside;  /* faults in no registered mapping */
	double tmin, tmax; /* the time axis (widened when all faults share one instant) */
	double dur;	   /* from the first fault to the last */
	struct band **shown;
	size_t nshown;
	uint64_t hidden_faults;
	FILE *svg;
};

static uint32_t band_hash(int pid, uint64_t mapping)
{
	uint64_t h =
	    (mapping >> 12) * 0x9e3779b97f4a7c15ull ^ (uint64_t)pid * 0xff51afd7ed558ccdull;

	return (uint32_t)(h >> 40) & (PLOT_HASH - 1);
}

/* The band of (pid, mapping), made if new; NULL past PLOT_MAX_MAPPINGS. */
static struct band *band_get(struct plot *p, int pid, uint64_t mapping)
{
	uint32_t i = band_hash(pid, mapping);
	struct band *b;

	for (; p->hash[i]; i = (i + 1) & (PLOT_HASH - 1)) {
		b = &p->bands[p->hash[i] - 1];
		if (b->pid == pid && b->mapping == mapping)
			return b;
	}
	if (p->nbands == PLOT_MAX_MAPPINGS)
		return NULL;
	b = &p->bands[p->nbands++];
	memset(b, 0, sizeof(*b));
	b->pid = pid;
	b->mapping = mapping;
	p->hash[i] = (uint32_t)p->nbands;
	return b;
}

static int add_record(struct plot *p, const struct uw_rec *r)
{
	struct band *b;
	struct fault *f;

	if (r->type == UW_REC_OTHER)
		return 0;
	if (r->type == UW_REC_FAULT && !r->mapping) {
		p->outside++;
		return 0;
	}
	b = band_get(p, r->pid, r->mapping);
	if (r->type == UW_REC_MAP) {
		/* A mapping made again at the same address: the last size counts. */
		if (b)
			b->length = r->length;
		return 0;
	}
	if (p->nf == PLOT_MAX_FAULTS)
		return -E2BIG;
	if (!b) {
		p->hidden_faults++;
		p->kinds[r->kind]++;
		return 0;
	}
	if (p->nf == p->capf) {
		size_t cap = p->capf ? p->capf * 2 : 4096;
		struct fault *n = realloc(p->f, cap * sizeof(*n));

		if (!n)
			return -ENOMEM;
		p->f = n;
		p->capf = cap;
	}
	f = &p->f[p->nf++];
	f->t = r->time;
	f->page = r->offset / UW_PAGE;
	f->band = (uint32_t)(b - p->bands);
	f->kind = (uint8_t)r->kind;
	if (f->page > b->max_page)
		b->max_page = f->page;
	b->faults++;
	p->kinds[r->kind]++;
	if (p->nf == 1 || r->time < p->tmin)
		p->tmin = r->time;
	if (p->nf == 1 || r->time > p->tmax)
		p->tmax = r->time;
	return 0;
}

/*
 * Reads the trace line by line into p. Returns an exit code; a bad line is
 * reported with its number and stops the read.
 */
static int read_trace(struct plot *p, FILE *in)
{
	static const char hint[] = "plot reads the trace of run or serve with --trace --json";
	char *line = malloc(UW_TRACE_LINE_MAX + 2);
	struct json_tokener *tok = json_tokener_new();
	size_t n = 0, lineno = 0;
	int c, rc = HV_EXIT_OK;

	if (!line || !tok) {
		rc = hv_fail(-ENOMEM, NULL, "plot: %s", p->trace);
		goto out;
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	for (;;) {
		struct uw_rec r;
		char why[256];
		int err;

		c = getc_unlocked(in);
		if (c != '\n' && c != EOF) {
			/* One byte past the limit is enough to reject the line. */
			if (n <= UW_TRACE_LINE_MAX)
				line[n++] = (char)c;
			continue;
		}
		if (c == EOF && ferror(in)) {
			rc =
			    hv_fail(-(errno ? errno : EIO), NULL, "plot: cannot read %s", p->trace);
			break;
		}
		if (c == EOF && !n)
			break;
		lineno++;
		line[n] = '\0';
		while (n && (line[n - 1] == ' ' || line[n - 1] == '\t' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (n) {
			err = uw_trace_parse_line(tok, line, n, &r, why, sizeof(why));
			if (err) {
				hv_err(0, hint, "plot: %s line %zu: %s", p->trace, lineno, why);
				rc = HV_EXIT_USAGE;
				break;
			}
			err = add_record(p, &r);
			if (err == -E2BIG) {
				hv_err(0, "plot a part of it: head -n, grep",
				       "plot: %s: more than %u faults", p->trace, PLOT_MAX_FAULTS);
				rc = HV_EXIT_LIMIT;
				break;
			}
			if (err) {
				rc = hv_fail(err, NULL, "plot: %s", p->trace);
				break;
			}
		}
		n = 0;
		if (c == EOF)
			break;
	}
out:
	if (tok)
		json_tokener_free(tok);
	free(line);
	return rc;
}

static int by_faults(const void *a, const void *b)
{
	const struct band *x = *(struct band *const *)a, *y = *(struct band *const *)b;

	return x->faults < y->faults ? 1 : x->faults > y->faults ? -1 : 0;
}

static int by_address(const void *a, const void *b)
{
	const struct band *x = *(struct band *const *)a, *y = *(struct band *const *)b;

	if (x->pid != y->pid)
		return x->pid < y->pid ? -1 : 1;
	return x->mapping < y->mapping ? -1 : x->mapping > y->mapping ? 1 : 0;
}

/* Chooses the bands to draw, lays them out and fills their cells. */
static int layout(struct plot *p)
{
	size_t n = 0, cols = W_PLOT / CELL_W;
	double span, h, top = H_TOP;

	p->shown = calloc(p->nbands ? p->nbands : 1, sizeof(*p->shown));
	if (!p->shown)
		return -ENOMEM;
	for (size_t i = 0; i < p->nbands; i++)
		if (p->bands[i].faults)
			p->shown[n++] = &p->bands[i];
	qsort(p->shown, n, sizeof(*p->shown), by_faults);
	for (size_t i = PLOT_MAX_BANDS; i < n; i++)
		p->hidden_faults += p->shown[i]->faults;
	p->nshown = n < PLOT_MAX_BANDS ? n : PLOT_MAX_BANDS;
	qsort(p->shown, p->nshown, sizeof(*p->shown), by_address);

	h = (H_BANDS - H_GAP * ((double)p->nshown - 1)) / (double)p->nshown;
	h = h < BAND_HMIN ? BAND_HMIN : h > BAND_HMAX ? BAND_HMAX : (double)(int)h;
	for (size_t i = 0; i < p->nshown; i++) {
		struct band *b = p->shown[i];
		uint64_t lp = b->length / UW_PAGE + (b->length % UW_PAGE != 0);

		b->pages = lp > b->max_page ? lp : b->max_page + 1;
		b->rows = b->pages < h / CELL_H ? (unsigned)b->pages : (unsigned)(h / CELL_H);
		b->top = top;
		b->h = h;
		top += h + H_GAP;
		b->cells = calloc((size_t)UW_K_NR * b->rows * cols, 1);
		if (!b->cells)
			return -ENOMEM;
	}

	span = p->dur = p->tmax - p->tmin;
	if (span < 1e-6) {
		/* One instant: a window of a millisecond around it. */
		p->tmin = p->tmin > 5e-4 ? p->tmin - 5e-4 : 0;
		p->tmax = p->tmin + 1e-3;
		span = 1e-3;
	}
	for (size_t i = 0; i < p->nf; i++) {
		const struct fault *f = &p->f[i];
		struct band *b = &p->bands[f->band];
		size_t col, row;

		if (!b->cells)
			continue;
		col = (size_t)((f->t - p->tmin) / span * (double)cols);
		if (col >= cols)
			col = cols - 1;
		row = (size_t)((double)f->page / (double)b->pages * b->rows);
		if (row >= b->rows)
			row = b->rows - 1;
		b->cells[((size_t)f->kind * b->rows + row) * cols + col] = 1;
	}
	return 0;
}

/* Text content: markup escaped, and anything but printable ASCII as '?'. */
static void xml_text(FILE *o, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '&')
			fputs("&amp;", o);
		else if (c == '<')
			fputs("&lt;", o);
		else if (c == '>')
			fputs("&gt;", o);
		else if (c == '"')
			fputs("&quot;", o);
		else if (c < 0x20 || c > 0x7e)
			fputc('?', o);
		else
			fputc(c, o);
	}
}

/*
 * A round step for about six ticks over span: 1, 2 or 5 times a power of
 * ten. Loops rather than libm: the multi-call binary links its libraries
 * statically and glibc's static libm does not link into a dynamic program.
 * span is in (1e-6, 1e9], so both loops are short.
 */
static double tick_step(double span, int *decimals)
{
	double rough = span / 6, mag = 1, step;
	int d = 0;

	while (mag > rough) {
		mag /= 10;
		d++;
	}
	while (mag * 10 <= rough) {
		mag *= 10;
		d--;
	}
	rough /= mag; /* in [1, 10) */
	step = rough < 1.5 ? 1 : rough < 3 ? 2 : rough < 7 ? 5 : 10;
	if (step == 10)
		d--;
	*decimals = d < 0 ? 0 : d > 9 ? 9 : d;
	return step * mag;
}

/* The first multiple of step at or after t (t >= 0, t / step < 2^53). */
static double first_tick(double t, double step)
{
	double n = (double)(uint64_t)(t / step);

	return n * step < t - step * 1e-9 ? (n + 1) * step : n * step;
}

static void draw_axes(struct plot *p, double bottom)
{
	FILE *o = p->svg;
	double span = p->tmax - p->tmin, x0 = W_LEFT;
	int dec;
	double step = tick_step(span, &dec);
	double first = first_tick(p->tmin, step);

	fprintf(o, "<g stroke=\"#ccc\" stroke-dasharray=\"2,3\">\n");
	for (double t = first; t <= p->tmax + step * 1e-6; t += step) {
		double x = x0 + (t - p->tmin) / span * W_PLOT;

		fprintf(o, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\"/>\n", x, H_TOP, x,
			bottom);
	}
	fprintf(o, "</g>\n<g text-anchor=\"middle\">\n");
	for (double t = first; t <= p->tmax + step * 1e-6; t += step) {
		double x = x0 + (t - p->tmin) / span * W_PLOT;

		fprintf(o,
			"<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n",
			x, bottom, x, bottom + 5);
		fprintf(o, "<text x=\"%.1f\" y=\"%.1f\">%.*f</text>\n", x, bottom + 18, dec,
			fabs(t) < step * 1e-9 ? 0.0 : t);
	}
	fprintf(o, "<text x=\"%.1f\" y=\"%.1f\">time (s)</text>\n</g>\n", x0 + W_PLOT / 2.0,
		bottom + 40);
	fprintf(o,
		"<text transform=\"translate(14 %.1f) rotate(-90)\" text-anchor=\"middle\">"
		"page offset in the mapping</text>\n",
		(H_TOP + bottom) / 2);
}

static void draw_frame(struct plot *p, const struct band *b)
{
	FILE *o = p->svg;
	double bottom = b->top + b->h;
	char size[32];

	fprintf(o,
		"<rect x=\"%d\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"#f7f7f7\" "
		"stroke=\"#999\"/>\n",
		W_LEFT, b->top, W_PLOT, b->h);
	fprintf(o, "<text x=\"%d\" y=\"%.1f\" font-family=\"monospace\">0x%llx</text>\n", 26,
		b->top + 13, (unsigned long long)b->mapping);
	hv_format_size(b->pages * UW_PAGE, size, sizeof(size));
	if (b->h >= 40)
		fprintf(o,
			"<text x=\"26\" y=\"%.1f\" fill=\"#555\">pid %d, %s, %llu faults</text>\n",
			b->top + 28, b->pid, size, (unsigned long long)b->faults);
	fprintf(o, "<g text-anchor=\"end\" font-size=\"10\" fill=\"#555\">\n");
	fprintf(o, "<text x=\"%d\" y=\"%.1f\">0</text>\n", W_LEFT - 4, bottom - 1);
	if (b->pages > 1)
		fprintf(o, "<text x=\"%d\" y=\"%.1f\">%llu</text>\n", W_LEFT - 4, b->top + 9,
			(unsigned long long)(b->pages - 1));
	fprintf(o, "</g>\n");
}

/* Over the frames and the grid. */
static void draw_marks(struct plot *p, const struct band *b)
{
	FILE *o = p->svg;
	size_t cols = W_PLOT / CELL_W;
	double row_h = b->h / b->rows, bottom = b->top + b->h;

	for (int k = 0; k < UW_K_NR; k++) {
		enum uw_kind kind = draw_order[k];
		const uint8_t *c = b->cells + (size_t)kind * b->rows * cols;
		bool any = false;

		for (unsigned r = 0; r < b->rows; r++) {
			double y = bottom - (r + 1) * row_h;

			for (size_t i = 0; i < cols;) {
				size_t j = i;

				if (!c[r * cols + i]) {
					i++;
					continue;
				}
				while (j < cols && c[r * cols + j])
					j++;
				if (!any)
					fprintf(o, "<g fill=\"%s\"><title>%s</title>\n",
						kind_colour[kind], uw_kind_names[kind]);
				any = true;
				fprintf(
				    o,
				    "<rect x=\"%zu\" y=\"%.2f\" width=\"%zu\" height=\"%.2f\"/>\n",
				    W_LEFT + i * CELL_W, y, (j - i) * CELL_W, row_h);
				i = j;
			}
		}
		if (any)
			fprintf(o, "</g>\n");
	}
}

static void draw(struct plot *p, const char *name)
{
	FILE *o = p->svg;
	double bottom =
	    p->nshown ? p->shown[p->nshown - 1]->top + p->shown[p->nshown - 1]->h : H_TOP;
	int width = W_LEFT + W_PLOT + W_RIGHT, height = (int)bottom + 1 + H_BOTTOM;
	uint64_t total = 0;
	double x = W_LEFT;

	for (int k = 0; k < UW_K_NR; k++)
		total += p->kinds[k];
	fprintf(o,
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
		"<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%d\" "
		"height=\"%d\" viewBox=\"0 0 %d %d\" font-family=\"sans-serif\" "
		"font-size=\"12\">\n",
		width, height, width, height);
	fprintf(o, "<title>uffd-watch plot: ");
	xml_text(o, name);
	fprintf(o, "</title>\n<desc>Page faults over time, one band per mapping: page offset "
		   "against time, coloured by fault kind.</desc>\n");
	fprintf(o, "<rect width=\"%d\" height=\"%d\" fill=\"white\"/>\n", width, height);
	fprintf(o, "<text x=\"14\" y=\"22\" font-size=\"15\" font-weight=\"bold\">");
	xml_text(o, name);
	fprintf(o,
		"</text>\n<text x=\"14\" y=\"42\" fill=\"#444\">%llu fault%s in %zu "
		"mapping%s over ",
		(unsigned long long)(total - p->hidden_faults),
		total - p->hidden_faults == 1 ? "" : "s", p->nshown, p->nshown == 1 ? "" : "s");
	if (p->dur >= 1)
		fprintf(o, "%.3f s", p->dur);
	else
		fprintf(o, "%.3f ms", p->dur * 1e3);
	if (p->hidden_faults)
		fprintf(o, "; %llu more in %zu mappings not drawn",
			(unsigned long long)p->hidden_faults, p->nbands - p->nshown);
	if (p->outside)
		fprintf(o, "; %llu outside every mapping", (unsigned long long)p->outside);
	fprintf(o, "</text>\n");
	/* The legend, with each kind's count. */
	for (int k = 0; k < UW_K_NR; k++) {
		fprintf(o, "<rect x=\"%.0f\" y=\"52\" width=\"12\" height=\"12\" fill=\"%s\"/>\n",
			x, kind_colour[k]);
		fprintf(o, "<text x=\"%.0f\" y=\"62\">%s %llu</text>\n", x + 17, uw_kind_names[k],
			(unsigned long long)p->kinds[k]);
		x += 130;
	}
	for (size_t i = 0; i < p->nshown; i++)
		draw_frame(p, p->shown[i]);
	draw_axes(p, bottom);
	for (size_t i = 0; i < p->nshown; i++)
		draw_marks(p, p->shown[i]);
	fprintf(o, "</svg>\n");
}

static int write_svg(struct plot *p, const char *output)
{
	const char *slash = strrchr(p->trace, '/');
	char *buf = NULL;
	size_t len = 0;
	int err;

	p->svg = open_memstream(&buf, &len);
	if (!p->svg)
		return hv_fail(-errno, NULL, "plot: cannot make the SVG");
	draw(p, !strcmp(p->trace, "-") ? "stdin" : slash && slash[1] ? slash + 1 : p->trace);
	err = fclose(p->svg) ? -errno : 0;
	p->svg = NULL;
	if (err) {
		free(buf);
		return hv_fail(err, NULL, "plot: cannot make the SVG");
	}
	if (!output || !strcmp(output, "-")) {
		err = hv_write_full(STDOUT_FILENO, buf, len);
		free(buf);
		return err ? hv_fail(err, NULL, "plot: cannot write the SVG to stdout") : 0;
	}
	err = hv_write_file_atomic(output, buf, len, 0644);
	free(buf);
	return err ? hv_fail(err, NULL, "plot: cannot write %s", output) : 0;
}

static void plot_free(struct plot *p)
{
	for (size_t i = 0; p->bands && i < p->nbands; i++)
		free(p->bands[i].cells);
	free(p->bands);
	free(p->shown);
	free(p->f);
	free(p);
}

const struct poptOption uw_plot_options[] = {
    {"output", 'o', POPT_ARG_STRING, HV_AT(struct uw_ctx, output), 0,
     "write the SVG to FILE (default stdout)", "FILE"},
    POPT_TABLEEND,
};

int uw_plot(void *ctx, int argc, const char **argv)
{
	struct uw_ctx *x = ctx;
	struct plot *p;
	FILE *in;
	int rc;

	if (argc != 1)
		return hv_usage_error("plot needs one TRACE (a file of run or serve "
				      "--trace --json, or - for stdin)");
	p = calloc(1, sizeof(*p));
	if (p)
		p->bands = calloc(PLOT_MAX_MAPPINGS, sizeof(*p->bands));
	if (!p || !p->bands) {
		free(p);
		return hv_fail(-ENOMEM, NULL, "plot");
	}
	p->trace = argv[0];
	in = strcmp(p->trace, "-") ? fopen(p->trace, "re") : stdin;
	if (!in)
		rc = hv_fail(-errno, NULL, "plot: cannot open %s", p->trace);
	else
		rc = read_trace(p, in);
	if (in && in != stdin)
		fclose(in);
	if (!rc && !p->nf) {
		rc = hv_fail(0, "run or serve with --trace --json writes one",
			     "plot: %s has no fault in a registered mapping: nothing to plot",
			     p->trace);
	}
	if (!rc && layout(p))
		rc = hv_fail(-ENOMEM, NULL, "plot");
	if (!rc)
		rc = write_svg(p, x->output);
	plot_free(p);
	return rc;
}
