/* The pty harness: forkpty() for the program, libvterm for the screen, one
 * poll() loop for output, replies, writes and child exits. */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pty.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <vterm.h>

/* term.h defines many lower-case macros (lines, columns, bell, ...), so it
 * comes last and this file avoids those names. */
#include <curses.h>
#include <term.h>

extern char **environ;

struct pty_terminal {
	struct pty_terminal *next;
	char *name;
	char *term_name; /* TERM of the program, NULL when unset */
	char *stderr_path;
	pid_t pid;
	int master;
	bool hung_up; /* read() returned EIO: no slave descriptor is open */
	bool reaped;
	int status;
	bool altscreen;
	VTerm *vt;
	VTermScreen *screen;
	struct pty_buffer pending; /* bytes not yet written to the master */
};

static struct pty_terminal *terminals;
static int sigchld_pipe[2] = {-1, -1};

/* Upper bound on the reads of one terminal per pty_poll(), so a program
 * that writes without pause cannot starve the other terminals. */
enum { READS_PER_POLL = 64 };

void pty_buffer_append(struct pty_buffer *buffer, const char *bytes, size_t len)
{
	if (buffer->len + len + 1 > buffer->cap) {
		size_t cap = buffer->cap ? buffer->cap : 256;

		while (cap < buffer->len + len + 1)
			cap *= 2;
		char *data = realloc(buffer->data, cap);

		if (!data) {
			fprintf(stderr, "pty-run: out of memory\n");
			abort();
		}
		buffer->data = data;
		buffer->cap = cap;
	}
	if (len)
		memcpy(buffer->data + buffer->len, bytes, len);
	buffer->len += len;
	buffer->data[buffer->len] = '\0';
}

void pty_buffer_append_str(struct pty_buffer *buffer, const char *text)
{
	pty_buffer_append(buffer, text, strlen(text));
}

void pty_buffer_free(struct pty_buffer *buffer)
{
	free(buffer->data);
	buffer->data = NULL;
	buffer->len = 0;
	buffer->cap = 0;
}

long long pty_now_ms(void)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long long)now.tv_sec * 1000 + now.tv_nsec / 1000000;
}

int pty_remaining_ms(long long deadline)
{
	long long left = deadline - pty_now_ms();

	if (left <= 0)
		return 0;
	return left > 3600000 ? 3600000 : (int)left;
}

/* pipe2() is a GNU extension, so set the flags by hand. The harness has
 * no threads, so no fork() can slip in between. */
static int open_pipe(int fds[2], bool nonblocking)
{
	if (pipe(fds) != 0)
		return -1;
	for (int i = 0; i < 2; i++) {
		fcntl(fds[i], F_SETFD, FD_CLOEXEC);
		if (nonblocking)
			fcntl(fds[i], F_SETFL,
			      fcntl(fds[i], F_GETFL) | O_NONBLOCK);
	}
	return 0;
}

static void on_sigchld(int signo)
{
	int saved_errno = errno;
	ssize_t written = write(sigchld_pipe[1], "x", 1);

	(void)signo;
	(void)written;
	errno = saved_errno;
}

static volatile sig_atomic_t interrupting_signal;

/* SIGINT, SIGTERM and SIGHUP only note the signal and wake pty_poll(),
 * which then stops every program before the runner exits. */
static void on_interrupt(int signo)
{
	interrupting_signal = signo;
	on_sigchld(signo);
}

static bool install_handler(int signo, void (*handler)(int), char *err,
                            size_t err_size)
{
	struct sigaction action;

	memset(&action, 0, sizeof action);
	action.sa_handler = handler;
	action.sa_flags = SA_RESTART | SA_NOCLDSTOP;
	sigemptyset(&action.sa_mask);
	if (sigaction(signo, &action, NULL) == 0)
		return true;
	snprintf(err, err_size, "sigaction(%d) failed: %s", signo,
	         strerror(errno));
	return false;
}

