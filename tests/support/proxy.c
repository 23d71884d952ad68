/* The forwarding proxy declared in proxy.h. One thread accepts clients;
 * each accepted client gets a connection of its own to the test server and
 * two pump threads, one per direction. */
#include "proxy.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define PUMP_BUFFER_SIZE 16384

struct link;

struct pump {
	struct link *link;
	enum ct_proxy_direction direction;
	pthread_t thread;
	bool started;
};

/* One forwarded client connection. The file descriptors stay open until
 * both pumps have finished, so a pump never reads a descriptor that
 * another thread closed and the kernel reused. */
struct link {
	struct ct_proxy *proxy;
	int client_fd;
	int server_fd;
	int running_pumps; /* guarded by proxy->lock */
	struct pump pumps[2];
	struct link *next;
};

struct ct_proxy {
	char folder[256];
	char socket_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char target_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
	char dbname[128];
	char superuser[128];
	int port;
	int listen_fd;
	int wake_pipe[2];
	pthread_t acceptor;
	pthread_mutex_t lock;
	struct link *links; /* guarded by lock */
	bool stopping;	    /* guarded by lock */
	atomic_int delay_ms[2];
	atomic_bool drop_armed;
	atomic_uint dropped;
	atomic_uint accepted;
};

/* Writes "what path: strerror(errno)" into error and returns -1. */
static int set_error(char *error, size_t size, const char *what,
		     const char *path)
{
	snprintf(error, size, "%s %s: %s", what, path, strerror(errno));
	return -1;
}

/* Copies a required environment variable, or returns false. */
static bool copy_env(const char *name, char *buffer, size_t size)
{
	const char *value = getenv(name);

	if (value == NULL || value[0] == '\0' || strlen(value) >= size)
		return false;
	snprintf(buffer, size, "%s", value);
	return true;
}

static bool fill_address(struct sockaddr_un *address, const char *path)
{
	memset(address, 0, sizeof(*address));
	address->sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(address->sun_path))
		return false;
	memcpy(address->sun_path, path, strlen(path) + 1);
	return true;
}

static int connect_server(const struct ct_proxy *proxy)
{
	struct sockaddr_un address;
	int fd;

	if (!fill_address(&address, proxy->target_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&address, sizeof(address)) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static bool send_all(int fd, const char *bytes, size_t length)
{
	while (length > 0) {
		/* MSG_NOSIGNAL: a peer that has gone must not raise SIGPIPE
		 * in the test process. */
		ssize_t sent = send(fd, bytes, length, MSG_NOSIGNAL);

		if (sent < 0 && errno == EINTR)
			continue;
		if (sent <= 0)
			return false;
		bytes += sent;
		length -= (size_t)sent;
	}
	return true;
}

/* Sleeps until delay_ms after the moment the chunk was read. */
static void hold_chunk(const struct timespec *read_at, int delay_ms)
{
	struct timespec until = *read_at;

	if (delay_ms <= 0)
		return;
	until.tv_sec += delay_ms / 1000;
	until.tv_nsec += (long)(delay_ms % 1000) * 1000000L;
	if (until.tv_nsec >= 1000000000L) {
		until.tv_sec++;
		until.tv_nsec -= 1000000000L;
	}
	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, NULL) ==
	       EINTR)
		;
}

/* Shuts both sockets down so the other pump wakes up, and closes them
 * once the second pump is done. */
static void finish_pump(struct link *link)
{
	struct ct_proxy *proxy = link->proxy;

	pthread_mutex_lock(&proxy->lock);
	shutdown(link->client_fd, SHUT_RDWR);
	shutdown(link->server_fd, SHUT_RDWR);
	if (--link->running_pumps == 0) {
		close(link->client_fd);
		close(link->server_fd);
		link->client_fd = -1;
		link->server_fd = -1;
	}
	pthread_mutex_unlock(&proxy->lock);
}

/* Returns true when this chunk from the server is to be dropped. */
static bool take_drop(struct ct_proxy *proxy,
		      enum ct_proxy_direction direction)
{
	if (direction != CT_PROXY_TO_CLIENT ||
	    !atomic_exchange(&proxy->drop_armed, false))
		return false;
	atomic_fetch_add(&proxy->dropped, 1);
	return true;
}

