// SPDX-License-Identifier: MIT
/* Helpers shared by the store subcommands of `homevitals` (cli_util.h). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "daemon/basic/macro.h"
#include "daemon/cli/cli.h"
#include "daemon/cli/cli_util.h"
#include "daemon/common/config.h"
#include "daemon/ingest/ingest.h"

DEFINE_TRIVIAL_CLEANUP_FUNC(cJSON *, cJSON_Delete)

/* --- finding and opening the store ------------------------------------------ */

static void ignore_warning(const char *message, void *userdata)
{
	(void)message;
	(void)userdata;
}

int cli_store_path(const char *cmd, const struct cli_store_options *o,
		   char **ret_path)
{
	struct hv_config cfg;
	struct hv_config_error err = { { 0 } };
	const char *env = getenv("HOMEVITALS_DB");
	const char *config = o && o->config ? o->config :
					      HV_CONFIG_DEFAULT_PATH;
	char *path;
	int r;

	if (o && o->db && *o->db)
		path = strdup(o->db);
	else if (env && *env)
		path = strdup(env);
	else {
		hv_config_init(&cfg);
		r = hv_config_load(config, &cfg, &err, ignore_warning, NULL);
		/* No file at the default place: the built-in default path. */
		if (r < 0 && !(r == -ENOENT && !(o && o->config))) {
			fprintf(stderr, "homevitals %s: %s: %s\n", cmd, config,
				err.message[0] ? err.message : strerror(-r));
			hv_config_done(&cfg);
			return r == -ENOENT || r == -EACCES ? CLI_EXIT_NO_STORE :
							      CLI_EXIT_USAGE;
		}
		if (!cfg.store.path || !*cfg.store.path) {
			fprintf(stderr, "homevitals %s: %s names no store.path: use --db PATH\n",
				cmd, config);
			hv_config_done(&cfg);
			return CLI_EXIT_USAGE;
		}
		path = strdup(cfg.store.path);
		hv_config_done(&cfg);
	}
	if (!path) {
		fprintf(stderr, "homevitals %s: out of memory\n", cmd);
		return CLI_EXIT_FAILURE;
	}
	*ret_path = path;
	return 0;
}

/* A correction the CLI queues goes to the configuration's audiences, as the
 * daemon's own rows do (docs/consent.md): never to the implicit audience
 * of a gateway that has named its audiences. No configuration: none. */
static int apply_audiences(const struct cli_store_options *o,
			   struct hv_store *s)
{
	const char *config = o && o->config ? o->config : HV_CONFIG_DEFAULT_PATH;
	struct hv_config_error err = { { 0 } };
	struct hv_config cfg;
	const char **names = NULL;
	int r;

	hv_config_init(&cfg);
	r = hv_config_load(config, &cfg, &err, ignore_warning, NULL);
	if (r < 0 || cfg.n_audiences == 0) {
		hv_config_done(&cfg);
		/* The default file unreadable here: as cli_store_path. */
		return r >= 0 || !(o && o->config) ? 0 : r;
	}
	names = calloc(cfg.n_audiences, sizeof(*names));
	if (!names) {
		hv_config_done(&cfg);
		return -ENOMEM;
	}
	for (size_t i = 0; i < cfg.n_audiences; i++)
		names[i] = cfg.audiences[i].name;
	r = hv_store_set_audiences(s, names, cfg.n_audiences);
	free(names);
	hv_config_done(&cfg);
	return r;
}

int cli_open_store(const char *cmd, const struct cli_store_options *o,
		   enum cli_open_mode mode, struct hv_store **ret)
{
	_cleanup_free_ char *path = NULL;
	struct hv_store *s = NULL;
	unsigned flags;
	int r;