bool pty_harness_init(char *err, size_t err_size)
{
	if (open_pipe(sigchld_pipe, true) != 0) {
		snprintf(err, err_size, "pipe failed: %s", strerror(errno));
		return false;
	}
	return install_handler(SIGCHLD, on_sigchld, err, err_size) &&
	       install_handler(SIGINT, on_interrupt, err, err_size) &&
	       install_handler(SIGTERM, on_interrupt, err, err_size) &&
	       install_handler(SIGHUP, on_interrupt, err, err_size);
}

/* ---- environment of the child ---- */

static bool has_name(const char *entry, const char *name, size_t name_len)
{
	return strncmp(entry, name, name_len) == 0 && entry[name_len] == '=';
}

/* Variables that would make the program's behaviour depend on the shell
 * the tests run from: locale, size overrides that beat TIOCGWINSZ in
 * ncurses, and colour switches. */
static bool inherited_variable_dropped(const char *entry)
{
	static const char *const dropped[] = {"TERM",     "LANG",    "LANGUAGE",
	                                      "LINES",    "COLUMNS", "NO_COLOR",
	                                      "COLORTERM"};

	if (strncmp(entry, "LC_", 3) == 0)
		return true;
	for (size_t i = 0; i < sizeof dropped / sizeof dropped[0]; i++) {
		if (has_name(entry, dropped[i], strlen(dropped[i])))
			return true;
	}
	return false;
}

static bool overridden(const char *entry, const struct pty_spawn *spawn)
{
	const char *equals = strchr(entry, '=');
	size_t name_len = equals ? (size_t)(equals - entry) : strlen(entry);

	for (size_t i = 0; i < spawn->env_override_count; i++) {
		if (has_name(spawn->env_overrides[i], entry, name_len))
			return true;
	}
	return false;
}

/* Builds the child's environment. The strings stay owned by environ,
 * spawn and the static defaults, so only the array is freed. */
static char **build_environment(const struct pty_spawn *spawn)
{
	static char default_term[] = "TERM=xterm-256color";
	static char default_lang[] = "LANG=C.UTF-8";
	char *defaults[] = {default_term, default_lang};
	size_t inherited = 0;

	while (environ[inherited])
		inherited++;
	char **envp =
	    calloc(inherited + spawn->env_override_count + 3, sizeof *envp);
	size_t count = 0;

	if (!envp)
		return NULL;
	for (size_t i = 0; i < inherited; i++) {
		if (!inherited_variable_dropped(environ[i]) &&
		    !overridden(environ[i], spawn))
			envp[count++] = environ[i];
	}
	for (size_t i = 0; i < 2; i++) {
		if (!overridden(defaults[i], spawn))
			envp[count++] = defaults[i];
	}
	for (size_t i = 0; i < spawn->env_override_count; i++) {
		const char *equals = strchr(spawn->env_overrides[i], '=');

		if (equals && equals[1] != '\0')
			envp[count++] = spawn->env_overrides[i];
	}
	envp[count] = NULL;
	return envp;
}

/* TERM as the child will see it, NULL when the environment has none. */
static char *resolve_term_name(char **envp)
{
	for (size_t i = 0; envp[i]; i++) {
		if (has_name(envp[i], "TERM", 4))
			return strdup(envp[i] + 5);
	}
	return NULL;
}

/* ---- starting and stopping ---- */

static _Noreturn void exec_child(const struct pty_spawn *spawn, char **envp,
                                 int stderr_fd, int exec_error_fd)
{
	static const int reset_signals[] = {SIGCHLD, SIGPIPE, SIGINT,
	                                    SIGQUIT, SIGTERM, SIGHUP};
	sigset_t none;
	int error;
	ssize_t written;

	sigemptyset(&none);
	sigprocmask(SIG_SETMASK, &none, NULL);
	for (size_t i = 0; i < sizeof reset_signals / sizeof reset_signals[0];
	     i++)
		signal(reset_signals[i], SIG_DFL);
	if (dup2(stderr_fd, STDERR_FILENO) < 0)
		_exit(127);
	execve(spawn->program, spawn->argv, envp);
	error = errno;
	written = write(exec_error_fd, &error, sizeof error);
	(void)written;
	_exit(127);
}

