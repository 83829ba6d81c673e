/* munged-backlog.c - preloaded into the test cluster's one munged: listen(2)
 * with the kernel's largest backlog (net.core.somaxconn) instead of 256.
 *
 * Why: munge 0.5.15 (Debian 12) listens with a fixed backlog of 256, and its
 * clients connect non-blocking and give up at once when Linux answers a full
 * queue with EAGAIN (munge 0.5.16 added --listen-backlog and retries EAGAIN).
 * On a real cluster every node has its own munged; here one munged serves all
 * slurmd, slurmstepd and clients of up to thousands of nodes, and a 300-node
 * step's burst of credentials overflowed it ("Munge encode failed: Failed to
 * connect to ...: Resource temporarily unavailable" in big-job.test; 143 of
 * 400 concurrent clients of a briefly stopped munged failed the same way).
 * The kernel caps the value at somaxconn itself. */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <unistd.h>

int listen(int fd, int backlog);

int listen(int fd, int backlog)
{
	(void)backlog;
	return (int)syscall(SYS_listen, fd, 65535);
}