	r = cli_store_path(cmd, o, &path);
	if (r != 0)
		return r;
	flags = mode == CLI_OPEN_READ  ? HV_STORE_READONLY | HV_STORE_NO_CREATE :
		mode == CLI_OPEN_WRITE ? HV_STORE_NO_CREATE :
					 0;
	r = hv_store_open(path, flags, &s);
	if (r >= 0 && mode != CLI_OPEN_READ) {
		r = apply_audiences(o, s);
		if (r < 0) {
			fprintf(stderr, "homevitals %s: the configuration's audiences: %s\n",
				cmd, strerror(-r));
			hv_store_close(s);
			return CLI_EXIT_USAGE;
		}
	}
	if (r >= 0) {
		*ret = s;
		return 0;
	}
	switch (r) {
	case -ENOENT:
		fprintf(stderr,
			"homevitals %s: no database at %s (the daemon creates it on its first start; "
			"or name one with --db PATH)\n",
			cmd, path);
		break;
	case -EACCES:
	case -EPERM:
	case -EROFS:
		fprintf(stderr,
			"homevitals %s: permission denied: %s (%s; run as root or as the homevitals user, "
			"e.g. sudo -u homevitals homevitals %s …)\n",
			cmd, path, hv_store_errmsg(NULL), cmd);
		break;
	case -EISDIR:
		fprintf(stderr, "homevitals %s: %s is a directory, not a database\n",
			cmd, path);
		break;
	case -EBADMSG:
		fprintf(stderr, "homevitals %s: %s is not a homevitals database (%s)\n",
			cmd, path, hv_store_errmsg(NULL));
		break;
	default:
		fprintf(stderr, "homevitals %s: cannot open %s: %s\n", cmd,
			path,
			*hv_store_errmsg(NULL) ? hv_store_errmsg(NULL) :
						 strerror(-r));
		break;
	}
	return CLI_EXIT_NO_STORE;
}

int cli_store_error(const char *cmd, struct hv_store *s, int error,
		    const char *what)
{
	const char *msg = s ? hv_store_errmsg(s) : NULL;

	fprintf(stderr, "homevitals %s: %s: %s\n", cmd, what,
		msg && *msg ? msg : strerror(-error));
	switch (error) {
	case -ENOENT:
		return CLI_EXIT_NOT_FOUND;
	case -EACCES:
	case -EPERM:
	case -EROFS:
		return CLI_EXIT_NO_STORE;
	case -EINVAL:
		return CLI_EXIT_USAGE;
	default:
		return CLI_EXIT_FAILURE;
	}
}

bool cli_store_option(int c, const char *arg, struct cli_store_options *o)
{
	switch (c) {
	case CLI_OPT_DB:
		o->db = arg;
		return true;
	case CLI_OPT_CONFIG:
		o->config = arg;
		return true;
	default:
		return false;
	}
}

int cli_person_error(const char *cmd, struct hv_store *s, int error,
		     const char *id)
{
	if (error == -ENOENT) {
		fprintf(stderr, "homevitals %s: no person %s (see 'homevitals people list')\n",
			cmd, id);
		return CLI_EXIT_NOT_FOUND;
	}
	return cli_store_error(cmd, s, error, id);
}