/* Reads the errno the child sends when execve() fails. Returns 0 when the
 * pipe closes without data because the exec succeeded. */
static int read_exec_error(int fd)
{
	int error = 0;
	ssize_t n;

	do
		n = read(fd, &error, sizeof error);
	while (n < 0 && errno == EINTR);
	return n == (ssize_t)sizeof error ? error : 0;
}

static int on_termprop(VTermProp prop, VTermValue *value, void *user)
{
	struct pty_terminal *terminal = user;

	if (prop == VTERM_PROP_ALTSCREEN)
		terminal->altscreen = value->boolean != 0;
	return 1;
}

static const VTermScreenCallbacks screen_callbacks = {
    .settermprop = on_termprop,
};

/* Queues the emulator's replies to the program's queries (device
 * attributes, cursor position) for the next flush. */
static void queue_reply(const char *bytes, size_t len, void *user)
{
	struct pty_terminal *terminal = user;

	pty_buffer_append(&terminal->pending, bytes, len);
}

static bool create_emulator(struct pty_terminal *terminal, int cols, int rows)
{
	terminal->vt = vterm_new(rows, cols);
	if (!terminal->vt)
		return false;
	vterm_set_utf8(terminal->vt, 1);
	vterm_output_set_callback(terminal->vt, queue_reply, terminal);
	terminal->screen = vterm_obtain_screen(terminal->vt);
	vterm_screen_set_callbacks(terminal->screen, &screen_callbacks,
	                           terminal);
	vterm_screen_enable_altscreen(terminal->screen, 1);
	vterm_screen_reset(terminal->screen, 1);
	return true;
}

static void destroy_terminal(struct pty_terminal *terminal)
{
	if (terminal->vt)
		vterm_free(terminal->vt);
	if (terminal->master >= 0)
		close(terminal->master);
	free(terminal->name);
	free(terminal->term_name);
	free(terminal->stderr_path);
	pty_buffer_free(&terminal->pending);
	free(terminal);
}

static struct pty_terminal *new_terminal(const struct pty_spawn *spawn,
                                         char **envp)
{
	struct pty_terminal *terminal = calloc(1, sizeof *terminal);

	if (!terminal)
		return NULL;
	terminal->master = -1;
	terminal->pid = -1;
	terminal->name = strdup(spawn->name);
	terminal->stderr_path = strdup(spawn->stderr_path);
	terminal->term_name = resolve_term_name(envp);
	if (!terminal->name || !terminal->stderr_path ||
	    !create_emulator(terminal, spawn->cols, spawn->rows)) {
		destroy_terminal(terminal);
		return NULL;
	}
	return terminal;
}

/* Forks the child on a new pty. On success the terminal owns the master
 * and the pid. On failure err contains the reason and no child is left. */
static bool fork_child(struct pty_terminal *terminal,
                       const struct pty_spawn *spawn, char **envp,
                       int stderr_fd, char *err, size_t err_size)
{
	struct winsize size = {.ws_row = (unsigned short)spawn->rows,
	                       .ws_col = (unsigned short)spawn->cols};
	int exec_pipe[2];
	int exec_error;

	if (open_pipe(exec_pipe, false) != 0) {
		snprintf(err, err_size, "pipe failed: %s", strerror(errno));
		return false;
	}
	terminal->pid = forkpty(&terminal->master, NULL, NULL, &size);
	if (terminal->pid == 0)
		exec_child(spawn, envp, stderr_fd, exec_pipe[1]);
	close(exec_pipe[1]);
	if (terminal->pid < 0) {
		snprintf(err, err_size, "forkpty failed: %s", strerror(errno));
		close(exec_pipe[0]);
		return false;
	}
	exec_error = read_exec_error(exec_pipe[0]);
	close(exec_pipe[0]);
	if (exec_error) {
		snprintf(err, err_size, "failed to execute %s: %s",
		         spawn->program, strerror(exec_error));
		while (waitpid(terminal->pid, NULL, 0) < 0 && errno == EINTR)
			;
		return false;
	}
	fcntl(terminal->master, F_SETFD, FD_CLOEXEC);
	fcntl(terminal->master, F_SETFL,
	      fcntl(terminal->master, F_GETFL) | O_NONBLOCK);
	return true;
}

