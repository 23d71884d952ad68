/* A pseudo-terminal with a terminal emulator attached: starts a program on
 * the slave side of a pty, feeds everything it writes to libvterm, and lets
 * a test send keys and read the emulated screen.
 *
 * The harness is single-threaded. It keeps every started terminal on one
 * list, so pty_poll() reads the output of all of them at once and no program
 * stalls on a full pty buffer while the test waits on another terminal. */
#ifndef CARETEAM_TESTS_PTY_HARNESS_H
#define CARETEAM_TESTS_PTY_HARNESS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

/* A growable byte buffer, always NUL-terminated when data is not NULL. */
struct pty_buffer {
	char *data;
	size_t len;
	size_t cap;
};

void pty_buffer_append(struct pty_buffer *buffer, const char *bytes,
                       size_t len);
void pty_buffer_append_str(struct pty_buffer *buffer, const char *text);
void pty_buffer_free(struct pty_buffer *buffer);

/* What to start in a new terminal. env_overrides contains NAME=VALUE
 * strings applied after the defaults TERM=xterm-256color and LANG=C.UTF-8.
 * An empty VALUE removes NAME from the environment. */
struct pty_spawn {
	const char *name;
	const char *program;
	char *const *argv;
	char *const *env_overrides;
	size_t env_override_count;
	const char *stderr_path;
	int cols;
	int rows;
};

struct pty_terminal;

/* Installs the SIGCHLD handler that wakes pty_poll(), and handlers that
 * make the next pty_poll() kill every program and exit with status 128 + N
 * when the runner gets SIGINT, SIGTERM or SIGHUP. Call once before starting
 * any terminal. Returns false with a message in err on failure. */
bool pty_harness_init(char *err, size_t err_size);

/* Frees every terminal still on the list (killing its program) and the
 * cached terminfo key strings. */
void pty_harness_shutdown(void);

long long pty_now_ms(void);

/* Milliseconds left until deadline (a pty_now_ms() value), at least 0. */
int pty_remaining_ms(long long deadline);

/* Forks a program on a new pty of the requested size. Fails when the
 * program cannot be executed, with the reason in err. */
struct pty_terminal *pty_terminal_start(const struct pty_spawn *spawn,
                                        char *err, size_t err_size);

/* How pty_terminal_stop() ended the program. */
enum pty_stop {
	PTY_STOP_EXITED,     /* it had exited, or exited after <C-c> */
	PTY_STOP_TERMINATED, /* it ignored <C-c> and ended after SIGTERM */
	PTY_STOP_KILLED,     /* it ignored SIGTERM too and got SIGKILL */
};

/* Stops the program if it still runs: sends <C-c>, then SIGTERM, then
 * SIGKILL, waiting up to grace_ms after each of the first two. */
enum pty_stop pty_terminal_stop(struct pty_terminal *terminal, int grace_ms);

/* Stops the program (see pty_terminal_stop) and frees the terminal. */
void pty_terminal_free(struct pty_terminal *terminal);

/* Waits up to timeout_ms for output from any terminal or for a child to
 * change state, and feeds all available output to the emulators. Returns
 * true if anything happened, false on timeout. */
bool pty_poll(int timeout_ms);

/* Reads whatever output is already pending on every terminal, without
 * waiting. */
void pty_drain(void);

/* Sends bytes to the program as one write() where the pty buffer allows.
 * Keeps reading the output of all terminals while the buffer is full.
 * Fails after deadline or when the program has closed its terminal. */
bool pty_terminal_send(struct pty_terminal *terminal, const char *bytes,
                       size_t len, long long deadline, char *err,
                       size_t err_size);

/* Resizes the emulator and the pty. The kernel sends SIGWINCH to the
 * program's foreground process group. */
bool pty_terminal_resize(struct pty_terminal *terminal, int cols, int rows,
                         char *err, size_t err_size);

const char *pty_terminal_name(const struct pty_terminal *terminal);
const char *pty_terminal_stderr_path(const struct pty_terminal *terminal);
void pty_terminal_size(const struct pty_terminal *terminal, int *cols,
                       int *rows);

/* Whether the program has exited and been reaped. When it has, *status
 * (if not NULL) receives the waitpid() status. */
bool pty_terminal_exited(const struct pty_terminal *terminal, int *status);

/* Whether the emulator currently shows the alternate screen. */
bool pty_terminal_altscreen(const struct pty_terminal *terminal);

/* The text of one screen row (0-based) as UTF-8, one space for each blank
 * cell, no trailing newline. The caller frees it. NULL if row is out of
 * range. */
char *pty_terminal_row(const struct pty_terminal *terminal, int row);

/* The whole screen: each row right-trimmed and ended by '\n', trailing
 * blank rows left out. The caller frees it. */
char *pty_terminal_screen(const struct pty_terminal *terminal);

/* Whether any row of the screen contains text. */
bool pty_terminal_contains(const struct pty_terminal *terminal,
                           const char *text);

/* Whether any cell has a foreground or background colour other than the
 * terminal's default. */
bool pty_terminal_has_color(const struct pty_terminal *terminal);

/* Looks up the bytes a terminal sends for a key name such as "<Up>" or
 * "<C-x>", as the terminfo entry of the terminal's TERM lists them (which is
 * what ncurses decodes in keypad mode). Returns false with a message in err
 * for an unknown name, or when the terminfo entry lacks the key. */
bool pty_terminal_key(const struct pty_terminal *terminal, const char *key,
                      struct pty_buffer *bytes, char *err, size_t err_size);

/* Whether key is one of the names pty_terminal_key() accepts. */
bool pty_key_name_valid(const char *key);

/* Waits until a child that is not a terminal's program exits, or until
 * deadline. Returns true with its waitpid() status in *status. */
bool pty_wait_child(pid_t pid, int *status, long long deadline);

#endif