/* --- pure parsers ---------------------------------------------------------------- */

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(int y, unsigned m)
{
	static const unsigned days[] = { 31, 28, 31, 30, 31, 30,
					 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* n digits exactly into *ret; advances *p. */
static bool digits(const char **p, unsigned n, unsigned *ret)
{
	unsigned v = 0;

	for (unsigned i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + (unsigned)((*p)[i] - '0');
	}
	*p += n;
	*ret = v;
	return true;
}

static bool parse_date_prefix(const char **p, int *y, unsigned *m,
			      unsigned *d)
{
	unsigned yy;

	if (!digits(p, 4, &yy) || *(*p)++ != '-' || !digits(p, 2, m) ||
	    *(*p)++ != '-' || !digits(p, 2, d))
		return false;
	*y = (int)yy;
	return yy >= 1 && *m >= 1 && *m <= 12 && *d >= 1 &&
	       *d <= days_in_month(*y, *m);
}

int cli_parse_date(const char *text, int *ret_y, unsigned *ret_m,
		   unsigned *ret_d)
{
	const char *p = text;
	unsigned m, d;
	int y;

	if (!text || !parse_date_prefix(&p, &y, &m, &d) || *p)
		return -EINVAL;
	*ret_y = y;
	*ret_m = m;
	*ret_d = d;
	return 0;
}

int cli_parse_time(const char *text, bool end_of_day, int64_t *ret_usec)
{
	const char *p = text;
	unsigned m, d, hh, mm, ss = 0, oh, om;
	int64_t t, frac = 0, scale = 100000;
	int y, sign;

	if (!text || !parse_date_prefix(&p, &y, &m, &d))
		return -EINVAL;
	t = hv_days_from_civil(y, m, d) * 86400;
	if (!*p) {
		if (end_of_day)
			t += 86400;
		*ret_usec = t * 1000000;
		return 0;
	}
	if (*p != 'T' && *p != 't' && *p != ' ')
		return -EINVAL;
	p++;
	if (!digits(&p, 2, &hh) || *p++ != ':' || !digits(&p, 2, &mm))
		return -EINVAL;
	if (*p == ':') {
		p++;
		if (!digits(&p, 2, &ss))
			return -EINVAL;
		if (*p == '.' || *p == ',') {
			p++;
			if (!isdigit((unsigned char)*p))
				return -EINVAL;
			for (; isdigit((unsigned char)*p); p++) {
				frac += (*p - '0') * scale;
				scale /= 10;
			}
		}
	}
	/* 60: a leap second, as RFC 3339 allows. */
	if (hh > 23 || mm > 59 || ss > 60)
		return -EINVAL;
	t += hh * 3600 + mm * 60 + ss;
	if (*p == 'Z' || *p == 'z')
		p++;
	else if (*p == '+' || *p == '-') {
		sign = *p++ == '-' ? -1 : 1;
		if (!digits(&p, 2, &oh) || *p++ != ':' || !digits(&p, 2, &om) ||
		    oh > 23 || om > 59)
			return -EINVAL;
		t -= sign * (int64_t)(oh * 3600 + om * 60);
	} else
		return -EINVAL; /* a time without a zone is ambiguous */
	if (*p)
		return -EINVAL;
	*ret_usec = t * 1000000 + frac;
	return 0;
}

int cli_parse_double(const char *text, double *ret)
{
	char *end;
	double v;

	if (!text || !*text || isspace((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtod(text, &end);
	if (errno || *end || !isfinite(v))
		return -EINVAL;
	*ret = v;
	return 0;
}

int cli_parse_int(const char *text, long min, long max, long *ret)
{
	char *end;
	long v;

	if (!text || !*text || isspace((unsigned char)*text))
		return -EINVAL;
	errno = 0;
	v = strtol(text, &end, 10);
	if (errno || *end || v < min || v > max)
		return -EINVAL;
	*ret = v;
	return 0;
}

int cli_parse_weight_range(const char *text, double *ret_min, double *ret_max)
{
	_cleanup_free_ char *copy = NULL;
	char *sep;
	double lo, hi;

	if (!text)
		return -EINVAL;
	copy = strdup(text);
	if (!copy)
		return -ENOMEM;
	sep = strstr(copy, "..");
	if (sep) {
		*sep = '\0';
		sep += 2;
	} else {
		/* The first '-' after a digit: "60-68" (no negative weights). */
		sep = strchr(copy, '-');
		if (!sep)
			return -EINVAL;
		*sep++ = '\0';
	}
	if (cli_parse_double(copy, &lo) < 0 || cli_parse_double(sep, &hi) < 0)
		return -EINVAL;
	if (!(lo > 0) || !(hi >= lo) || hi > 650)
		return -EINVAL;
	*ret_min = lo;
	*ret_max = hi;
	return 0;
}

int cli_parse_height(const char *text, double *ret_m)
{
	double v;

	if (cli_parse_double(text, &v) < 0)
		return -EINVAL;
	if (v > 3)
		v /= 100;
	if (!(v >= 0.3 && v <= 2.8))
		return -EINVAL;
	*ret_m = v;
	return 0;
}

bool cli_person_id_valid(const char *id)
{
	size_t n;

	if (!id || !isalnum((unsigned char)id[0]))
		return false;
	n = strlen(id);
	if (n >= HV_PERSON_MAX)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)id[i];

		if (!isalnum(c) && c != '.' && c != '_' && c != '-')
			return false;
	}
	return true;
}

int cli_person_audience_args(const char *cmd, char *const *args, int n,
			     int min, int max, const char **ret_person,
			     const char **ret_audience)
{
	if (n >= 1 && !cli_person_id_valid(args[0])) {
		fprintf(stderr, "homevitals %s: '%s' is not a person id\n", cmd,
			args[0]);
		return CLI_EXIT_USAGE;
	}
	if (n < min) {
		fprintf(stderr, "homevitals %s: %s expected\n", cmd,
			min > 1 ? "PERSON AUDIENCE" : "PERSON");
		return CLI_EXIT_USAGE;
	}
	if (n > max) {
		if (max > 1)
			fprintf(stderr, "homevitals %s: too many arguments\n", cmd);
		else
			fprintf(stderr, "homevitals %s: takes at most a PERSON\n",
				cmd);
		return CLI_EXIT_USAGE;
	}
	*ret_person = n >= 1 ? args[0] : NULL;
	if (ret_audience)
		*ret_audience = n >= 2 ? args[1] : NULL;
	return CLI_EXIT_OK;
}

int cli_parse_address(const char *text, char ret[HV_ADDRESS_MAX])
{
	if (!text || strlen(text) != 17)
		return -EINVAL;
	for (size_t i = 0; i < 17; i++) {
		if (i % 3 == 2) {
			if (text[i] != ':')
				return -EINVAL;
		} else if (!isxdigit((unsigned char)text[i]))
			return -EINVAL;
	}
	for (size_t i = 0; i < 17; i++)
		ret[i] = (char)toupper((unsigned char)text[i]);
	ret[17] = '\0';
	return 0;
}

double cli_age_years(const char *birth_date, int64_t now_s)
{
	return hv_age_years(birth_date, now_s);
}

/* The daemon's own, so that assign derives as ingest does. */
void cli_person_profile(const struct hv_person *p, int64_t now_s,
			struct hv_profile *ret)
{
	hv_person_profile(p, now_s, ret);
}

/* --- output ---------------------------------------------------------------------- */

bool cli_csv_needs_quotes(const char *s)
{
	size_t n;

	if (!s || !*s)
		return false;
	n = strlen(s);
	return strpbrk(s, ",\"\r\n") || s[0] == ' ' || s[n - 1] == ' ';
}

int cli_csv_field(FILE *out, const char *s)
{
	if (!cli_csv_needs_quotes(s))
		return fputs(s ? s : "", out) < 0 ? -EIO : 0;
	if (fputc('"', out) == EOF)
		return -EIO;
	for (; *s; s++) {
		if (*s == '"' && fputc('"', out) == EOF)
			return -EIO;
		if (fputc(*s, out) == EOF)
			return -EIO;
	}
	return fputc('"', out) == EOF ? -EIO : 0;
}

int cli_csv_row(FILE *out, const char *const *fields, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (i && fputc(',', out) == EOF)
			return -EIO;
		if (cli_csv_field(out, fields[i]) < 0)
			return -EIO;
	}
	return fputs("\r\n", out) < 0 ? -EIO : 0;
}

int cli_table_init(struct cli_table *t, const char *const *headers,
		   size_t n_columns)
{
	*t = (struct cli_table){ .n_columns = n_columns };
	return cli_table_add(t, headers);
}

int cli_table_add(struct cli_table *t, const char *const *cells)
{
	if (t->n_cells + t->n_columns > t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 8 * t->n_columns;
		char **c = reallocarray(t->cells, cap, sizeof(*c));

		if (!c)
			return -ENOMEM;
		t->cells = c;
		t->cap = cap;
	}
	for (size_t i = 0; i < t->n_columns; i++) {
		char *c = strdup(cells[i] ? cells[i] : "-");

		if (!c) {
			for (size_t k = 0; k < i; k++)
				free(t->cells[t->n_cells + k]);
			return -ENOMEM;
		}
		/* One line per row: a newline in a name would break it. */
		for (char *q = c; *q; q++)
			if (*q == '\n' || *q == '\r' || *q == '\t')
				*q = ' ';
		t->cells[t->n_cells + i] = c;
	}
	t->n_cells += t->n_columns;
	return 0;
}

/* Display width: UTF-8 continuation bytes take no column. */
static size_t width(const char *s)
{
	size_t w = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			w++;
	return w;
}

void cli_table_print(const struct cli_table *t, FILE *out)
{
	_cleanup_free_ size_t *w = calloc(t->n_columns, sizeof(*w));

	if (!w || !t->n_columns)
		return;
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t k = i % t->n_columns, cw = width(t->cells[i]);

		if (cw > w[k])
			w[k] = cw;
	}
	for (size_t i = 0; i < t->n_cells; i++) {
		size_t k = i % t->n_columns;

		fputs(t->cells[i], out);
		if (k + 1 == t->n_columns)
			fputc('\n', out);
		else
			fprintf(out, "%*s", (int)(w[k] - width(t->cells[i]) + 2),
				"");
	}
}

void cli_table_done(struct cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->n_cells; i++)
		free(t->cells[i]);
	free(t->cells);
	*t = (struct cli_table){ 0 };
}