struct pty_terminal *pty_terminal_start(const struct pty_spawn *spawn,
                                        char *err, size_t err_size)
{
	if (spawn->cols < 1 || spawn->rows < 1 || spawn->cols > 65535 ||
	    spawn->rows > 65535) {
		snprintf(err, err_size, "invalid terminal size %dx%d",
		         spawn->cols, spawn->rows);
		return NULL;
	}
	int stderr_fd = open(spawn->stderr_path,
	                     O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);

	if (stderr_fd < 0) {
		snprintf(err, err_size, "failed to create %s: %s",
		         spawn->stderr_path, strerror(errno));
		return NULL;
	}
	char **envp = build_environment(spawn);
	struct pty_terminal *terminal = envp ? new_terminal(spawn, envp) : NULL;
	bool forked = terminal && fork_child(terminal, spawn, envp, stderr_fd,
	                                     err, err_size);

	if (!terminal)
		snprintf(err, err_size, "out of memory");
	free(envp);
	close(stderr_fd);
	if (!forked) {
		if (terminal)
			destroy_terminal(terminal);
		return NULL;
	}
	terminal->next = terminals;
	terminals = terminal;
	return terminal;
}

/* ---- input and output ---- */

/* Writes as much of the pending bytes as the pty accepts now. */
static void flush_pending(struct pty_terminal *terminal)
{
	while (terminal->pending.len > 0 && !terminal->hung_up) {
		ssize_t n = write(terminal->master, terminal->pending.data,
		                  terminal->pending.len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			return;
		if (n < 0) {
			/* EIO: the program closed its end of the pty. */
			terminal->pending.len = 0;
			return;
		}
		memmove(terminal->pending.data, terminal->pending.data + n,
		        terminal->pending.len - (size_t)n);
		terminal->pending.len -= (size_t)n;
	}
}

/* Feeds what the program wrote to the emulator. Returns true if anything
 * was read or the pty hung up. */
static bool read_output(struct pty_terminal *terminal)
{
	char chunk[4096];
	bool progress = false;

	for (int i = 0; i < READS_PER_POLL && !terminal->hung_up; i++) {
		ssize_t n = read(terminal->master, chunk, sizeof chunk);

		if (n > 0) {
			vterm_input_write(terminal->vt, chunk, (size_t)n);
			progress = true;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
			break;
		/* EIO (or end of file): every slave descriptor is closed. */
		terminal->hung_up = true;
		progress = true;
	}
	flush_pending(terminal);
	return progress;
}

static bool reap_children(void)
{
	bool progress = false;

	for (struct pty_terminal *t = terminals; t; t = t->next) {
		if (t->reaped || waitpid(t->pid, &t->status, WNOHANG) != t->pid)
			continue;
		t->reaped = true;
		progress = true;
		while (!t->hung_up && read_output(t))
			;
	}
	return progress;
}

static void drain_sigchld_pipe(void)
{
	char bytes[64];

	while (read(sigchld_pipe[0], bytes, sizeof bytes) > 0)
		;
}

static size_t count_open_terminals(void)
{
	size_t count = 0;

	for (struct pty_terminal *t = terminals; t; t = t->next)
		count += !t->hung_up;
	return count;
}

static bool handle_poll_events(struct pollfd *fds, struct pty_terminal **polled,
                               size_t count)
{
	bool progress = false;

	if (fds[0].revents & POLLIN) {
		drain_sigchld_pipe();
		progress = reap_children() || progress;
	}
	for (size_t i = 1; i < count; i++) {
		if (fds[i].revents & (POLLIN | POLLHUP | POLLERR))
			progress = read_output(polled[i]) || progress;
		if (fds[i].revents & POLLOUT)
			flush_pending(polled[i]);
	}
	return progress;
}

/* Kills every program and exits, after the runner itself got SIGINT,
 * SIGTERM or SIGHUP. */
static _Noreturn void abort_run(void)
{
	for (struct pty_terminal *t = terminals; t; t = t->next) {
		if (t->reaped)
			continue;
		kill(-t->pid, SIGKILL);
		kill(t->pid, SIGKILL);
		while (waitpid(t->pid, NULL, 0) < 0 && errno == EINTR)
			;
	}
	fprintf(stderr,
	        "pty-run: interrupted by signal %d; killed every program\n",
	        (int)interrupting_signal);
	_exit(128 + interrupting_signal);
}

bool pty_poll(int timeout_ms)
{
	size_t count = 1 + count_open_terminals();
	struct pollfd *fds = calloc(count, sizeof *fds);
	struct pty_terminal **polled = calloc(count, sizeof *polled);
	size_t i = 1;
	bool progress = false;

	if (!fds || !polled) {
		fprintf(stderr, "pty-run: out of memory\n");
		abort();
	}
	fds[0].fd = sigchld_pipe[0];
	fds[0].events = POLLIN;
	for (struct pty_terminal *t = terminals; t; t = t->next) {
		if (t->hung_up)
			continue;
		fds[i].fd = t->master;
		fds[i].events = POLLIN | (t->pending.len ? POLLOUT : 0);
		polled[i++] = t;
	}
	int ready = poll(fds, count, timeout_ms);

	if (interrupting_signal)
		abort_run();

	if (ready > 0)
		progress = handle_poll_events(fds, polled, count);
	else if (ready < 0 && errno == EINTR)
		progress = true;
	free(fds);
	free(polled);
	return progress;
}

void pty_drain(void)
{
	/* Bounded, because a program that never stops writing would keep
	 * pty_poll(0) busy forever. */
	for (int round = 0; round < 100 && pty_poll(0); round++)
		;
}

bool pty_terminal_send(struct pty_terminal *terminal, const char *bytes,
                       size_t len, long long deadline, char *err,
                       size_t err_size)
{
	if (terminal->hung_up || terminal->reaped) {
		snprintf(err, err_size,
		         "failed to send input: the program in terminal %s has "
		         "exited",
		         terminal->name);
		return false;
	}
	pty_buffer_append(&terminal->pending, bytes, len);
	flush_pending(terminal);
	while (terminal->pending.len > 0 && !terminal->hung_up) {
		if (pty_remaining_ms(deadline) == 0) {
			snprintf(err, err_size,
			         "timed out sending input to terminal %s: the "
			         "program stopped reading it",
			         terminal->name);
			return false;
		}
		pty_poll(pty_remaining_ms(deadline));
	}
	return true;
}

bool pty_terminal_resize(struct pty_terminal *terminal, int cols, int rows,
                         char *err, size_t err_size)
{
	struct winsize size = {.ws_row = (unsigned short)rows,
	                       .ws_col = (unsigned short)cols};

	if (cols < 1 || rows < 1 || cols > 65535 || rows > 65535) {
		snprintf(err, err_size, "invalid terminal size %dx%d", cols,
		         rows);
		return false;
	}
	vterm_set_size(terminal->vt, rows, cols);
	if (terminal->hung_up)
		return true;
	if (ioctl(terminal->master, TIOCSWINSZ, &size) != 0) {
		snprintf(err, err_size, "TIOCSWINSZ failed on terminal %s: %s",
		         terminal->name, strerror(errno));
		return false;
	}
	return true;
}

static bool wait_reaped(struct pty_terminal *terminal, int timeout_ms)
{
	long long deadline = pty_now_ms() + timeout_ms;

	while (!terminal->reaped && pty_remaining_ms(deadline) > 0)
		pty_poll(pty_remaining_ms(deadline));
	return terminal->reaped;
}

static void signal_group(const struct pty_terminal *terminal, int signo)
{
	/* forkpty() made the child a session and process group leader, so
	 * the group also contains anything it started. */
	if (kill(-terminal->pid, signo) != 0)
		kill(terminal->pid, signo);
}

enum pty_stop pty_terminal_stop(struct pty_terminal *terminal, int grace_ms)
{
	char err[256];

	if (terminal->reaped)
		return PTY_STOP_EXITED;
	if (!terminal->hung_up)
		pty_terminal_send(terminal, "\003", 1, pty_now_ms() + grace_ms,
		                  err, sizeof err);
	if (wait_reaped(terminal, grace_ms))
		return PTY_STOP_EXITED;
	signal_group(terminal, SIGTERM);
	if (wait_reaped(terminal, grace_ms))
		return PTY_STOP_TERMINATED;
	signal_group(terminal, SIGKILL);
	while (waitpid(terminal->pid, &terminal->status, 0) < 0 &&
	       errno == EINTR)
		;
	terminal->reaped = true;
	while (!terminal->hung_up && read_output(terminal))
		;
	return PTY_STOP_KILLED;
}

void pty_terminal_free(struct pty_terminal *terminal)
{
	struct pty_terminal **link = &terminals;

	if (!terminal)
		return;
	pty_terminal_stop(terminal, 1000);
	while (*link && *link != terminal)
		link = &(*link)->next;
	if (*link)
		*link = terminal->next;
	destroy_terminal(terminal);
}

bool pty_wait_child(pid_t pid, int *status, long long deadline)
{
	for (;;) {
		pid_t done = waitpid(pid, status, WNOHANG);

		if (done == pid)
			return true;
		if (done < 0 && errno != EINTR)
			return false;
		if (pty_remaining_ms(deadline) == 0)
			return false;
		pty_poll(pty_remaining_ms(deadline));
	}
}

/* ---- reading the screen ---- */

const char *pty_terminal_name(const struct pty_terminal *terminal)
{
	return terminal->name;
}

const char *pty_terminal_stderr_path(const struct pty_terminal *terminal)
{
	return terminal->stderr_path;
}

void pty_terminal_size(const struct pty_terminal *terminal, int *cols,
                       int *rows)
{
	vterm_get_size(terminal->vt, rows, cols);
}

bool pty_terminal_exited(const struct pty_terminal *terminal, int *status)
{
	if (terminal->reaped && status)
		*status = terminal->status;
	return terminal->reaped;
}

bool pty_terminal_altscreen(const struct pty_terminal *terminal)
{
	return terminal->altscreen;
}

static void append_code_point(struct pty_buffer *text, uint32_t code)
{
	char utf8[4];
	size_t len;

	if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF))
		code = 0xFFFD;
	if (code < 0x80) {
		utf8[0] = (char)code;
		len = 1;
	} else if (code < 0x800) {
		utf8[0] = (char)(0xC0 | (code >> 6));
		utf8[1] = (char)(0x80 | (code & 0x3F));
		len = 2;
	} else if (code < 0x10000) {
		utf8[0] = (char)(0xE0 | (code >> 12));
		utf8[1] = (char)(0x80 | ((code >> 6) & 0x3F));
		utf8[2] = (char)(0x80 | (code & 0x3F));
		len = 3;
	} else {
		utf8[0] = (char)(0xF0 | (code >> 18));
		utf8[1] = (char)(0x80 | ((code >> 12) & 0x3F));
		utf8[2] = (char)(0x80 | ((code >> 6) & 0x3F));
		utf8[3] = (char)(0x80 | (code & 0x3F));
		len = 4;
	}
	pty_buffer_append(text, utf8, len);
}