static void *run_pump(void *argument)
{
	struct pump *pump = argument;
	struct link *link = pump->link;
	struct ct_proxy *proxy = link->proxy;
	bool to_server = pump->direction == CT_PROXY_TO_SERVER;
	int from = to_server ? link->client_fd : link->server_fd;
	int to = to_server ? link->server_fd : link->client_fd;
	char buffer[PUMP_BUFFER_SIZE];

	for (;;) {
		struct timespec read_at;
		ssize_t length = recv(from, buffer, sizeof(buffer), 0);

		if (length < 0 && errno == EINTR)
			continue;
		if (length <= 0 || take_drop(proxy, pump->direction))
			break;
		clock_gettime(CLOCK_MONOTONIC, &read_at);
		hold_chunk(&read_at,
			   atomic_load(&proxy->delay_ms[pump->direction]));
		if (!send_all(to, buffer, (size_t)length))
			break;
	}
	finish_pump(link);
	return NULL;
}

/* Starts both pumps of a new link; called with proxy->lock held. */
static void start_pumps(struct link *link)
{
	for (int i = 0; i < 2; i++) {
		struct pump *pump = &link->pumps[i];

		pump->link = link;
		pump->direction = (enum ct_proxy_direction)i;
		link->running_pumps++;
		pump->started = pthread_create(&pump->thread, NULL, run_pump,
					       pump) == 0;
		if (!pump->started) {
			link->running_pumps--;
			shutdown(link->client_fd, SHUT_RDWR);
			shutdown(link->server_fd, SHUT_RDWR);
		}
	}
	if (link->running_pumps == 0) {
		close(link->client_fd);
		close(link->server_fd);
		link->client_fd = -1;
		link->server_fd = -1;
	}
}

/* Pairs an accepted client with a new server connection. A client that
 * arrives while the server is down is closed at once, which libpq reports
 * as a server that closed the connection. */
static void serve_client(struct ct_proxy *proxy, int client_fd)
{
	struct link *link;
	int server_fd = connect_server(proxy);

	atomic_fetch_add(&proxy->accepted, 1);
	link = server_fd >= 0 ? calloc(1, sizeof(*link)) : NULL;
	if (link == NULL) {
		if (server_fd >= 0)
			close(server_fd);
		close(client_fd);
		return;
	}
	link->proxy = proxy;
	link->client_fd = client_fd;
	link->server_fd = server_fd;

	pthread_mutex_lock(&proxy->lock);
	if (proxy->stopping) {
		pthread_mutex_unlock(&proxy->lock);
		close(client_fd);
		close(server_fd);
		free(link);
		return;
	}
	link->next = proxy->links;
	proxy->links = link;
	start_pumps(link);
	pthread_mutex_unlock(&proxy->lock);
}

static void *run_acceptor(void *argument)
{
	struct ct_proxy *proxy = argument;
	struct pollfd fds[2] = {
		{.fd = proxy->listen_fd, .events = POLLIN},
		{.fd = proxy->wake_pipe[0], .events = POLLIN},
	};

	for (;;) {
		int client_fd;

		if (poll(fds, 2, -1) < 0) {
			if (errno == EINTR)
				continue;
			break;
		}
		if (fds[1].revents != 0)
			break;
		if ((fds[0].revents & POLLIN) == 0)
			continue;
		client_fd = accept(proxy->listen_fd, NULL, NULL);
		if (client_fd >= 0)
			serve_client(proxy, client_fd);
	}
	return NULL;
}

static int read_settings(struct ct_proxy *proxy, const char *folder,
			 char *error, size_t size)
{
	char socket_dir[sizeof(proxy->target_path)];
	char port[16];
	int written;

	if (!copy_env("CT_TEST_SOCKET_DIR", socket_dir, sizeof(socket_dir)) ||
	    !copy_env("CT_TEST_PORT", port, sizeof(port)) ||
	    !copy_env("CT_TEST_DBNAME", proxy->dbname,
		      sizeof(proxy->dbname)) ||
	    !copy_env("CT_TEST_SUPERUSER", proxy->superuser,
		      sizeof(proxy->superuser))) {
		snprintf(error, size,
			 "CT_TEST_SOCKET_DIR, CT_TEST_PORT, CT_TEST_DBNAME "
			 "or CT_TEST_SUPERUSER is not set; run the tests "
			 "with make check");
		return -1;
	}
	proxy->port = atoi(port);
	written = snprintf(proxy->target_path, sizeof(proxy->target_path),
			   "%s/.s.PGSQL.%d", socket_dir, proxy->port);
	if (written < 0 || (size_t)written >= sizeof(proxy->target_path)) {
		snprintf(error, size, "server socket path too long");
		return -1;
	}
	snprintf(proxy->folder, sizeof(proxy->folder), "%s", folder);
	written = snprintf(proxy->socket_path, sizeof(proxy->socket_path),
			   "%s/.s.PGSQL.%d", folder, proxy->port);
	if (written < 0 || (size_t)written >= sizeof(proxy->socket_path) ||
	    strlen(folder) >= sizeof(proxy->folder)) {
		snprintf(error, size, "proxy socket path in %s is too long",
			 folder);
		return -1;
	}
	return 0;
}

