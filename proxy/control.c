/*
 * control: the control socket and its requests.
 *
 * Requests are read with a size limit and a timeout, so a client that
 * sends garbage or nothing cannot hold the daemon or grow its memory.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/listener.h>

#include "control.h"
#include "events.h"
#include "log.h"
#include "path.h"
#include "request.h"
#include "show.h"

#define CONTROL_LINE_MAX	256
#define CONTROL_TIMEOUT		5

struct control {
	struct evconnlistener	*listener;
	struct datapath		*dp;
	control_reload_fn	 reload;
	void			*reload_arg;
	char			 path[sizeof(((struct sockaddr_un *)0)->sun_path)];
};

/*
 * Run one request line, writing the answer to out.  Returns 1 if bev
 * became a monitor subscriber (it is the events' now), else 0.
 */
static int
control_dispatch(struct control *ctl, char *line, struct bufferevent *bev)
{
	struct evbuffer	*out = bufferevent_get_output(bev);
	struct request	 req;

	switch (request_parse(line, &req)) {
	case REQUEST_SHOW_ASSOCS:
		show_assocs(out, ctl->dp, req.json);
		return 0;
	case REQUEST_SHOW_STATS:
		show_stats(out, ctl->dp, req.json);
		return 0;
	case REQUEST_SHOW_PEERS:
		show_peers(out, ctl->dp, req.json);
		return 0;
	case REQUEST_SHOW_CLUSTER:
		show_cluster(out, ctl->dp, req.json);
		return 0;
	case REQUEST_RELOAD:
		if (ctl->reload == NULL)
			break;
		ctl->reload(out, ctl->reload_arg);
		return 0;
	case REQUEST_MONITOR:
		if (events_subscribe(ctl->dp->events, bev, req.json) == 0)
			return 1;
		evbuffer_add_printf(out, "error: out of memory\n");
		return 0;
	case REQUEST_UNKNOWN:
		break;
	}
	evbuffer_add_printf(out, "error: unknown command \"%.64s\"\n",
	    req.command);
	return 0;
}

/* The answer is out: close. */
static void
control_write_cb(struct bufferevent *bev, void *arg)
{
	if (evbuffer_get_length(bufferevent_get_output(bev)) == 0)
		bufferevent_free(bev);
}

/* Close on error, EOF or timeout. */
static void
control_event_cb(struct bufferevent *bev, short events, void *arg)
{
	if (events & (BEV_EVENT_ERROR | BEV_EVENT_EOF | BEV_EVENT_TIMEOUT))
		bufferevent_free(bev);
}

/* A request line may have arrived. */
static void
control_read_cb(struct bufferevent *bev, void *arg)
{
	struct control	*ctl = arg;
	struct evbuffer	*in = bufferevent_get_input(bev);
	struct evbuffer	*out = bufferevent_get_output(bev);
	char		*line;
	size_t		 len;

	line = evbuffer_readln(in, &len, EVBUFFER_EOL_CRLF);
	if (line == NULL) {
		if (evbuffer_get_length(in) > CONTROL_LINE_MAX) {
			evbuffer_add_printf(out, "error: request too long\n");
			goto done;
		}
		return;
	}
	if (control_dispatch(ctl, line, bev) == 1) {
		free(line);
		return;
	}
	free(line);
done:
	bufferevent_disable(bev, EV_READ);
	bufferevent_setcb(bev, NULL, control_write_cb, control_event_cb, ctl);
	bufferevent_enable(bev, EV_WRITE);
	/* The whole answer may already be in the output buffer. */
	if (evbuffer_get_length(out) == 0)
		bufferevent_free(bev);
}

/* A client connected. */
static void
control_accept_cb(struct evconnlistener *l, evutil_socket_t fd,
    struct sockaddr *sa, int socklen, void *arg)
{
	struct control		*ctl = arg;
	struct bufferevent	*bev;
	struct timeval		 tv = { CONTROL_TIMEOUT, 0 };

	bev = bufferevent_socket_new(evconnlistener_get_base(l), fd,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		close(fd);
		return;
	}
	bufferevent_setcb(bev, control_read_cb, NULL, control_event_cb, ctl);
	bufferevent_set_timeouts(bev, &tv, &tv);
	bufferevent_enable(bev, EV_READ);
}

/* Listen on the control socket. */
struct control *
control_open(struct event_base *base, const char *path, struct datapath *dp,
    const char **cause)
{
	struct control		*ctl;
	struct sockaddr_un	 sun;
	mode_t			 old;
	char			 why[256];

	if ((ctl = calloc(1, sizeof(*ctl))) == NULL) {
		*cause = "out of memory";
		return NULL;
	}
	ctl->dp = dp;
	memset(&sun, 0, sizeof(sun));
	sun.sun_family = AF_UNIX;
	if (strlen(path) >= sizeof(sun.sun_path)) {
		*cause = "control socket path too long";
		free(ctl);
		return NULL;
	}
	strcpy(sun.sun_path, path);
	strcpy(ctl->path, path);
	/* Listening fails below, and says so, if this did not work. */
	if (path_mkdirs(path, why, sizeof(why)) == -1)
		log_warnx("control socket directory: %s", why);
	(void)unlink(path);
	old = umask(0117);
	ctl->listener = evconnlistener_new_bind(base, control_accept_cb, ctl,
	    LEV_OPT_CLOSE_ON_FREE | LEV_OPT_CLOSE_ON_EXEC, 16,
	    (struct sockaddr *)&sun, sizeof(sun));
	umask(old);
	if (ctl->listener == NULL) {
		*cause = "cannot listen on the control socket";
		free(ctl);
		return NULL;
	}
	return ctl;
}

/* Who runs "reload". */
void
control_set_reload(struct control *ctl, control_reload_fn fn, void *arg)
{
	ctl->reload = fn;
	ctl->reload_arg = arg;
}

/* Stop listening and remove the socket. */
void
control_close(struct control *ctl)
{
	if (ctl == NULL)
		return;
	evconnlistener_free(ctl->listener);
	(void)unlink(ctl->path);
	free(ctl);
}