char *pty_terminal_row(const struct pty_terminal *terminal, int row)
{
	struct pty_buffer text = {0};
	int rows, cols;

	vterm_get_size(terminal->vt, &rows, &cols);
	if (row < 0 || row >= rows)
		return NULL;
	pty_buffer_append(&text, "", 0);
	for (int col = 0; col < cols; col++) {
		VTermScreenCell cell;
		VTermPos pos = {.row = row, .col = col};

		vterm_screen_get_cell(terminal->screen, pos, &cell);
		/* libvterm 0.1.4 marks the right half of a double-width
		 * character with (uint32_t)-1, and the left half contains the
		 * character. */
		if (cell.chars[0] == (uint32_t)-1)
			continue;
		if (cell.chars[0] == 0) {
			pty_buffer_append(&text, " ", 1);
			continue;
		}
		for (int i = 0; i < VTERM_MAX_CHARS_PER_CELL && cell.chars[i];
		     i++)
			append_code_point(&text, cell.chars[i]);
	}
	return text.data;
}

char *pty_terminal_screen(const struct pty_terminal *terminal)
{
	struct pty_buffer text = {0};
	size_t content_end = 0;
	int rows, cols;

	vterm_get_size(terminal->vt, &rows, &cols);
	pty_buffer_append(&text, "", 0);
	for (int row = 0; row < rows; row++) {
		char *line = pty_terminal_row(terminal, row);
		size_t len = strlen(line);

		while (len > 0 && line[len - 1] == ' ')
			len--;
		pty_buffer_append(&text, line, len);
		pty_buffer_append(&text, "\n", 1);
		if (len > 0)
			content_end = text.len;
		free(line);
	}
	text.len = content_end;
	text.data[content_end] = '\0';
	return text.data;
}