static int listing_print_json(const struct cli_listing *l)
{
	_cleanup_(cJSON_Deletep) cJSON *arr = cJSON_CreateArray();
	_cleanup_free_ char *text = NULL;

	if (!arr)
		return CLI_EXIT_FAILURE;
	for (size_t i = 0; i < l->n_rows; i++) {
		cJSON *o;

		if (l->to_json(l->userdata, i, &o) < 0)
			return CLI_EXIT_FAILURE;
		cJSON_AddItemToArray(arr, o);
	}
	text = cJSON_Print(arr);
	if (!text)
		return CLI_EXIT_FAILURE;
	puts(text);
	return CLI_EXIT_OK;
}

static int listing_print_table(const struct cli_listing *l)
{
	_cleanup_(cli_table_done) struct cli_table t = { 0 };
	_cleanup_free_ const char **cells = calloc(l->n_columns, sizeof(*cells));

	if (!cells || cli_table_init(&t, l->headers, l->n_columns) < 0)
		return CLI_EXIT_FAILURE;
	for (size_t i = 0; i < l->n_rows; i++)
		if (l->to_cells(l->userdata, i, cells) < 0 ||
		    cli_table_add(&t, cells) < 0)
			return CLI_EXIT_FAILURE;
	cli_table_print(&t, stdout);
	return CLI_EXIT_OK;
}

