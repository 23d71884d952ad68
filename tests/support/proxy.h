/* A byte-forwarding proxy between libpq and the test server, for fault
 * tests and benchmarks. It listens on a Unix socket ".s.PGSQL.<port>" in a
 * folder of its own and forwards every connection to the test server's
 * socket (CT_TEST_SOCKET_DIR, CT_TEST_PORT), and to nothing else. Each
 * connection is served by two threads, one per direction. */
#ifndef CARETEAM_TEST_PROXY_H
#define CARETEAM_TEST_PROXY_H

#include <stddef.h>

enum ct_proxy_direction {
	CT_PROXY_TO_SERVER,
	CT_PROXY_TO_CLIENT,
};

struct ct_proxy;

/* Creates folder (which must not exist), listens on folder/.s.PGSQL.<port>
 * with the test server's port number, and starts accepting connections.
 * Returns 0, or -1 with a message in error. */
int ct_proxy_start(const char *folder, struct ct_proxy **proxy, char *error,
		   size_t size);

/* Stops accepting, closes every forwarded connection, waits for the
 * threads and removes the socket and the folder. */
void ct_proxy_stop(struct ct_proxy *proxy);

/* Writes a libpq conninfo that reaches the test database through the
 * proxy, as user (NULL for the test superuser). */
void ct_proxy_conninfo(const struct ct_proxy *proxy, const char *user,
		       char *buffer, size_t size);

/* Holds every chunk of bytes in that direction for delay_ms milliseconds
 * before forwarding it. 0 turns the delay off.
 *
 * NOTE: a pump forwards one chunk at a time, so bytes that arrive while an
 * earlier chunk is held wait for it and then for a full delay of their
 * own. With one statement in flight at a time, each round trip gains
 * exactly the two delays. */
void ct_proxy_set_delay(struct ct_proxy *proxy,
			enum ct_proxy_direction direction, int delay_ms);

/* Arms a one-shot fault: the next bytes the server sends on any
 * connection are discarded, and that connection is closed on both sides,
 * as if the link broke while the reply was on its way. */
void ct_proxy_drop_next_reply(struct ct_proxy *proxy);

/* Closes every forwarded connection now, on both sides, as if the link
 * failed. A server backend busy with a statement, or waiting for a lock,
 * does not notice until it next reads or writes. */
void ct_proxy_break_links(struct ct_proxy *proxy);

/* Returns how many replies were dropped since the proxy started. */
unsigned ct_proxy_dropped_replies(struct ct_proxy *proxy);

/* Returns how many client connections were accepted since the start. */
unsigned ct_proxy_accepted(struct ct_proxy *proxy);

#endif