bool pty_terminal_contains(const struct pty_terminal *terminal,
                           const char *text)
{
	int rows, cols;
	bool found = false;

	vterm_get_size(terminal->vt, &rows, &cols);
	for (int row = 0; row < rows && !found; row++) {
		char *line = pty_terminal_row(terminal, row);

		found = strstr(line, text) != NULL;
		free(line);
	}
	return found;
}

bool pty_terminal_has_color(const struct pty_terminal *terminal)
{
	int rows, cols;

	vterm_get_size(terminal->vt, &rows, &cols);
	for (int row = 0; row < rows; row++) {
		for (int col = 0; col < cols; col++) {
			VTermScreenCell cell;
			VTermPos pos = {.row = row, .col = col};

			vterm_screen_get_cell(terminal->screen, pos, &cell);
			if (!VTERM_COLOR_IS_DEFAULT_FG(&cell.fg) ||
			    !VTERM_COLOR_IS_DEFAULT_BG(&cell.bg))
				return true;
		}
	}
	return false;
}

/* ---- key names ---- */

/* Key names with the terminfo capability that contains their bytes, or
 * the fixed bytes every terminal sends. */
static const struct key_name {
	const char *name;
	const char *capability;
	const char *fixed;
} key_names[] = {
    {"<Up>", "kcuu1", NULL},      {"<Down>", "kcud1", NULL},
    {"<Left>", "kcub1", NULL},    {"<Right>", "kcuf1", NULL},
    {"<Enter>", NULL, "\r"},      {"<Esc>", NULL, "\033"},
    {"<Tab>", NULL, "\t"},        {"<BTab>", "kcbt", NULL},
    {"<Backspace>", "kbs", NULL}, {"<Delete>", "kdch1", NULL},
    {"<PgUp>", "kpp", NULL},      {"<PgDn>", "knp", NULL},
    {"<Home>", "khome", NULL},    {"<End>", "kend", NULL},
    {"<Space>", NULL, " "},       {"<F1>", "kf1", NULL},
    {"<F2>", "kf2", NULL},        {"<F3>", "kf3", NULL},
    {"<F4>", "kf4", NULL},        {"<F5>", "kf5", NULL},
    {"<F6>", "kf6", NULL},        {"<F7>", "kf7", NULL},
    {"<F8>", "kf8", NULL},        {"<F9>", "kf9", NULL},
    {"<F10>", "kf10", NULL},      {"<F11>", "kf11", NULL},
    {"<F12>", "kf12", NULL},
};