int cli_listing_print(const struct cli_listing *l, bool json)
{
	return json ? listing_print_json(l) : listing_print_table(l);
}

void cli_format_number(double v, char *buf, size_t size)
{
	(void)snprintf(buf, size, "%.6g", v);
	if (strchr(buf, 'e'))
		(void)snprintf(buf, size, "%.3f", v);
}

/* --- the daemon ---------------------------------------------------------------------- */

int cli_read_pid_file(const char *path, pid_t *ret)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	char line[32];
	long pid;

	if (!f)
		return negative_errno();
	if (!fgets(line, sizeof(line), f))
		return -EBADMSG;
	line[strcspn(line, "\r\n")] = '\0';
	if (cli_parse_int(line, 1, INT32_MAX, &pid) < 0)
		return -EBADMSG;
	*ret = (pid_t)pid;
	return 0;
}

int cli_pid_is_daemon(pid_t pid)
{
	_cleanup_fclose_ FILE *f = NULL;
	char path[64], comm[64];

	if (pid <= 0)
		return 0;
	(void)snprintf(path, sizeof(path), "/proc/%d/comm", (int)pid);
	f = fopen(path, "re");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		/* No /proc view of it (hidepid): a signal 0 still tells. */
		if (kill(pid, 0) < 0 && errno == ESRCH)
			return 0;
		return -EACCES;
	}
	if (!fgets(comm, sizeof(comm), f))
		return 0;
	comm[strcspn(comm, "\n")] = '\0';
	return strcmp(comm, "homevitalsd") == 0;
}