static int open_listener(struct ct_proxy *proxy, char *error, size_t size)
{
	struct sockaddr_un address;

	if (mkdir(proxy->folder, 0700) != 0)
		return set_error(error, size, "cannot create folder",
				 proxy->folder);
	fill_address(&address, proxy->socket_path);
	proxy->listen_fd = socket(AF_UNIX, SOCK_STREAM, 0);
	if (proxy->listen_fd < 0)
		return set_error(error, size, "socket() failed for",
				 proxy->socket_path);
	if (bind(proxy->listen_fd, (struct sockaddr *)&address,
		 sizeof(address)) != 0 ||
	    listen(proxy->listen_fd, 16) != 0)
		return set_error(error, size, "cannot listen on",
				 proxy->socket_path);
	if (pipe(proxy->wake_pipe) != 0)
		return set_error(error, size, "pipe() failed for",
				 proxy->socket_path);
	return 0;
}

static void release(struct ct_proxy *proxy)
{
	if (proxy->listen_fd >= 0)
		close(proxy->listen_fd);
	if (proxy->wake_pipe[0] >= 0)
		close(proxy->wake_pipe[0]);
	if (proxy->wake_pipe[1] >= 0)
		close(proxy->wake_pipe[1]);
	unlink(proxy->socket_path);
	rmdir(proxy->folder);
	pthread_mutex_destroy(&proxy->lock);
	free(proxy);
}

int ct_proxy_start(const char *folder, struct ct_proxy **proxy_out,
		   char *error, size_t size)
{
	struct ct_proxy *proxy = calloc(1, sizeof(*proxy));

	*proxy_out = NULL;
	if (proxy == NULL) {
		snprintf(error, size, "out of memory");
		return -1;
	}
	proxy->listen_fd = -1;
	proxy->wake_pipe[0] = proxy->wake_pipe[1] = -1;
	pthread_mutex_init(&proxy->lock, NULL);
	if (read_settings(proxy, folder, error, size) != 0) {
		pthread_mutex_destroy(&proxy->lock);
		free(proxy);
		return -1;
	}
	if (open_listener(proxy, error, size) != 0) {
		release(proxy);
		return -1;
	}
	if (pthread_create(&proxy->acceptor, NULL, run_acceptor, proxy) != 0) {
		snprintf(error, size, "cannot start the proxy thread");
		release(proxy);
		return -1;
	}
	*proxy_out = proxy;
	return 0;
}

void ct_proxy_stop(struct ct_proxy *proxy)
{
	struct link *link, *next;
	char byte = 0;

	if (proxy == NULL)
		return;
	pthread_mutex_lock(&proxy->lock);
	proxy->stopping = true;
	pthread_mutex_unlock(&proxy->lock);
	while (write(proxy->wake_pipe[1], &byte, 1) < 0 && errno == EINTR)
		;
	pthread_join(proxy->acceptor, NULL);

	ct_proxy_break_links(proxy);
	for (link = proxy->links; link != NULL; link = next) {
		next = link->next;
		for (int i = 0; i < 2; i++) {
			if (link->pumps[i].started)
				pthread_join(link->pumps[i].thread, NULL);
		}
		free(link);
	}
	release(proxy);
}

void ct_proxy_conninfo(const struct ct_proxy *proxy, const char *user,
		       char *buffer, size_t size)
{
	snprintf(buffer, size, "host=%s port=%d dbname=%s user=%s",
		 proxy->folder, proxy->port, proxy->dbname,
		 user != NULL ? user : proxy->superuser);
}

void ct_proxy_set_delay(struct ct_proxy *proxy,
			enum ct_proxy_direction direction, int delay_ms)
{
	atomic_store(&proxy->delay_ms[direction], delay_ms > 0 ? delay_ms : 0);
}

void ct_proxy_drop_next_reply(struct ct_proxy *proxy)
{
	atomic_store(&proxy->drop_armed, true);
}

void ct_proxy_break_links(struct ct_proxy *proxy)
{
	pthread_mutex_lock(&proxy->lock);
	for (struct link *link = proxy->links; link != NULL;
	     link = link->next) {
		if (link->client_fd >= 0) {
			shutdown(link->client_fd, SHUT_RDWR);
			shutdown(link->server_fd, SHUT_RDWR);
		}
	}
	pthread_mutex_unlock(&proxy->lock);
}

unsigned ct_proxy_dropped_replies(struct ct_proxy *proxy)
{
	return atomic_load(&proxy->dropped);
}

unsigned ct_proxy_accepted(struct ct_proxy *proxy)
{
	return atomic_load(&proxy->accepted);
}