enum { KEY_NAME_COUNT = sizeof key_names / sizeof key_names[0] };

/* The key strings of one terminfo entry, loaded once per TERM. */
struct key_strings {
	struct key_strings *next;
	char *term_name;
	bool found;
	char *strings[KEY_NAME_COUNT];
};

static struct key_strings *key_cache;

static struct key_strings *load_key_strings(const char *term_name)
{
	struct key_strings *entry = calloc(1, sizeof *entry);
	int status = 0;

	if (!entry || !(entry->term_name = strdup(term_name))) {
		fprintf(stderr, "pty-run: out of memory\n");
		abort();
	}
	entry->found = setupterm(term_name, STDERR_FILENO, &status) == OK;
	for (size_t i = 0; entry->found && i < KEY_NAME_COUNT; i++) {
		const char *value;

		if (!key_names[i].capability)
			continue;
		value = tigetstr(key_names[i].capability);
		if (value && value != (char *)-1)
			entry->strings[i] = strdup(value);
	}
	if (entry->found)
		del_curterm(cur_term);
	entry->next = key_cache;
	key_cache = entry;
	return entry;
}

static const struct key_strings *find_key_strings(const char *term_name)
{
	for (struct key_strings *entry = key_cache; entry;
	     entry = entry->next) {
		if (strcmp(entry->term_name, term_name) == 0)
			return entry;
	}
	return load_key_strings(term_name);
}