static void from_pid_file(const char *path, struct cli_daemon_info *info)
{
	pid_t pid;
	int r;

	(void)snprintf(info->source, sizeof(info->source), "pid file %s",
		       path);
	r = cli_read_pid_file(path, &pid);
	if (r == -ENOENT) {
		(void)snprintf(info->status, sizeof(info->status),
			       "no pid file");
		return;
	}
	info->known = true;
	if (r < 0) {
		(void)snprintf(info->status, sizeof(info->status),
			       "pid file unreadable: %s", strerror(-r));
		return;
	}
	info->pid = pid;
	r = cli_pid_is_daemon(pid);
	info->running = r != 0;
	if (r < 0)
		(void)snprintf(info->status, sizeof(info->status),
			       "pid %d exists; cannot tell whether it is homevitalsd",
			       (int)pid);
	else if (r == 0)
		(void)snprintf(info->status, sizeof(info->status),
			       "stale pid file: no homevitalsd with pid %d",
			       (int)pid);
}

#define SYSTEMD "org.freedesktop.systemd1"

static int unit_string(sd_bus *bus, const char *unit_path, const char *iface,
		       const char *name, char **ret)
{
	return sd_bus_get_property_string(bus, SYSTEMD, unit_path, iface, name,
					  NULL, ret);
}

static int from_systemd(struct cli_daemon_info *info)
{
	_cleanup_(sd_bus_flush_close_unrefp) sd_bus *bus = NULL;
	_cleanup_free_ char *unit_path = NULL, *load = NULL, *state = NULL,
			    *text = NULL;
	uint32_t pid = 0;
	int r;

	r = sd_bus_open_system(&bus);
	if (r < 0)
		return r;
	(void)sd_bus_set_method_call_timeout(bus, 2 * USEC_PER_SEC);
	r = sd_bus_path_encode("/org/freedesktop/systemd1/unit",
			       CLI_SYSTEMD_UNIT, &unit_path);
	if (r < 0)
		return r;
	r = unit_string(bus, unit_path, SYSTEMD ".Unit", "LoadState", &load);
	if (r < 0)
		return r;
	if (strcmp(load, "loaded") != 0)
		return -ENOENT; /* not installed as a unit here */
	r = unit_string(bus, unit_path, SYSTEMD ".Unit", "ActiveState", &state);
	if (r < 0)
		return r;
	(void)sd_bus_get_property_trivial(bus, SYSTEMD, unit_path,
					  SYSTEMD ".Service", "MainPID", NULL,
					  'u', &pid);
	(void)unit_string(bus, unit_path, SYSTEMD ".Service", "StatusText",
			  &text);
	info->known = true;
	(void)snprintf(info->source, sizeof(info->source), "systemd %s",
		       CLI_SYSTEMD_UNIT);
	(void)snprintf(info->state, sizeof(info->state), "%s", state);
	info->pid = (pid_t)pid;
	info->running = pid > 0 && (strcmp(state, "active") == 0 ||
				    strcmp(state, "reloading") == 0 ||
				    strcmp(state, "activating") == 0);
	if (text)
		(void)snprintf(info->status, sizeof(info->status), "%s", text);
	return 0;
}

void cli_find_daemon(const char *pid_file, struct cli_daemon_info *ret)
{
	*ret = (struct cli_daemon_info){ 0 };
	if (pid_file) {
		from_pid_file(pid_file, ret);
		return;
	}
	if (from_systemd(ret) >= 0)
		return;
	*ret = (struct cli_daemon_info){ 0 };
	from_pid_file(CLI_DEFAULT_PID_FILE, ret);
	if (!ret->known)
		(void)snprintf(ret->status, sizeof(ret->status),
			       "no systemd unit %s and no pid file %s",
			       CLI_SYSTEMD_UNIT, CLI_DEFAULT_PID_FILE);
}

/* --- progress ------------------------------------------------------------------------ */

void cli_progress_init(struct cli_progress *p, const char *what)
{
	*p = (struct cli_progress){ .enabled = isatty(STDERR_FILENO) == 1,
				    .what = what };
}

void cli_progress_tick(struct cli_progress *p)
{
	p->count++;
	if (p->enabled && p->count % 1000 == 0)
		fprintf(stderr, "\r%llu %s…", (unsigned long long)p->count,
			p->what);
}

void cli_progress_end(struct cli_progress *p)
{
	if (p->enabled && p->count >= 1000)
		fprintf(stderr, "\r%llu %s.\n", (unsigned long long)p->count,
			p->what);
}