static bool is_control_key(const char *key)
{
	return strncmp(key, "<C-", 3) == 0 &&
	       ((key[3] >= 'a' && key[3] <= 'z') ||
	        (key[3] >= 'A' && key[3] <= 'Z')) &&
	       key[4] == '>' && key[5] == '\0';
}

static const struct key_name *find_key_name(const char *key, size_t *index)
{
	for (size_t i = 0; i < KEY_NAME_COUNT; i++) {
		if (strcmp(key_names[i].name, key) == 0) {
			*index = i;
			return &key_names[i];
		}
	}
	return NULL;
}

bool pty_key_name_valid(const char *key)
{
	size_t index;

	return is_control_key(key) || find_key_name(key, &index);
}

static bool lookup_capability(const struct pty_terminal *terminal, size_t index,
                              struct pty_buffer *bytes, char *err,
                              size_t err_size)
{
	const struct key_strings *strings;

	if (!terminal->term_name) {
		snprintf(err, err_size,
		         "key %s needs terminfo, but TERM is unset in "
		         "terminal %s",
		         key_names[index].name, terminal->name);
		return false;
	}
	strings = find_key_strings(terminal->term_name);
	if (!strings->found) {
		snprintf(err, err_size, "no terminfo entry for TERM=%s",
		         terminal->term_name);
		return false;
	}
	if (!strings->strings[index]) {
		snprintf(err, err_size,
		         "terminfo entry %s has no %s, so key %s cannot be "
		         "sent",
		         terminal->term_name, key_names[index].capability,
		         key_names[index].name);
		return false;
	}
	pty_buffer_append_str(bytes, strings->strings[index]);
	return true;
}

bool pty_terminal_key(const struct pty_terminal *terminal, const char *key,
                      struct pty_buffer *bytes, char *err, size_t err_size)
{
	const struct key_name *name;
	size_t index;

	if (is_control_key(key)) {
		char control = (char)(key[3] & 0x1F);

		pty_buffer_append(bytes, &control, 1);
		return true;
	}
	name = find_key_name(key, &index);
	if (!name) {
		snprintf(err, err_size, "unknown key %s", key);
		return false;
	}
	if (name->fixed) {
		pty_buffer_append_str(bytes, name->fixed);
		return true;
	}
	return lookup_capability(terminal, index, bytes, err, err_size);
}

void pty_harness_shutdown(void)
{
	while (terminals)
		pty_terminal_free(terminals);
	while (key_cache) {
		struct key_strings *next = key_cache->next;

		for (size_t i = 0; i < KEY_NAME_COUNT; i++)
			free(key_cache->strings[i]);
		free(key_cache->term_name);
		free(key_cache);
		key_cache = next;
	}
	signal(SIGCHLD, SIG_DFL);
	signal(SIGINT, SIG_DFL);
	signal(SIGTERM, SIG_DFL);
	signal(SIGHUP, SIG_DFL);
	for (int i = 0; i < 2; i++) {
		if (sigchld_pipe[i] >= 0)
			close(sigchld_pipe[i]);
		sigchld_pipe[i] = -1;
	}
}
